"""Helpers for tests that drive builds: snapshots of a user's repo, quick sessions."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.engine import BuildSession

from .conftest import EXAMPLES, git

SKILLS = [
    "architecture-patterns",
    "auth-patterns",
    "caching",
    "error-handling",
    "logging-observability",
    "nodejs-patterns",
    "production-readiness",
    "python-fastapi-patterns",
    "rate-limiting",
    "supabase-postgres",
]
"""The skills the product ships: the nine of the skills issue plus python-fastapi-patterns."""


def user_view(repo: Path) -> dict[str, object]:
    """Everything of a repository that is the user's: working tree bytes, the index file,
    HEAD, the stash and every ref that is not ours."""
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        files[str(path.relative_to(repo))] = hashlib.sha256(path.read_bytes()).hexdigest()
    index = repo / ".git" / "index"
    refs = [
        line
        for line in git(repo, "for-each-ref", "--format=%(refname) %(objectname)").splitlines()
        if not line.startswith("refs/heads/backend-agent/")
    ]
    return {
        "files": files,
        "worktrees": _worktrees(repo / ".git" / "worktrees"),
        "config": (repo / ".git" / "config").read_bytes(),
        "index": index.read_bytes() if index.exists() else None,
        "HEAD": (repo / ".git" / "HEAD").read_text(),
        "head_commit": git(repo, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
        if refs
        else None,
        "stash": git(repo, "stash", "list") if refs else "",
        "refs": refs,
    }


def _worktrees(folder: Path) -> dict[str, str]:
    """The metadata git keeps of the user's other worktrees (HEAD, index, config...), not
    of ours (those point into .git/backend-agent)."""
    found = {}
    for entry in sorted(folder.iterdir()) if folder.exists() else []:
        gitdir = entry / "gitdir"
        if gitdir.exists() and "/backend-agent/worktrees/" in gitdir.read_text():
            continue
        for path in sorted(entry.rglob("*")):
            if path.is_file():
                found[str(path.relative_to(folder))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def start(repo: Path, example: str = "bookmarks", **kwargs) -> BuildSession:
    return BuildSession.start(repo, load_brief(EXAMPLES / f"{example}.toml"), **kwargs)


def generate(session: BuildSession, phase: str | None = None) -> list:
    return list(session.generate(phase))


def run_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    """The real command line in a process of its own, as a user or a script runs it."""
    return subprocess.run(
        [sys.executable, "-m", "backend_agent.cli", *args],
        capture_output=True,
        text=True,
        **kwargs,
    )


def offline_build(repo: Path, brief: Path) -> Path:
    """All six phases built offline with the real command line, each committed as
    proposed (no checks); the build's worktree."""
    import json

    result = run_cli(
        "build",
        "--brief",
        str(brief),
        "--repo",
        str(repo),
        "--provider",
        "offline",
        "--phases",
        "1-6",
        "--approve",
        "all",
        "--checks",
        "none",
        "--json",
        cwd=repo,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert [p["status"] for p in report["phases"]] == ["committed"] * 6
    return Path(report["worktree"])
