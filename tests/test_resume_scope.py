"""A build keeps the phases it was asked for: killed mid-way and resumed, it finishes
those phases and stops there; a resume that names other phases makes them the scope."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys

from backend_agent.engine import BuildSession

from .conftest import EXAMPLES
from .helpers import run_cli

BOOKMARKS = str(EXAMPLES / "bookmarks.toml")


def statuses(repo) -> list[str]:
    with BuildSession.open(repo) as session:
        return [r.status for r in session.state.phases.values()]


def test_a_killed_build_resumes_within_the_phases_it_asked_for(repo):
    build = subprocess.Popen(
        [sys.executable, "-m", "backend_agent.cli", "build", "--brief", BOOKMARKS]
        + ["--repo", str(repo), "--provider", "offline", "--phases", "1-2", "--approve", "all"]
        + ["--checks", "none"],
        stderr=subprocess.PIPE,
        text=True,
    )
    for line in build.stderr:
        if line.startswith("phase 2/6"):
            os.kill(build.pid, signal.SIGKILL)
            break
    build.wait()
    build.stderr.close()
    assert build.returncode == -signal.SIGKILL
    result = run_cli("resume", "--repo", str(repo), "--approve", "all", "--checks", "none")
    assert result.returncode == 0, result.stderr
    assert statuses(repo)[:3] == ["committed", "committed", "pending"]
    assert "this build asked for phases 1-2; go on with `backend-agent resume bookmarks " in (
        result.stderr
    )
    assert "--phases 3-6`" in result.stderr


def test_a_resume_naming_phases_makes_them_the_scope(repo):
    args = ("--repo", str(repo), "--provider", "offline", "--checks", "none", "--json")
    first = run_cli("build", "--brief", BOOKMARKS, "--phases", "1", "--approve", "none", *args)
    assert first.returncode == 0, first.stderr
    again = run_cli("resume", "--approve", "all", "--phases", "1-3", *args)
    assert again.returncode == 0, again.stderr
    assert [p["status"] for p in json.loads(again.stdout)["phases"]][:4] == (
        ["committed"] * 3 + ["pending"]
    )
    with BuildSession.open(repo) as session:
        assert session.state.phases_asked == ["architecture", "data-model", "service-layer"]
    last = run_cli("resume", "--approve", "all", *args)
    assert last.returncode == 0 and statuses(repo)[3] == "pending"
