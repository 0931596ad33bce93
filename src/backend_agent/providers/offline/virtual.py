"""The offline generator's whole output for a brief, made in memory: all six phases run in
turn on a virtual tree that starts as the build's start commit.

An evolution compares two of these: the previous brief's run is the generator's last
version of every file (the merge base; the generator is deterministic), the new brief's run
is what it writes now ("theirs"). Which phase first wrote a file says which phase proposes
its change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ...core.brief import Brief
from ...core.phases import PHASES
from ...core.proposal import FileChange
from . import GENERATORS
from .plan import build_plan
from .target import target_for


class VirtualBranch:
    """A BranchReader over a dict of files: what a phase would find on the branch."""

    def __init__(self, files: dict[str, str]) -> None:
        self.tree = files

    def files(self) -> list[str]:
        return sorted(self.tree)

    def read_many(self, paths: Iterable[str]) -> dict[str, str]:
        return {p: self.tree[p] for p in paths if p in self.tree}

    def sizes(self) -> dict[str, int]:
        return {p: len(c.encode()) for p, c in self.tree.items()}

    def ignored(self, paths: Iterable[str]) -> set[str]:
        return set()

    def phase_files(self, build: str) -> dict[str, str]:
        return {}


@dataclass
class VirtualBuild:
    files: dict[str, str]
    """Every file after phase 6 (the start tree's files included)."""
    phase_of: dict[str, str] = field(default_factory=dict)
    """The phase that first wrote each generated file."""
    changes: dict[str, FileChange] = field(default_factory=dict)
    """The last change that wrote each file (its kind and why)."""

    def written(self, phase_id: str) -> dict[str, str]:
        """The final content of the files `phase_id` first wrote."""
        return {p: self.files[p] for p, ph in self.phase_of.items() if ph == phase_id}


def run_all(brief: Brief, start: dict[str, str], day: date) -> VirtualBuild:
    """All six phases of `brief` on a copy of `start`, each proposal applied whole."""
    tree = dict(start)
    build = VirtualBuild(tree)
    plan = build_plan(brief)
    branch = VirtualBranch(tree)
    generators = GENERATORS[target_for(brief).id]
    for phase in PHASES:
        proposal = generators[phase.id](brief, plan, sorted(tree), day, branch)
        for change in proposal.changes:
            if change.action == "delete":
                tree.pop(change.path, None)
                continue
            tree[change.path] = change.content
            build.phase_of.setdefault(change.path, phase.id)
            build.changes[change.path] = change
    return build
