"""Syntax colours from tree-sitter: exact and fast (a 200-line file parses in about a
millisecond), with the highlight queries Textual ships for its TextArea, so the diff and
the in-place editor agree on what a keyword is. Used for the languages Textual's `syntax`
extra installs and for files small enough to parse at once.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import PurePosixPath

from pygments.token import Token, _TokenType

LANGUAGES = {
    ".py": "python",
    ".pyi": "python",
    ".sql": "sql",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".md": "markdown",
    ".sh": "bash",
    ".js": "javascript",
    ".mjs": "javascript",
    ".go": "go",
    ".rs": "rust",
    ".html": "html",
    ".css": "css",
    ".xml": "xml",
    ".java": "java",
}
"""File suffix to the tree-sitter language name (also TextArea's language name)."""

BLOCK = 16
"""Rows whose colours are worked out together."""

# Capture names of the highlight queries, as the Pygments token types Textual's highlight
# theme colours; a name not listed falls back to its prefix ("function.method" -> "function").
_KINDS: dict[str, _TokenType | None] = {
    "keyword": Token.Keyword,
    "keyword.operator": Token.Operator.Word,
    "conditional": Token.Keyword,
    "repeat": Token.Keyword,
    "exception": Token.Keyword,
    "storageclass": Token.Keyword,
    "include": Token.Keyword.Namespace,
    "import": Token.Keyword.Namespace,
    "namespace": Token.Keyword.Namespace,
    "preproc": Token.Comment.Preproc,
    "type": Token.Keyword.Type,
    "type.builtin": Token.Name.Builtin,
    "type.class": Token.Name.Class,
    "constructor": Token.Name.Class,
    "string": Token.String,
    "string.escape": Token.String.Escape,
    "escape": Token.String.Escape,
    "text.uri": Token.String,
    "text.literal": Token.String,
    "markup.raw": Token.String.Backtick,
    "link": Token.String,
    "number": Token.Number,
    "float": Token.Number,
    "boolean": Token.Keyword.Constant,
    "constant.builtin": Token.Keyword.Constant,
    "json.null": Token.Keyword.Constant,
    "constant": Token.Name.Constant,
    "comment": Token.Comment,
    "function": Token.Name.Function,
    "method": Token.Name.Function,
    "function.builtin": Token.Name.Builtin,
    "function.call": Token.Name,
    "method.call": Token.Name,
    "variable": Token.Name,
    "parameter": Token.Name,
    "variable.builtin": Token.Name.Builtin.Pseudo,
    "attribute": Token.Name.Decorator,
    "property": Token.Name.Attribute,
    "field": Token.Name.Attribute,
    "yaml.field": Token.Name.Tag,
    "json.label": Token.Name.Tag,
    "tag": Token.Name.Tag,
    "heading": Token.Generic.Heading,
    "markup.heading": Token.Generic.Heading,
    "label": Token.Name.Label,
    "operator": Token.Operator,
    "error": Token.Error,
}


def _kind(capture: str) -> _TokenType | None:
    name = capture
    while name:
        if name in _KINDS:
            return _KINDS[name]
        name = name.rpartition(".")[0]
    return None


def language_of(path: str) -> str | None:
    return LANGUAGES.get(PurePosixPath(path).suffix.lower())


@lru_cache(maxsize=32)
def _grammar(name: str):
    """(parser language, compiled highlight query), or None without tree-sitter."""
    from textual._tree_sitter import get_language
    from textual.widgets import TextArea

    language = get_language(name)
    if language is None:
        return None
    from tree_sitter import Query

    query_text = TextArea._get_builtin_highlight_query(name)
    return (language, Query(language, query_text)) if query_text else None


def available(path: str) -> bool:
    name = language_of(path)
    return name is not None and _grammar(name) is not None


class TreeLines:
    """The tokens of each line of one text, from its tree-sitter parse."""

    approximated = False
    complete = True

    def __init__(self, text: str, path: str) -> None:
        from tree_sitter import Parser

        language, self._query = _grammar(language_of(path))
        self._rows = text.split("\n")
        self._tree = Parser(language).parse(text.encode("utf-8", "surrogatepass"))
        self._lines: dict[int, list[tuple[_TokenType | None, str]]] = {}

    def finish(self) -> None:
        """Nothing to finish: the parse is whole."""

    def line(self, number: int) -> list[tuple[_TokenType | None, str]] | None:
        found = self._lines.get(number)
        if found is None and 0 <= number < len(self._rows):
            self._colour_block(number - number % BLOCK)
            found = self._lines.get(number)
        return found

    def _colour_block(self, start: int) -> None:
        from tree_sitter import QueryCursor

        end = min(start + BLOCK, len(self._rows))
        cursor = QueryCursor(self._query)
        cursor.set_point_range((start, 0), (end, 0))
        spans: dict[int, list[tuple[int, int, int | None, _TokenType]]] = {}
        for capture, nodes in cursor.captures(self._tree.root_node).items():
            kind = _kind(capture)
            if kind is None:
                continue
            for node in nodes:
                (row1, col1), (row2, col2) = node.start_point, node.end_point
                size = node.end_byte - node.start_byte
                for row in range(max(row1, start), min(row2, end - 1) + 1):
                    first = col1 if row == row1 else 0
                    last = col2 if row == row2 else None
                    spans.setdefault(row, []).append((size, first, last, kind))
        for row in range(start, end):
            self._lines[row] = _tokens(self._rows[row].rstrip("\r"), spans.get(row, []))


def _tokens(text: str, spans: list[tuple[int, int, int | None, _TokenType]]):
    """The line as (kind, text) runs; inner (smaller) captures win over the outer."""
    if not text:
        return []
    kinds: list[_TokenType | None] = [None] * len(text)
    to_char = None if text.isascii() else _char_offsets(text)
    for _, first, last, kind in sorted(spans, key=lambda span: -span[0]):
        if to_char is not None:
            first = to_char.get(first, 0)
            last = None if last is None else to_char.get(last, len(text))
        stop = len(text) if last is None else min(last, len(text))
        if stop > first:
            kinds[first:stop] = [kind] * (stop - first)
    runs, begin = [], 0
    for index in range(1, len(text) + 1):
        if index == len(text) or kinds[index] is not kinds[begin]:
            runs.append((kinds[begin], text[begin:index]))
            begin = index
    return runs


def _char_offsets(text: str) -> dict[int, int]:
    """UTF-8 byte offset -> character index, for the starts of characters and the end."""
    offsets, position = {}, 0
    for index, char in enumerate(text):
        offsets[position] = index
        position += len(char.encode("utf-8", "surrogatepass"))
    offsets[position] = len(text)
    return offsets
