"""Small, exact edits to files an earlier phase wrote — applied to the branch's text.

A person may have edited a phase-3 file before committing it. Later phases therefore do not
overwrite such a file with a fresh copy: they read the committed text and insert only their
lines (an import, a call, settings fields) at places found with `ast`, so the person's edits
survive. If the place cannot be found (the file was restructured), the edit is applied to the
generated original instead and the proposal says so, so the diff shows what would be lost.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass

from ...core.proposal import FileChange, Kind

Edit = Callable[[str], "str | None"]


def _parse(source: str) -> ast.Module | None:
    try:
        return ast.parse(source)
    except SyntaxError:
        return None


def _splice(source: str, after_line: int, new: list[str]) -> str:
    """Insert `new` lines after 1-based line `after_line` (0: at the top)."""
    lines = source.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines[after_line:after_line] = [ln + "\n" for ln in new]
    return "".join(lines)


def _by_type(name: str) -> tuple[int, str]:
    """isort's order within one import: CONSTANTS, then Classes, then functions."""
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def ensure_import(module: str, name: str) -> Edit:
    """`from module import name`: merged into an existing one-line import of `module`."""

    def edit(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        imports = [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)]
        for node in imports:
            if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
                names = [a.name for a in node.names]
                if name in names:
                    return source
                if node.lineno == node.end_lineno and all(a.asname is None for a in node.names):
                    lines = source.splitlines(keepends=True)
                    merged = ", ".join(sorted([*names, name], key=_by_type))
                    lines[node.lineno - 1] = f"from {module} import {merged}\n"
                    return "".join(lines)
        line = f"from {module} import {name}"
        if any(ln.strip() == line for ln in source.splitlines()):
            return source
        # Keep relative imports sorted: go before the first one that sorts after this one.
        later = [
            n
            for n in imports
            if module.startswith(".")
            and isinstance(n, ast.ImportFrom)
            and n.level > 0
            and "." * n.level + (n.module or "") > module
        ]
        if later:
            return _splice(source, later[0].lineno - 1, [line])
        after = max((n.end_lineno or n.lineno for n in imports), default=0)
        return _splice(source, after, [line])

    return edit


def add_to_class(class_name: str, block: list[str]) -> Edit:
    """Append indented lines at the end of a top-level class body (once)."""

    def edit(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        node = next(
            (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name), None
        )
        if node is None:
            return None
        first = next(
            (ln.strip() for ln in block if ln.strip() and not ln.strip().startswith("#")), ""
        )
        body = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno])
        if first and first in body:
            return source
        return _splice(source, node.end_lineno or node.lineno, ["", *block])

    return edit


def call_before_return(function: str, line: str) -> Edit:
    """Insert a statement just before the final `return` of a top-level function (once)."""

    def edit(source: str) -> str | None:
        tree = _parse(source)
        if tree is None:
            return None
        node = next(
            (
                n
                for n in tree.body
                if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == function
            ),
            None,
        )
        if node is None or not isinstance(node.body[-1], ast.Return):
            return None
        text = "\n".join(source.splitlines()[node.lineno - 1 : node.end_lineno])
        if line.strip() in text:
            return source
        ret = node.body[-1]
        return _splice(source, ret.lineno - 1, [" " * ret.col_offset + line.strip()])

    return edit


def add_after(anchor: str, new: list[str]) -> Edit:
    """Insert lines after the first line equal to `anchor` (for TOML and other text)."""

    def edit(source: str) -> str | None:
        lines = source.splitlines()
        if all(n in lines for n in new if n):
            return source
        if anchor not in lines:
            return None
        return _splice(source, lines.index(anchor) + 1, new)

    return edit


@dataclass
class Derived:
    content: str
    overwrote: bool
    """True when the branch's text could not take the edits, so the generated original
    (with the edits) replaces it and the person's own changes to it would be lost."""


def derive(branch_text: str | None, original: str, edits: list[Edit]) -> Derived:
    """The file with `edits` applied to the branch's text, else to the generated original."""

    def apply(text: str) -> str | None:
        for edit in edits:
            result = edit(text)
            if result is None:
                return None
            text = result
        return text

    if branch_text is not None:
        merged = apply(branch_text)
        if merged is not None:
            return Derived(merged, overwrote=False)
    fallback = apply(original)
    assert fallback is not None, "an edit does not fit the generator's own file"
    return Derived(fallback, overwrote=branch_text is not None)


def modification(
    path: str, original: str, edits: list[Edit], branch: dict[str, str], why: str, kind: Kind
) -> tuple[FileChange, str | None]:
    """A "modify" change for `path` built by `derive`, and a note for the summary when the
    person's version could not take the edits."""
    derived = derive(branch.get(path), original, edits)
    note = None
    if derived.overwrote:
        note = (
            f"`{path}` on the branch no longer has the places this phase edits, so the "
            "proposal replaces it with the generated version plus this phase's lines: review "
            "its diff and carry your changes over before approving."
        )
    change = FileChange(path=path, action="modify", kind=kind, content=derived.content, why=why)
    return change, note
