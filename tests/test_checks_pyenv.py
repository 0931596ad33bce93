"""The test check provisions the project's own environment: made with uv from the
project's declared dependencies (a package our own venv lacks), kept under the build's data
dir keyed by the declaration, reused by later runs, remade when the declaration changes;
pip when uv is missing; every way an install can go wrong reported, never as a pass."""

from __future__ import annotations

import textwrap
import threading

import pytest

from backend_agent.checks import pyenv
from backend_agent.core.checks import CheckOptions, CheckOutput, CheckProgress

from .checks_support import StaticProvider
from .helpers import generate, start

PYPROJECT = textwrap.dedent(
    """\
    [build-system]
    requires = ["hatchling>=1.24"]
    build-backend = "hatchling.build"

    [project]
    name = "calc"
    version = "0.1.0"
    requires-python = ">=3.11"
    dependencies = [{deps}]

    [project.optional-dependencies]
    test = ["pytest>=8"]

    [tool.hatch.build.targets.wheel]
    packages = ["calc"]
    """
)
TEST = textwrap.dedent(
    """\
    import os

    import six

    from calc import double


    def test_double():
        assert double(2) == 4 and six.PY3


    def test_both_database_urls_name_the_fresh_database():
        url = os.environ["TEST_DATABASE_URL"]
        assert url == os.environ["DATABASE_URL"] and "ba_tests_" in url
    """
)


def project(deps: str = '"six>=1.16"', pyproject: str | None = None) -> dict[str, str]:
    return {
        "pyproject.toml": pyproject or PYPROJECT.format(deps=deps),
        "calc/__init__.py": "def double(x):\n    return 2 * x\n",
        "tests/test_calc.py": TEST,
    }


def check(session, **options):
    events = list(session.check(options=CheckOptions(**options)))
    [result] = [r for r in session.record().checks.phase if r.check == "tests"]
    return result, events


def lines(events) -> str:
    return "\n".join(e.line for e in events if isinstance(e, CheckOutput))


def envs(session):
    folder = session.repo.data_dir / "envs" / session.state.build
    return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.exists() else []


def test_the_environment_is_made_once_reused_and_remade_when_dependencies_change(repo, pg_env):
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        result, events = check(session)
        assert (result.status, result.message.split(" in ")[0]) == ("pass", "2 passed")
        assert "creating the project's environment with uv" in lines(events)
        assert any(isinstance(e, CheckProgress) and "environment" in e.message for e in events)
        [first] = envs(session)
        # Again: the same declaration, the same environment, nothing installed.
        result, events = check(session)
        assert result.status == "pass" and "creating" not in lines(events)
        assert envs(session) == [first]
    files = project('"six>=1.16", "iniconfig>=1"')
    with start(repo, provider=StaticProvider(files), build="second") as session:
        generate(session, "service-layer")
        assert check(session)[0].status == "pass"
        assert envs(session) != [first]


def test_pip_makes_the_environment_when_uv_is_missing(repo, pg_env, monkeypatch):
    monkeypatch.setattr(pyenv, "uv_binary", lambda: None)
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        result, events = check(session)
        assert result.status == "pass", result.message
        assert "creating the project's environment with pip" in lines(events)


def test_a_pyproject_that_does_not_parse_fails_without_installing(repo, pg_env):
    with start(repo, provider=StaticProvider(project(pyproject="[project\nname = 1\n"))) as s:
        generate(s, "service-layer")
        result, events = check(s)
        assert result.status == "fail"
        assert result.message.startswith("pyproject.toml does not parse (")
        assert "cannot be installed" in result.message and not envs(s)


@pytest.mark.parametrize(
    ("deps", "expected"),
    [
        ('"backend-agent-no-such-package-13"', "backend-agent-no-such-package-13 was not found"),
        ('"six>=999"', "six>=999"),
    ],
    ids=["no-such-package", "impossible-version"],
)
def test_an_install_the_proposal_breaks_fails_with_uvs_own_line(repo, pg_env, deps, expected):
    with start(repo, provider=StaticProvider(project(deps))) as session:
        generate(session, "service-layer")
        result, _ = check(session)
        assert result.status == "fail"
        assert result.message.startswith("installing the project with uv failed: Because ")
        assert expected in result.message
        assert not envs(session)  # nothing half made is kept for a later run


def test_an_unreachable_package_index_leaves_the_tests_not_run(repo, pg_env, monkeypatch):
    monkeypatch.setenv("UV_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")
    monkeypatch.setenv("UV_NO_CACHE", "1")
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        result, _ = check(session)
        assert result.status == "skipped"
        assert result.message.startswith("not run: the package index cannot be reached (")
        assert session.check_results("calc/__init__.py") is not None


def test_making_the_environment_can_be_cancelled(repo, pg_env):
    cancel = threading.Event()
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        for event in session.check(options=CheckOptions(), cancel=cancel):
            if (
                isinstance(event, CheckOutput)
                and "creating the project's environment" in event.line
            ):
                cancel.set()
        [result] = [r for r in session.record().checks.phase if r.check == "tests"]
        assert result.status == "skipped" and "cancelled" in result.message
        assert not envs(session)


def test_a_test_command_brings_its_own_environment(repo, pg_env):
    with start(repo, provider=StaticProvider(project())) as session:
        generate(session, "service-layer")
        result, _ = check(session, test_command="true")
        assert result.message == "`true` passed" and not envs(session)


def test_the_declaration_key_follows_dependencies_not_code():
    base = pyenv.declaration(PYPROJECT.format(deps='"six"'))
    assert base == pyenv.declaration(PYPROJECT.format(deps='"six"') + "\n[tool.ruff]\n")
    assert base.key != pyenv.declaration(PYPROJECT.format(deps='"six>=1.17"')).key
    assert (base.extra, base.add_pytest) == ("test", False)
    bare = pyenv.declaration('[project]\nname = "x"\nversion = "1"\n')
    assert (bare.extra, bare.add_pytest, bare.target) == (None, True, ".")
    assert pyenv.declaration("[tool.x]\n").status == "fail"


def test_the_error_line_is_the_tools_own_words():
    wrapped = [
        "Using Python 3.11.7 environment at: /x",
        "error: No solution found when resolving dependencies",
        "  cause: Because only six<=1.17.0 is available and calc==0.1.0 depends on",
        "         six>=999, we can conclude that calc==0.1.0 cannot be used.",
        "         And because only calc[test]==0.1.0 is available ...",
    ]
    assert pyenv._error_line(wrapped) == (
        "Because only six<=1.17.0 is available and calc==0.1.0 depends on six>=999, we can "
        "conclude that calc==0.1.0 cannot be used."
    )
    pip = [
        "Collecting nope-13",
        "ERROR: Could not find a version that satisfies the requirement nope-13 (from calc)",
        "ERROR: No matching distribution found for nope-13",
    ]
    assert pyenv._error_line(pip) == "No matching distribution found for nope-13"
