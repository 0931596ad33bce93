"""The repository as it would be after the commit: the branch with the proposal laid over it.

Checks read this view, never the worktree itself, so nothing they do can reach the branch;
tools that need real files (ruff, the test run) get a scratch copy that is deleted after.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

from ..core.processes import alive
from ..workspace.git import SAFE_CONFIG
from ..workspace.paths import resolve_inside

SCRATCH = "backend-agent-check-"


def sweep_scratch() -> None:
    """Remove scratch copies that killed processes of this user left behind: the folder
    name carries the pid that made it, and a pid that no longer runs cannot need it."""
    pattern = re.compile(re.escape(SCRATCH) + r"(\d+)-")
    for folder in Path(tempfile.gettempdir()).glob(SCRATCH + "*"):
        match = pattern.match(folder.name)
        try:
            ours = match is not None and folder.stat().st_uid == os.getuid()
        except OSError:
            continue
        if ours and not alive(int(match.group(1))):
            shutil.rmtree(folder, ignore_errors=True)


class Branch(Protocol):
    """What the tree needs of the build branch (a `Worktree` is one)."""

    path: Path

    def files(self) -> list[str]: ...

    def read_many(self, paths: Iterable[str]) -> dict[str, str]: ...


class ProposedTree:
    """Branch files plus `overlay` (path → new content, or None for a deletion)."""

    def __init__(self, branch: Branch, overlay: Mapping[str, str | None]) -> None:
        self.branch = branch
        self.overlay = dict(overlay)
        self._branch_files: list[str] | None = None
        self._cache: dict[str, str] = {}

    def branch_files(self) -> list[str]:
        if self._branch_files is None:
            self._branch_files = self.branch.files()
        return self._branch_files

    def paths(self) -> list[str]:
        """Every file that would exist after the commit, sorted."""
        present = set(self.branch_files())
        for path, content in self.overlay.items():
            (present.discard if content is None else present.add)(path)
        return sorted(present)

    def proposed(self, path: str) -> bool:
        return path in self.overlay

    def read_all(self, paths: Iterable[str]) -> dict[str, str]:
        """Effective contents; files that would not exist are left out."""
        wanted = [p for p in paths if p not in self.overlay and p not in self._cache]
        if wanted:
            self._cache.update(self.branch.read_many(wanted))
        found = {}
        for path in paths:
            content = self.overlay[path] if path in self.overlay else self._cache.get(path)
            if content is not None:
                found[path] = content
        return found

    def read(self, path: str) -> str | None:
        return self.read_all([path]).get(path)

    def under_review(self) -> set[str]:
        """The files tree-wide findings (an ADR numbering gap) are pinned on: the proposal's;
        the branch's own problems are only warned about."""
        return set(self.overlay)

    def lay_base(self, root: Path) -> None:
        """The branch's files, as files under `root`."""
        archive = subprocess.run(
            ["git", *SAFE_CONFIG, "archive", "--format=tar", "HEAD"],
            cwd=self.branch.path,
            capture_output=True,
            check=True,
        ).stdout
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(root, filter="data")

    @contextmanager
    def materialized(self) -> Iterator[Path]:
        """A scratch directory holding the tree as files; removed afterwards (and, should
        this process be killed first, by the next one: see `sweep_scratch`)."""
        sweep_scratch()
        root = Path(tempfile.mkdtemp(prefix=f"{SCRATCH}{os.getpid()}-"))
        try:
            self.lay_base(root)
            for path, content in self.overlay.items():
                target = resolve_inside(root, path)
                if content is None:
                    target.unlink(missing_ok=True)
                    continue
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(content, encoding="utf-8")
            yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)
