"""Helpers for the reliability tests: the CLI in-process, builds made quickly through the
engine, the state file, and a `git` on PATH that fails or hangs on one subcommand."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from backend_agent.cli import main

from .conftest import EXAMPLES
from .helpers import generate, start

BRIEF = str(EXAMPLES / "bookmarks.toml")
HEADLESS = ("--approve", "all", "--checks", "none")


def build_args(repo: Path) -> list[str]:
    """`build --brief BRIEF --repo REPO`, for more options after it."""
    return ["build", "--brief", BRIEF, "--repo", str(repo)]


def resume_headless(repo: Path, phases: str) -> list[str]:
    """`resume` of `repo`'s build through `phases`, approving all, without checks."""
    return ["resume", "--repo", str(repo), "--phases", phases, *HEADLESS]


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """The command line in this process: (exit code, stdout, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def state_file(repo: Path, build: str = "bookmarks") -> Path:
    return repo / ".git" / "backend-agent" / "builds" / f"{build}.json"


def committed(repo: Path, upto: int) -> dict[str, str]:
    """A bookmarks build with phases 1..upto committed; their commit ids by phase."""
    commits = {}
    with start(repo) as session:
        for phase_id in ("architecture", "data-model", "service-layer")[:upto]:
            generate(session, phase_id)
            session.approve_all()
            commits[phase_id] = session.commit()
    return commits


def fake_git(folder: Path, when: str, then: str) -> dict[str, str]:
    """Environment whose `git` runs the real one, except that a command line containing
    `when` runs the shell code `then` instead (fail like a full disk, or hang)."""
    folder.mkdir(parents=True, exist_ok=True)
    real = shutil.which("git")
    script = folder / "git"
    script.write_text(f'#!/bin/sh\ncase "$*" in *"{when}"*) {then} ;; esac\nexec {real} "$@"\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}
