"""Killed at any point — mid-edit, mid-stream, mid-commit — the next start loses nothing."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from backend_agent.engine import BuildSession

from .conftest import ROOT, git
from .helpers import generate, start

REQ = "docs/requirements.md"


def worker(mode: str, repo) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.crash_worker", mode, str(repo)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )


def read_until(process: subprocess.Popen, prefix: str) -> str:
    for line in process.stdout:
        if line.startswith(prefix):
            return line.strip()
    raise AssertionError(f"worker ended before printing {prefix!r}")


def kill(process: subprocess.Popen) -> list[str]:
    process.send_signal(signal.SIGKILL)
    rest = process.stdout.read().splitlines()
    process.wait()
    return rest


@pytest.mark.parametrize("delay", [0.0, 0.05, 0.13, 0.31])
def test_killed_mid_edit_keeps_every_saved_edit(repo, delay):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve("docs/architecture.md")
    process = worker("edits", repo)
    last = read_until(process, "saved")
    time.sleep(delay)
    lines = [last, *kill(process)]
    confirmed = max(int(line.split()[1]) for line in lines if line.startswith("saved"))
    state_file = repo / ".git" / "backend-agent" / "builds" / "bookmarks.json"
    json.loads(state_file.read_text())  # always a whole, valid document
    with BuildSession.open(repo) as again:
        content = again.content(REQ)
        number = int(content.split("\n", 1)[0].split()[1])
        assert number >= confirmed  # an edit that returned is on disk
        assert (
            again.review("docs/architecture.md").state(again.change("docs/architecture.md"))
            == "approved"
        )
    assert not list(state_file.parent.glob(".*.tmp"))


def test_killed_while_the_provider_streams(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve(REQ)
        proposal = session.proposal
    process = worker("stream", repo)
    read_until(process, "streaming")
    kill(process)
    with BuildSession.open(repo) as again:
        record = again.record("architecture")
        assert record.status == "proposed"
        assert "interrupted" in record.error
        assert again.proposal == proposal
        assert again.review(REQ).state(again.change(REQ)) == "approved"


@pytest.mark.parametrize("delay", [0.0, 0.1, 0.25, 0.5, 1.0])
def test_killed_mid_commit_is_consistent_and_retried(repo, delay):
    setup = worker("setup-many", repo)
    read_until(setup, "ready")
    setup.wait()
    base = git(repo, "rev-parse", "backend-agent/bookmarks").strip()
    process = worker("commit", repo)
    read_until(process, "committing")
    time.sleep(delay)
    kill(process)
    with BuildSession.open(repo) as again:
        record = again.record("architecture")
        tip = git(repo, "rev-parse", "backend-agent/bookmarks").strip()
        if record.status == "committed":
            assert record.commit == tip != base
        else:
            assert record.status == "proposed" and tip == base
            assert len(record.approved()) == 500
            assert git(again.worktree.path, "status", "--porcelain") == ""
            again.goto("architecture")
            again.commit()
        commits = git(repo, "rev-list", f"{base}..backend-agent/bookmarks").split()
        assert len(commits) == 1
        assert len(again.worktree.files()) == 500 + 1  # plus the user's README


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_exit_cleanly_after_saving(repo, sig):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.crash_worker",
            "cli",
            "build",
            "--brief",
            str(ROOT / "examples" / "bookmarks.toml"),
            "--repo",
            str(repo),
        ],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    state_file = repo / ".git" / "backend-agent" / "builds" / "bookmarks.json"
    for _ in range(1200):  # generous: a loaded CI machine starts Python slowly
        if state_file.exists() and '"generating"' in state_file.read_text():
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the build never started generating")
    process.send_signal(sig)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 130
    assert "interrupted; the build state is saved" in err and "Traceback" not in err
    state = json.loads(state_file.read_text())
    assert state["phases"]["architecture"]["status"] == "pending"
    assert state["phases"]["architecture"]["error"] == "interrupted"
    with BuildSession.open(repo):  # the lock went with the process
        pass


def test_a_throwaway_postgresql_does_not_outlive_a_killed_process(tmp_path):
    started = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; from backend_agent.checks.postgres import find_server;"
            "s = find_server(); print(s.base_url.split('host=')[1], flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    sockets = started.stdout.readline().strip()
    root = Path(sockets).parent
    assert (root / "data" / "postmaster.pid").exists()
    started.send_signal(signal.SIGKILL)
    started.wait()
    for _ in range(100):
        if not root.exists():
            break
        time.sleep(0.1)
    assert not root.exists(), "the cluster of a killed process is still there"
