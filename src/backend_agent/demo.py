"""A scratch repository with the example brief, for `backend-agent demo`.

Without a folder the demo lives in one known place in the temp directory and is used
again next time (its build is there to resume), rather than a new folder per run.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .core.errors import BadInput
from .resources import example_brief
from .workspace.git import Author, run_git

DEMO_AUTHOR = Author("backend-agent demo", "demo@backend-agent.invalid")

DEMO_FOLDER = "backend-agent-demo"
README = """# {name}

A scratch repository made by `backend-agent demo`. The build works on the branch
`backend-agent/bookmarks` in its own worktree; this working tree stays as it is.
"""


def demo_repo(folder: str | None, example: str = "bookmarks") -> tuple[Path, bool]:
    """The demo's repository and whether it was there already: `folder` (new or empty),
    else the shared one in the temp directory, made the first time."""
    if folder:
        return make_demo_repo(folder, example), False
    shared = Path(tempfile.gettempdir()) / DEMO_FOLDER
    if is_demo_repo(shared):
        return shared, True
    if shared.exists() and any(shared.iterdir()):  # something else lives there
        return _init(Path(tempfile.mkdtemp(prefix=f"{DEMO_FOLDER}-")), example), False
    return make_demo_repo(str(shared), example), False


def is_demo_repo(path: Path) -> bool:
    readme = path / "README.md"
    try:
        made_here = "made by `backend-agent demo`" in readme.read_text(encoding="utf-8")
    except OSError:
        return False
    return made_here and (path / ".git").is_dir() and (path / "backend-brief.toml").is_file()


def make_demo_repo(folder: str, example: str = "bookmarks") -> Path:
    """A new git repo in `folder` (new or empty) with one commit holding
    `backend-brief.toml` and a README."""
    repo = Path(folder).expanduser().resolve()
    if repo.exists() and any(repo.iterdir()):
        raise BadInput(f"{repo} is not empty", hint="give a new or empty folder for the demo")
    repo.mkdir(parents=True, exist_ok=True)
    return _init(repo, example)


def _init(repo: Path, example: str) -> Path:
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
