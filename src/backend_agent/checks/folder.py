"""Any folder, checked as a whole as if it were one proposal: `backend-agent check DIR`.

The tree is read as it is on disk — uncommitted edits included — so an agent in another
tool, or a CI job, gets the same gates a proposal does. Every file is under review. Files
git ignores are left out; outside git, so are the usual tool folders (.venv, node_modules).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path

from ..core.checks import CheckOptions, CheckResult, FileChecks, PhaseChecks
from ..core.proposal import content_hash
from .runner import StageDone, run
from .tree import ProposedTree

SKIPPED_FOLDERS = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
}
"""Outside git: environments and caches, never the project's own files."""
MAX_TEXT_BYTES = 5 * 1024 * 1024


class Folder:
    """A folder on disk in the place of a branch (see `tree.Branch`)."""

    def __init__(self, root: Path) -> None:
        self.path = root
        self.binary: set[str] = set()
        self.large: dict[str, int] = {}

    def files(self) -> list[str]:
        listed = _git_files(self.path)
        found = listed if listed is not None else _walk(self.path)
        root = self.path.resolve()
        return sorted(p for p in found if _regular_inside(self.path / p, root))

    def read_many(self, paths: Iterable[str]) -> dict[str, str]:
        found = {}
        for path in paths:
            full = self.path / path
            try:
                size = full.stat().st_size
                if size > MAX_TEXT_BYTES:
                    self.large[path] = size
                    continue
                data = full.read_bytes()
            except OSError:
                continue
            try:
                found[path] = data.decode("utf-8")
                if "\x00" in found[path]:
                    self.binary.add(path)
            except UnicodeDecodeError:
                self.binary.add(path)
                found[path] = data.decode("utf-8", errors="replace")
        return found


class FolderTree(ProposedTree):
    """The folder as a proposal over nothing: every file is proposed, none is on a branch."""

    def __init__(self, root: Path) -> None:
        self.folder = Folder(root)
        super().__init__(self.folder, {})

    def under_review(self) -> set[str]:
        return set(self.paths())

    def lay_base(self, root: Path) -> None:
        for path in self.paths():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(self.folder.path / path, target)


def check_folder(
    root: Path,
    options: CheckOptions,
    cancel: threading.Event | None = None,
    on_event: Callable[[object], None] | None = None,
) -> PhaseChecks:
    """Every check on every text file of the folder; progress and test output go to
    `on_event` as they happen."""
    tree = FolderTree(root)
    paths = tree.paths()
    contents = tree.read_all(paths)
    folder = tree.folder
    targets = [p for p in paths if p in contents and p not in folder.binary]
    checks = PhaseChecks(files={p: FileChecks(hash=content_hash(contents[p])) for p in targets})
    for path, size in folder.large.items():
        checks.files[path] = FileChecks(
            hash="",
            results=[
                CheckResult(
                    check="checks",
                    status="skipped",
                    message=f"not checked: {size:,} bytes, over the "
                    f"{MAX_TEXT_BYTES // (1024 * 1024)} MiB limit for a text file",
                )
            ],
        )
    cancel = cancel or threading.Event()
    for event in run(tree, targets, options, cancel):
        if isinstance(event, StageDone):
            checks = event.added_to(checks)
        elif on_event is not None:
            on_event(event)
    return checks.model_copy(update={"finished": datetime.now(UTC), "cancelled": cancel.is_set()})


def _git_files(root: Path) -> list[str] | None:
    """Tracked and untracked files that git does not ignore; None outside a work tree."""
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        return None
    names = result.stdout.decode("utf-8", errors="surrogateescape").split("\0")
    return [n for n in dict.fromkeys(names) if n]


def _walk(root: Path) -> list[str]:
    found = []
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIPPED_FOLDERS and not d.endswith(".egg-info")]
        base = Path(folder).relative_to(root)
        found += [(base / name).as_posix() for name in files]
    return found


def _regular_inside(path: Path, root: Path) -> bool:
    """A file (a link only if it stays inside the folder): deleted files git still lists,
    submodules and links out are not part of the tree."""
    if not path.is_file():
        return False
    return not path.is_symlink() or path.resolve().is_relative_to(root)
