"""Hunks of a proposed change: split a file's diff, and apply any subset of it.

A hunk groups nearby changed regions the way `diff -U3` does. Hunks never overlap in the
base file, so applying a subset is well defined: every region of a chosen hunk takes the
proposed lines, every other region keeps the base lines.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from difflib import SequenceMatcher

CONTEXT = 3

Opcode = tuple[str, int, int, int, int]


@dataclass(frozen=True)
class Hunk:
    index: int
    regions: tuple[Opcode, ...]
    """The changed regions (replace/delete/insert opcodes) in base and proposed lines."""
    header: str
    id: str
    """Stable across re-splits of the same change: base position plus removed and added text."""

    @property
    def base_start(self) -> int:
        return self.regions[0][1]

    @property
    def base_end(self) -> int:
        return self.regions[-1][2]

    @property
    def new_start(self) -> int:
        return self.regions[0][3]

    @property
    def new_end(self) -> int:
        return self.regions[-1][4]


def lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def split(base: str, proposed: str, context: int = CONTEXT) -> list[Hunk]:
    """The hunks turning `base` into `proposed`, in file order."""
    a, b = lines(base), lines(proposed)
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    hunks = []
    for index, group in enumerate(matcher.get_grouped_opcodes(context)):
        regions = tuple(op for op in group if op[0] != "equal")
        first, last = group[0], group[-1]
        i1, i2, j1, j2 = first[1], last[2], first[3], last[4]
        header = f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@"
        digest = hashlib.sha1()
        for _, r1, r2, s1, s2 in regions:
            digest.update(f"{r1}:{r2 - r1}:".encode())
            digest.update("".join(a[r1:r2]).encode("utf-8", "surrogatepass") + b"\0")
            digest.update("".join(b[s1:s2]).encode("utf-8", "surrogatepass") + b"\1")
        hunks.append(Hunk(index, regions, header, digest.hexdigest()[:16]))
    return hunks


def _range(start: int, end: int) -> str:
    length = end - start
    first = start + 1 if length else start
    return f"{first},{length}" if length != 1 else f"{first}"


def apply(base: str, proposed: str, hunks: list[Hunk], chosen: Collection[int]) -> str:
    """`base` with the regions of the hunks whose index is in `chosen` taken from
    `proposed`; all of them gives `proposed`, none gives `base`."""
    a, b = lines(base), lines(proposed)
    out: list[str] = []
    position = 0
    for hunk in hunks:
        for _, i1, i2, j1, j2 in hunk.regions:
            out.extend(a[position:i1])
            out.extend(b[j1:j2] if hunk.index in chosen else a[i1:i2])
            position = i2
    out.extend(a[position:])
    return "".join(out)
