"""Three-way merge of text files by lines: the generator's last version (base), the branch
as the person left it (ours) and the generator's new version (theirs).

Changes only one side made are taken; where both sides changed the same lines differently
the result holds theirs and the place is a *conflict*, which the hunk review shows side by
side for the person to pick. Without a base (the branch's history no longer holds the
generator's version) nothing can be told apart: every difference is a conflict.

Pure functions over strings; `core.hunks` matches the lines, so what is merged here is
what the hunk review splits and shows.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from .hunks import Apart, Hunk, Opcode, lines, match


@dataclass(frozen=True)
class Conflict:
    ours_start: int
    ours_end: int
    """The lines of ours the two sides disagree about (empty when both insert there)."""
    ours: str
    theirs: str
    base: str | None


@dataclass(frozen=True)
class Merged:
    text: str
    """The merge, with theirs wherever the sides conflict."""
    conflicts: tuple[Conflict, ...]
    person: frozenset[int]
    """Lines of ours (0-based) that ours changed from base: the person's own lines. All of
    ours' lines when there is no base."""
    two_way: bool = False

    @property
    def clean(self) -> bool:
        return not self.conflicts


@dataclass(frozen=True)
class _Region:
    start: int
    end: int
    """The base lines [start, end) one side replaced."""
    side: str


def merge(base: str | None, ours: str, theirs: str) -> Merged:
    """Merge `theirs` into `ours`, both descended from `base` (None: unknown)."""
    o, t = lines(ours), lines(theirs)
    if base is None:
        return _two_way(o, t)
    b = lines(base)
    ours_ops, theirs_ops = match(b, o), match(b, t)
    regions = sorted(
        [_Region(i1, i2, "ours") for tag, i1, i2, _, _ in ours_ops if tag != "equal"]
        + [_Region(i1, i2, "theirs") for tag, i1, i2, _, _ in theirs_ops if tag != "equal"],
        key=lambda r: (r.start, r.end),
    )
    out: list[str] = []
    conflicts: list[Conflict] = []
    person = frozenset(
        j for tag, _, _, j1, j2 in ours_ops if tag in ("replace", "insert") for j in range(j1, j2)
    )
    position = 0
    for start, end, sides in _clusters(regions):
        out.extend(b[position:start])
        position = end
        mine = _slice(ours_ops, o, start, end)
        yours = _slice(theirs_ops, t, start, end)
        if sides == {"theirs"} or mine == yours:
            out.extend(yours)
        elif sides == {"ours"}:
            out.extend(mine)
        else:
            first = _start(ours_ops, start)
            conflicts.append(
                Conflict(
                    first, first + len(mine), "".join(mine), "".join(yours), "".join(b[start:end])
                )
            )
            out.extend(yours)
    out.extend(b[position:])
    return Merged("".join(out), tuple(conflicts), person)


def _two_way(o: list[str], t: list[str]) -> Merged:
    conflicts = tuple(
        Conflict(i1, i2, "".join(o[i1:i2]), "".join(t[j1:j2]), None)
        for tag, i1, i2, j1, j2 in match(o, t)
        if tag != "equal"
    )
    return Merged("".join(t), conflicts, frozenset(range(len(o))), two_way=True)


def _clusters(regions: list[_Region]) -> list[tuple[int, int, set[str]]]:
    """Regions that overlap or touch, grouped as one base range with the sides that changed
    it. Clusters never touch, so the base line on either side of one is unchanged by both."""
    out: list[tuple[int, int, set[str]]] = []
    for region in regions:
        if out and region.start <= out[-1][1]:
            start, end, sides = out[-1]
            out[-1] = (start, max(end, region.end), sides | {region.side})
            continue
        out.append((region.start, region.end, {region.side}))
    return out


def _start(ops: list[Opcode], at: int) -> int:
    """The side's line index where base line `at` begins a cluster (before anything the
    side inserted there)."""
    for tag, i1, i2, j1, _ in ops:
        if i1 == at or (tag == "equal" and i1 <= at < i2):
            return j1 + (at - i1)
    return ops[-1][4] if ops else 0


def _end(ops: list[Opcode], at: int) -> int:
    """The side's line index of base line `at`, just after a cluster (unchanged by both)."""
    for tag, i1, i2, j1, _ in ops:
        if tag == "equal" and i1 <= at < i2:
            return j1 + (at - i1)
    return ops[-1][4] if ops else 0


def _slice(ops: list[Opcode], side: list[str], start: int, end: int) -> list[str]:
    """The side's lines standing for base lines [start, end)."""
    return side[_start(ops, start) : _end(ops, end)]


def conflict_regions(merged: Merged) -> Apart:
    """Whether a changed region (of ours against the proposal) is a conflict: it touches a
    place where the sides disagree, or would remove or change a line the person wrote.
    `core.hunks.split` keeps such regions in hunks of their own."""

    def apart(region: Opcode) -> bool:
        _, i1, i2, _, _ = region
        return _touches(i1, i2, merged.conflicts) or _removes(i1, i2, merged.person)

    return apart


def conflict_hunks(merged: Merged, hunks: list[Hunk]) -> set[int]:
    """The hunks holding a conflict region (see `conflict_regions`)."""
    apart = conflict_regions(merged)
    return {h.index for h in hunks if any(apart(region) for region in h.regions)}


def _touches(i1: int, i2: int, conflicts: Collection[Conflict]) -> bool:
    for c in conflicts:
        if i1 < c.ours_end and c.ours_start < i2:
            return True
        if (i1 == i2 or c.ours_start == c.ours_end) and c.ours_start <= i2 and i1 <= c.ours_end:
            return True
    return False


def _removes(i1: int, i2: int, person: frozenset[int]) -> bool:
    return any(i in person for i in range(i1, i2))
