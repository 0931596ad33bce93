"""Shared fixtures: hermetic git and config, scratch repositories, a real PostgreSQL."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout


@pytest.fixture(autouse=True)
def hermetic(tmp_path_factory, monkeypatch):
    """Each test sees its own git identity and config folder, and no API key."""
    home = tmp_path_factory.mktemp("home")
    gitconfig = home / ".gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Test Person\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("BACKEND_AGENT_CONFIG_DIR", str(home / "config"))
    for name in (
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "GIT_AUTHOR_NAME",
        "GIT_AUTHOR_EMAIL",
        "BACKEND_AGENT_DATABASE_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def make_repo(tmp_path):
    """A factory of git repositories; `commit=False` leaves the repository empty."""
    count = 0

    def make(commit: bool = True) -> Path:
        nonlocal count
        count += 1
        repo = tmp_path / f"repo{count}"
        repo.mkdir()
        git(repo, "init", "--quiet")
        if commit:
            (repo / "README.md").write_text("# a user's project\n")
            git(repo, "add", "README.md")
            git(repo, "commit", "--quiet", "-m", "initial")
        return repo

    return make


@pytest.fixture
def repo(make_repo) -> Path:
    return make_repo()


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL for the whole session: a throwaway cluster, stopped at the end."""
    from backend_agent.checks.postgres import find_server

    server = find_server()
    assert server is not None, (
        "no PostgreSQL found: install Debian's postgresql package (.ci/run does) or set "
        "BACKEND_AGENT_DATABASE_URL"
    )
    yield server
    server.stop()


FAKE_KEY = "sk-ant-test-CANARY-7f3a9c51-never-written"
"""A recognisable fake API key: tests grep for it after a build to prove it leaked nowhere."""


@pytest.fixture
def fake_anthropic(monkeypatch):
    """A fake Anthropic API on localhost (tests/fakes) with the SDK pointed at it through
    ANTHROPIC_BASE_URL, and FAKE_KEY as the key it expects."""
    from .fakes.anthropic_server import FakeAnthropic

    with FakeAnthropic(expected_key=FAKE_KEY) as fake:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
        yield fake


@pytest.fixture
def pg_env(pg_server, monkeypatch):
    """Checks in this test use the session's PostgreSQL, as they would a user's server
    given in BACKEND_AGENT_DATABASE_URL (no second cluster per test process)."""
    from backend_agent.checks.postgres import ENV_URL

    monkeypatch.setenv(ENV_URL, pg_server.base_url)
    return pg_server


@pytest.fixture(scope="session")
def redis_server():
    """A real Redis for the session (the TypeScript services' shared limits and cache)."""
    from .node_support import RedisServer

    server = RedisServer()
    yield server
    server.stop()


@pytest.fixture
def node_env(monkeypatch):
    """npm dependencies from the tests' shared cache (.cache/node), as a developer's
    machine would keep them between builds."""
    from .node_support import NODE_CACHE, require_node

    require_node()
    monkeypatch.setenv("BACKEND_AGENT_CACHE_DIR", str(NODE_CACHE))
    return NODE_CACHE
