"""Text of the diff widget's rows: what a line of a proposal looks like on screen.

A proposal is untrusted: tabs are expanded and control characters drawn as their Unicode
pictures, so a file cannot drive the terminal.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip

TAB = 4
_CONTROL = {c: 0x2400 + c for c in range(32) if c != 9} | {127: 0x2421}


def display(text: str, column: int) -> tuple[str, int]:
    """`text` as drawn from `column`: tabs expanded, control characters made visible."""
    if "\t" in text:
        out = []
        for char in text:
            if char == "\t":
                pad = TAB - (column % TAB)
                out.append(" " * pad)
                column += pad
            else:
                out.append(char)
                column += 1
        text = "".join(out)
    else:
        column += len(text)
    return text.translate(_CONTROL), column


def width_of(line: str) -> int:
    return len(line.expandtabs(TAB)) if "\t" in line else len(line)


def line(numbers: Segment, mark: Segment, code: Strip) -> Strip:
    """Gutter, marker and code as one strip (one object per row, not four)."""
    return Strip([numbers, mark, *code], len(numbers.text) + len(mark.text) + code.cell_length)


def cut(start: int, end: int, ranges: list[tuple[int, int]]):
    """Split [start, end) at the edges of `ranges`, saying which pieces fall inside one."""
    if not ranges:
        yield start, end, False
        return
    position = start
    for low, high in ranges:
        if high <= position or low >= end:
            continue
        if low > position:
            yield position, low, False
            position = low
        stop = min(high, end)
        yield position, stop, True
        position = stop
    if position < end:
        yield position, end, False
