"""Line diffs of a proposed file against the branch, laid out in hunks for display.

Lines are matched as `core.hunks` matches them (line endings included), so for ordinary
files the hunks shown are the engine's hunks with the same index and header, which is what
per-hunk review acts on. Files over `EXACT_LINES` are matched with difflib's junk heuristic
instead: exact matching of a 20,000-line file takes seconds, the heuristic milliseconds.
Nothing in this module knows about a screen.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from .hunks import lines

Tag = Literal["equal", "replace", "delete", "insert"]
Opcode = tuple[Tag, int, int, int, int]
"""As difflib gives them: tag, old start, old end, new start, new end (0-based, end excl.)."""

EXACT_LINES = 2000
WHOLE_FILE = -1
"""`context` meaning: every unchanged line is shown, the whole file is one region."""


@dataclass(frozen=True)
class DiffHunk:
    index: int
    opcodes: tuple[Opcode, ...]
    """The changes of the hunk with the unchanged lines of context around them."""

    @property
    def old_start(self) -> int:
        return self.opcodes[0][1]

    @property
    def old_end(self) -> int:
        return self.opcodes[-1][2]

    @property
    def new_start(self) -> int:
        return self.opcodes[0][3]

    @property
    def new_end(self) -> int:
        return self.opcodes[-1][4]

    @property
    def header(self) -> str:
        """The unified-diff header: `@@ -old,count +new,count @@` with 1-based starts."""
        return f"@@ {_range('-', self.old_start, self.old_end)} {_range('+', self.new_start, self.new_end)} @@"

    @property
    def added(self) -> int:
        return sum(j2 - j1 for tag, _, _, j1, j2 in self.opcodes if tag in ("insert", "replace"))

    @property
    def removed(self) -> int:
        return sum(i2 - i1 for tag, i1, i2, _, _ in self.opcodes if tag in ("delete", "replace"))


def _range(sign: str, start: int, end: int) -> str:
    count = end - start
    first = start + 1 if count else start
    return f"{sign}{first}" if count == 1 else f"{sign}{first},{count}"


@dataclass(frozen=True)
class FileDiff:
    """`old` (None: the file is new) against `new` (None: the file is deleted)."""

    old: tuple[str, ...]
    new: tuple[str, ...]
    opcodes: tuple[Opcode, ...]
    is_new: bool = False
    is_deleted: bool = False

    @cached_property
    def added(self) -> int:
        return sum(j2 - j1 for tag, _, _, j1, j2 in self.opcodes if tag in ("insert", "replace"))

    @cached_property
    def removed(self) -> int:
        return sum(i2 - i1 for tag, i1, i2, _, _ in self.opcodes if tag in ("delete", "replace"))

    @property
    def unchanged(self) -> bool:
        return not self.added and not self.removed

    def hunks(self, context: int = 3) -> list[DiffHunk]:
        """The changes grouped with `context` unchanged lines around each (WHOLE_FILE: one
        hunk holding every line). A file without changes has no hunks unless WHOLE_FILE."""
        if context == WHOLE_FILE:
            return [DiffHunk(0, self.opcodes)] if self.opcodes else []
        if self.unchanged:
            return []
        return [
            DiffHunk(index, tuple(group))
            for index, group in enumerate(_grouped(self.opcodes, context))
        ]


class _Known:
    """Opcodes already computed, shaped so difflib's own grouping can run on them."""

    def __init__(self, opcodes: tuple[Opcode, ...]) -> None:
        self._opcodes = opcodes

    def get_opcodes(self) -> list[Opcode]:
        return list(self._opcodes)


def _grouped(opcodes: tuple[Opcode, ...], n: int) -> list[list[Opcode]]:
    return list(difflib.SequenceMatcher.get_grouped_opcodes(_Known(opcodes), n))  # type: ignore[arg-type]


def diff_texts(old: str | None, new: str | None) -> FileDiff:
    old_lines, new_lines = lines(old or ""), lines(new or "")
    if not old_lines or not new_lines:
        opcodes: list[Opcode] = []
        if old_lines:
            opcodes.append(("delete", 0, len(old_lines), 0, 0))
        if new_lines:
            opcodes.append(("insert", 0, 0, 0, len(new_lines)))
    else:
        exact = max(len(old_lines), len(new_lines)) <= EXACT_LINES
        matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=not exact)
        opcodes = matcher.get_opcodes()
    return FileDiff(
        tuple((old or "").splitlines()),
        tuple((new or "").splitlines()),
        tuple(opcodes),
        is_new=old is None,
        is_deleted=new is None,
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
