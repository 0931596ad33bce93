"""Exact edits to TypeScript and JSON files an earlier phase wrote, applied to the branch's
text (see `branch_edit.derive`): an import, a call before a known line, fields inside a
known object, a dependency in package.json. Each returns None when its place is gone, so
the phase falls back to the generated original and says so."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from ..branch_edit import Edit

_IMPORT_END = re.compile(r'^(import .* from ".*";|} from ".*";|import ".*";)$')


def _lines(source: str) -> list[str]:
    return source.splitlines()


def _join(lines: list[str], source: str) -> str:
    return "\n".join(lines) + ("\n" if source.endswith("\n") or not source else "")


def ensure_import(line: str) -> Edit:
    """An import line, after the last import (once)."""

    def edit(source: str) -> str | None:
        lines = _lines(source)
        if line in lines:
            return source
        ends = [i for i, text in enumerate(lines) if _IMPORT_END.match(text)]
        if not ends:
            return None
        lines.insert(ends[-1] + 1, line)
        return _join(lines, source)

    return edit


def before(anchor: str, new: list[str]) -> Edit:
    """Lines just before the first line equal to `anchor` (once)."""

    def edit(source: str) -> str | None:
        lines = _lines(source)
        if all(n in lines for n in new if n.strip()):
            return source
        if anchor not in lines:
            return None
        at = lines.index(anchor)
        return _join(lines[:at] + new + lines[at:], source)

    return edit


def after(anchor: str, new: list[str]) -> Edit:
    """Lines just after the first line equal to `anchor` (once)."""

    def edit(source: str) -> str | None:
        lines = _lines(source)
        if all(n in lines for n in new if n.strip()):
            return source
        if anchor not in lines:
            return None
        at = lines.index(anchor) + 1
        return _join(lines[:at] + new + lines[at:], source)

    return edit


def replace(old: str, new: str) -> Edit:
    """The first line equal to `old` becomes `new` (already done: unchanged)."""

    def edit(source: str) -> str | None:
        lines = _lines(source)
        if new in lines:
            return source
        if old not in lines:
            return None
        lines[lines.index(old)] = new
        return _join(lines, source)

    return edit


def inside(opening: str, closing: str, new: list[str]) -> Edit:
    """Lines at the end of the block that starts at `opening` and ends at the next
    `closing` line (fields of an object literal, entries of an array)."""

    def edit(source: str) -> str | None:
        lines = _lines(source)
        if all(n in lines for n in new if n.strip()):
            return source
        if opening not in lines:
            return None
        start = lines.index(opening)
        end = next((i for i in range(start + 1, len(lines)) if lines[i] == closing), None)
        if end is None:
            return None
        return _join(lines[:end] + new + lines[end:], source)

    return edit


def json_edit(change: Callable[[dict], None]) -> Edit:
    """A change to a JSON document (package.json), written back with two-space indents."""

    def edit(source: str) -> str | None:
        try:
            document = json.loads(source)
        except ValueError:
            return None
        if not isinstance(document, dict):
            return None
        change(document)
        return json.dumps(document, indent=2) + "\n"

    return edit


def add_dependencies(section: str, packages: dict[str, str]) -> Edit:
    def change(document: dict) -> None:
        found = document.setdefault(section, {})
        if isinstance(found, dict):
            for name, version in packages.items():
                found.setdefault(name, version)
            document[section] = dict(sorted(found.items()))

    return json_edit(change)
