"""Done when: a plain install (the package and its runtime dependencies, no extras, as
`pip install .` or pipx gives a user) builds the example briefs offline with
`--approve checks` and exits 0, every phase with a suite proving it ("N passed") and ruff
having run on every Python file. The shop brief checks on the embedded PostgreSQL."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from backend_agent.checks.pyenv import uv_binary

from .conftest import EXAMPLES, ROOT, git

# Builds that run suites: kept off the worker timing the UI (see tests/test_wizard_load.py).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """A venv holding backend-agent and its runtime dependencies only (versions from the
    lock, as CI pins them)."""
    venv = tmp_path_factory.mktemp("plain") / "venv"
    uv = uv_binary()
    subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(venv)], check=True)
    installed = subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv / "bin" / "python")]
        + ["-c", str(ROOT / "constraints-dev.txt"), str(ROOT)],
        capture_output=True,
        text=True,
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    listing = subprocess.run(
        [uv, "pip", "list", "--python", str(venv / "bin" / "python")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "pytest " not in listing and "fastapi" not in listing  # nothing of the dev extras
    return venv / "bin" / "backend-agent"


@pytest.mark.parametrize(("example", "postgres"), [("bookmarks", "system"), ("shop", "embedded")])
def test_a_plain_install_builds_and_proves_the_example(plain, make_repo, example, postgres):
    repo = make_repo()
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")
    }
    env["BACKEND_AGENT_POSTGRES"] = postgres
    result = subprocess.run(
        [str(plain), "build", "--brief", str(EXAMPLES / f"{example}.toml"), "--provider"]
        + ["offline", "--approve", "checks", "--json"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout)
    assert report["held_back"] == []
    for phase in report["phases"]:
        assert phase["status"] == "committed", phase["id"]
        checks = {c["check"]: c for c in phase["checks"]}
        if phase["number"] >= 3:
            tests = checks["tests"]
            assert tests["status"] == "pass", (phase["id"], tests["message"])
            assert re.match(r"\d+ passed in ", tests["message"]), tests["message"]
        if phase["number"] == 2:
            assert (
                f"({'embedded' if postgres == 'embedded' else 'temporary'}"
                in (checks["sql.migrations"]["message"])
            )
        for file in phase["files"]:
            if file["path"].endswith(".py"):
                ruff = [c for c in file["checks"] if c["check"] == "python.ruff"]
                assert ruff and {c["status"] for c in ruff} == {"pass"}, (file["path"], ruff)
    assert git(repo, "status", "--porcelain") == ""
