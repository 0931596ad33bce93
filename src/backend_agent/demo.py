"""A scratch repository with the example brief, for `backend-agent demo`."""

from __future__ import annotations

import tempfile
from pathlib import Path

from .core.errors import BadInput
from .resources import example_brief
from .workspace.git import Author, run_git

DEMO_AUTHOR = Author("backend-agent demo", "demo@backend-agent.invalid")

README = """# {name}

A scratch repository made by `backend-agent demo`. The build works on the branch
`backend-agent/bookmarks` in its own worktree; this working tree stays as it is.
"""


def make_demo_repo(folder: str | None, example: str = "bookmarks") -> Path:
    """A new git repo with one commit holding `backend-brief.toml` and a README."""
    if folder:
        repo = Path(folder).expanduser().resolve()
        if repo.exists() and any(repo.iterdir()):
            raise BadInput(f"{repo} is not empty", hint="give a new or empty folder for the demo")
        repo.mkdir(parents=True, exist_ok=True)
    else:
        repo = Path(tempfile.mkdtemp(prefix="backend-agent-demo-"))
    run_git("init", "--quiet", "--initial-branch=main", cwd=repo)
    (repo / "backend-brief.toml").write_text(example_brief(example).read_text(encoding="utf-8"))
    (repo / "README.md").write_text(README.format(name=repo.name))
    # A scratch repo gets its own identity only if the person has none configured.
    if not run_git("config", "--get", "user.email", cwd=repo, check=False).strip():
        run_git("config", "user.name", DEMO_AUTHOR.name, cwd=repo)
        run_git("config", "user.email", DEMO_AUTHOR.email, cwd=repo)
    run_git("add", "backend-brief.toml", "README.md", cwd=repo)
    run_git("commit", "--quiet", "-m", "Start with the example brief", cwd=repo)
    return repo
