"""Line diffs of a proposed file against the branch, laid out in hunks for display.

The opcodes and hunks come from `core.hunks`, the engine's own matcher and grouping, so
the hunks shown are the hunks per-hunk review decides: same index, header and id.
Nothing in this module knows about a screen.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property

from .hunks import CONTEXT, Apart, Hunk, Opcode, group, lines, match


@dataclass(frozen=True)
class FileDiff:
    """`old` (None: the file is new) against `new` (None: the file is deleted)."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    opcodes: tuple[Opcode, ...]
    is_new: bool = False
    is_deleted: bool = False
    old_lines: tuple[str, ...] = ()
    """`old` with line endings: what hunk ids are made of."""
    new_lines: tuple[str, ...] = ()

    @cached_property
    def added(self) -> int:
        return sum(j2 - j1 for tag, _, _, j1, j2 in self.opcodes if tag in ("insert", "replace"))

    @cached_property
    def removed(self) -> int:
        return sum(i2 - i1 for tag, i1, i2, _, _ in self.opcodes if tag in ("delete", "replace"))

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed

    def hunks(self, context: int = CONTEXT, apart: Apart | None = None) -> list[Hunk]:
        """The changes grouped with `context` unchanged lines around each; none when the
        file does not change. `apart`: an evolution's conflicts, in hunks of their own."""
        return group(list(self.old_lines), list(self.new_lines), list(self.opcodes), context, apart)


def diff_texts(old: str | None, new: str | None) -> FileDiff:
    old_lines, new_lines = lines(old or ""), lines(new or "")
    return FileDiff(
        tuple((old or "").splitlines()),
        tuple((new or "").splitlines()),
        tuple(match(old_lines, new_lines)),
        is_new=old is None,
        is_deleted=new is None,
        old_lines=tuple(old_lines),
        new_lines=tuple(new_lines),
    )


_WORDS = re.compile(r"\w+|\s+|[^\w\s]")


def intraline(old: str, new: str) -> tuple[list[tuple[int, int]], list[tuple[int, int]]] | None:
    """The character ranges of the words that differ between two versions of one line, or
    None when the lines have too little in common for the ranges to mean anything."""
    if old == new or len(old) > 2000 or len(new) > 2000:
        return None
    a, b = _WORDS.findall(old), _WORDS.findall(new)
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if matcher.ratio() < 0.4:
        return None
    a_starts, b_starts = _starts(a), _starts(b)
    removed, added = [], []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete") and i2 > i1:
            removed.append((a_starts[i1], a_starts[i2]))
        if tag in ("replace", "insert") and j2 > j1:
            added.append((b_starts[j1], b_starts[j2]))
    return removed, added


def _starts(words: list[str]) -> list[int]:
    """Character offset of each word, plus the end of the line."""
    offsets, position = [], 0
    for word in words:
        offsets.append(position)
        position += len(word)
    return offsets + [position]
