"""Find the line of a key path in TOML source, so brief errors can name the line.

`tomllib` gives values without positions. Briefs are small and hand-written, so a light
scanner that understands headers, key assignments, strings, comments and inline
tables/arrays is enough to point a person at the right line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.\-\" ]+?)\s*\]\]?\s*(#.*)?$")
_KEY = re.compile(r"""^\s*("[^"]*"|'[^']*'|[A-Za-z0-9_\-]+)\s*=""")


def _strip_key(key: str) -> str:
    return key[1:-1] if key[:1] in "\"'" else key


def _sections(lines: list[str]) -> list[tuple[str, bool, int]]:
    """(table name, is array-of-tables, 0-based line) for each header outside strings."""
    found = []
    in_multiline: str | None = None
    for number, line in enumerate(lines):
        if in_multiline:
            if in_multiline in line:
                in_multiline = None
            continue
        for quote in ('"""', "'''"):
            if line.count(quote) % 2 == 1:
                in_multiline = quote
        match = _HEADER.match(line)
        if match and not in_multiline:
            found.append((match.group(2).strip(), match.group(1) == "[[", number))
    return found


def _scan_values(text: str, start: int) -> list[tuple[int, int]]:
    """Offsets (open, close) of the top-level `{...}` items of the array opening at `start`."""
    items: list[tuple[int, int]] = []
    depth = 0
    item_open = -1
    i = start
    while i < len(text):
        ch = text[i]
        if ch in "\"'":
            triple = text[i : i + 3] == ch * 3
            end = text.find(ch * 3 if triple else ch, i + (3 if triple else 1))
            if end == -1:
                break
            i = end + (3 if triple else 1)
            continue
        if ch == "#":
            nl = text.find("\n", i)
            i = len(text) if nl == -1 else nl
            continue
        if ch in "[{":
            depth += 1
            if ch == "{" and depth == 2:
                item_open = i
        elif ch in "]}":
            if ch == "}" and depth == 2 and item_open >= 0:
                items.append((item_open, i))
                item_open = -1
            depth -= 1
            if depth == 0:
                break
        i += 1
    return items


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """1-based line where the value at `loc` (e.g. ``("entities", 1, "fields", 0, "type")``)
    is written, or the nearest enclosing line we can find; None if nothing matches."""
    lines = text.splitlines()
    if not loc:
        return None
    sections = _sections(lines)
    head = str(loc[0])
    rest = list(loc[1:])
    # Which lines belong to the section this path lives in.
    begin, end, best = 0, len(lines), None
    first_header = sections[0][2] if sections else len(lines)
    if rest and isinstance(rest[0], int):
        matches = [s for s in sections if s[0] == head and s[1]]
        index = rest.pop(0)
        if index < len(matches):
            begin = matches[index][2]
            best = begin + 1
        elif matches:
            return matches[-1][2] + 1
        else:
            return None
    else:
        matches = [s for s in sections if s[0] == head and not s[1]]
        if matches:
            begin = matches[0][2]
            best = begin + 1
        else:
            # A top-level key written before any header.
            end = first_header
            rest = [head, *rest]
    following = [s[2] for s in sections if s[2] > begin]
    if best is not None:
        end = following[0] if following else len(lines)
        begin += 1
    if not rest:
        return best
    key = str(rest.pop(0))
    key_line = None
    for number in range(begin, end):
        match = _KEY.match(lines[number])
        if match and _strip_key(match.group(1)) == key:
            key_line = number
            break
    if key_line is None:
        return best
    if not rest or not isinstance(rest[0], int):
        return key_line + 1
    # An array of inline tables: find the n-th item, then the key inside it.
    offset = sum(len(line) + 1 for line in lines[:key_line])
    bracket = text.find("[", text.find("=", offset))
    items = _scan_values(text, bracket)
    index = rest.pop(0)
    if index >= len(items):
        return key_line + 1
    open_, close = items[index]
    if rest:
        inner = re.search(
            r"""[{,]\s*("?)""" + re.escape(str(rest[0])) + r"""\1\s*=""", text[open_ : close + 1]
        )
        if inner:
            return _line_of(text, open_ + inner.end())
    return _line_of(text, open_)
