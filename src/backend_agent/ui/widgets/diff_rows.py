"""The rows a diff is drawn as: hunk headers, folds of unchanged lines, and lines.

Pure layout, decided once per file and view; the widget turns only the rows on screen
into segments. Row shapes: (HUNK, hunk index) · (FOLD, hidden count) · (LINE, mark,
old i, new i) · (PAIR, old i, new i, changed) · (NOTE, text); a missing side is -1.
"""

from __future__ import annotations

from itertools import zip_longest
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ...core.diff import FileDiff
    from ...core.hunks import Hunk

HUNK, FOLD, LINE, PAIR, NOTE = range(5)


def layout(
    diff: FileDiff, hunks: list[Hunk], *, note: str, whole_file: bool, side_by_side: bool
) -> tuple[list[tuple], list[int]]:
    """(rows, index of each hunk's header row)."""
    rows: list[tuple] = []
    hunk_rows: list[int] = []

    def lines(tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        if side_by_side:
            changed = tag != "equal"
            for i, j in zip_longest(range(i1, i2), range(j1, j2), fillvalue=-1):
                rows.append((PAIR, i, j, changed))
        elif tag == "equal":
            rows.extend(
                (LINE, " ", i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
        else:
            rows.extend((LINE, "-", i, -1) for i in range(i1, i2))
            rows.extend((LINE, "+", -1, j) for j in range(j1, j2))

    def unchanged(i1: int, i2: int, j1: int, j2: int) -> None:
        """Unchanged lines between hunks: folded, or shown in the whole-file view."""
        if i2 <= i1:
            return
        if whole_file:
            lines("equal", i1, i2, j1, j2)
        else:
            rows.append((FOLD, i2 - i1))

    if note:
        rows.append((NOTE, note))
    elif not hunks:
        rows.append((NOTE, "no changes against the branch"))
    old_done = new_done = 0
    for hunk in hunks:
        _, old_start, _, new_start, _ = hunk.span[0]
        unchanged(old_done, old_start, new_done, new_start)
        hunk_rows.append(len(rows))
        rows.append((HUNK, hunk.index))
        for tag, i1, i2, j1, j2 in hunk.span:
            lines(tag, i1, i2, j1, j2)
        old_done, new_done = hunk.span[-1][2], hunk.span[-1][4]
    if hunks or whole_file:
        unchanged(old_done, len(diff.old), new_done, len(diff.new))
    return rows, hunk_rows
