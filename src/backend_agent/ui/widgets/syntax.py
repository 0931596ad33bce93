"""Syntax colours for diff lines, computed only as far down a file as anyone has looked.

Files in a language Textual's `syntax` extra parses, and not huge, are coloured from a
tree-sitter parse (`syntax_tree`). Others, and huge files, go to Pygments, which lexes a
whole text in one pass (a string opened on line 10 colours line 900): such a file is lexed
from the top, lazily, a line far ahead is coloured from a window of lines around it, and a
worker thread finishes the file.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from functools import lru_cache
from pathlib import PurePosixPath

from pygments.token import Token, _TokenType
from rich.style import Style

Line = list[tuple[_TokenType, str]]

TREE_LINES = 4000
"""Up to this many lines a file is parsed with tree-sitter (~25 ms); a 20,000-line parse
takes ~120 ms, too long before the first paint."""
EAGER_LINES = 100
"""How far past what is already lexed a draw may wait for the lexer (a few ms)."""
WINDOW = 32
"""Lines lexed together when a line far ahead is drawn before the lexer reaches it."""

_BY_SUFFIX = {
    ".py": "python",
    ".pyi": "python",
    ".sql": "postgresql",
    ".md": "markdown",
    ".toml": "toml",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".sh": "bash",
    ".js": "javascript",
    ".mjs": "javascript",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "tsx",
    ".jsx": "javascript",
    ".cjs": "javascript",
    ".go": "go",
    ".rs": "rust",
    ".html": "html",
    ".css": "css",
    ".ini": "ini",
    ".cfg": "ini",
    ".env": "bash",
}
_AUTO_TEXT = re.compile(r"\$text((?: \d+%)?)(?=\s|$)")
_BY_NAME = {"Dockerfile": "docker", "Makefile": "make"}


@lru_cache(maxsize=64)
def _lexer_name(path: str) -> str | None:
    pure = PurePosixPath(path)
    name = _BY_NAME.get(pure.name) or _BY_SUFFIX.get(pure.suffix.lower())
    if name:
        return name
    from pygments.lexers import find_lexer_class_for_filename

    found = find_lexer_class_for_filename(pure.name)
    return found.aliases[0] if found is not None and found.aliases else None


def lexer_for(path: str):
    """A fresh Pygments lexer for `path`, or None for text we do not colour."""
    name = _lexer_name(path)
    if name is None:
        return None
    from pygments.lexers import get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        return get_lexer_by_name(name, stripnl=False, ensurenl=False, stripall=False)
    except ClassNotFound:
        return None


_OTHER_BREAKS = re.compile("\r(?!\n)|[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _lines_agree(text: str) -> bool:
    """Pygments breaks lines only at "\\n" (and "\\r\\n"); a text with other breaks would
    colour the wrong lines, so it is shown plain."""
    return _OTHER_BREAKS.search(text) is None


def syntax_for(text: str, path: str):
    """The colouring of one side of a diff: `line(n)` gives its tokens."""
    from . import syntax_tree

    if (
        text
        and _lines_agree(text)
        and text.count("\n") <= TREE_LINES
        and syntax_tree.available(path)
    ):
        return syntax_tree.TreeLines(text, path)
    return SyntaxLines(text, path)


class SyntaxLines:
    """The tokens of each line of one text, lexed on demand from the top.

    A line far below what is lexed gets tokens from lexing a window of lines around it on
    its own (right unless the window starts inside a multi-line string or comment), and
    `approximated` says so: the owner then finishes the exact lexing in a worker thread.
    """

    def __init__(self, text: str, path: str) -> None:
        lexer = lexer_for(path) if text and _lines_agree(text) else None
        self._text = text
        self._path = path
        self._tokens: Iterator[tuple[_TokenType, str]] | None = (
            iter(lexer.get_tokens(text)) if lexer is not None else None
        )
        self._lines: list[Line] = []
        self._current: Line = []
        self._lock = threading.Lock()
        self._windows: dict[int, list[Line]] = {}
        self._raw: list[str] | None = None
        self.approximated = False

    @property
    def complete(self) -> bool:
        return self._tokens is None

    def line(self, number: int) -> Line | None:
        """The tokens of line `number` (0-based), or None for text we do not colour."""
        if number < len(self._lines):
            return self._lines[number]
        if self._tokens is None:
            return None
        if number - len(self._lines) > EAGER_LINES:
            return self._approximate(number)
        with self._lock:
            self._lex_until(number)
        return self._lines[number] if number < len(self._lines) else None

    def finish(self) -> None:
        """Lex the rest of the text (from a worker thread)."""
        with self._lock:
            self._lex_until(None)

    def _lex_until(self, number: int | None) -> None:
        tokens = self._tokens
        if tokens is None:
            return
        stop = None if number is None else number + 1
        self._current = _split(tokens, self._lines, self._current, stop)
        if stop is None or len(self._lines) < stop:
            if self._current:
                self._lines.append(self._current)
            self._current = []
            self._tokens = None

    def _approximate(self, number: int) -> Line | None:
        self.approximated = True
        start = number - number % WINDOW
        window = self._windows.get(start)
        if window is None:
            if self._raw is None:
                self._raw = self._text.split("\n")
            lexer = lexer_for(self._path)
            text = "\n".join(self._raw[start : start + WINDOW]) + "\n"
            window = self._windows[start] = []
            _split(iter(lexer.get_tokens(text)), window, [], None)
        offset = number - start
        return window[offset] if offset < len(window) else None


def _split(
    tokens: Iterator[tuple[_TokenType, str]], lines: list[Line], current: Line, stop: int | None
) -> Line:
    """Append the lines of `tokens` to `lines` until there are `stop` of them (None: all);
    returns the tokens of the line begun but not ended."""
    for kind, value in tokens:
        if "\n" not in value:
            current.append((kind, value))
            continue
        parts = value.split("\n")
        for part in parts[:-1]:
            if part:
                current.append((kind, part))
            lines.append(current)
            current = []
        if parts[-1]:
            current.append((kind, parts[-1]))
        if stop is not None and len(lines) >= stop:
            return current
    return current


def warm_up() -> None:
    """Compile the grammars and lexers of the usual file types, which costs tens of
    milliseconds each the first time (run it in a worker before the first diff)."""
    for path in ("a.py", "a.sql", "a.md", "a.toml", "a.json", "a.yaml"):
        syntax_for("x\n", path).line(0)
        lexer = lexer_for(path)
        if lexer is not None:
            list(lexer.get_tokens("x\n"))


class TokenStyles:
    """Rich styles for Pygments token types, from Textual's highlight theme and the app's
    current colours, blended over `background` (theme colours may be translucent);
    rebuilt when the theme changes."""

    def __init__(self) -> None:
        self._cache: dict[_TokenType, Style] = {}
        self.background: Style = Style()

    def clear(self, background: Style) -> None:
        self._cache.clear()
        self.background = background

    def get(self, kind: _TokenType) -> Style:
        style = self._cache.get(kind)
        if style is None:
            style = self._cache[kind] = self._resolve(kind)
        return style

    def _resolve(self, kind: _TokenType) -> Style:
        from textual.color import Color
        from textual.highlight import HighlightTheme
        from textual.markup import parse_style
        from textual.style import Style as TextualStyle

        styles = HighlightTheme.STYLES
        probe: _TokenType | None = kind
        while probe is not None and probe is not Token:
            if probe in styles:
                # "$text" is Textual's automatic contrast colour, which needs a background
                # to resolve; on a diff line the theme's foreground stands in for it.
                text = _AUTO_TEXT.sub(r"$foreground\1", styles[probe])
                if not text:
                    return Style()
                under = self.background.bgcolor
                base = TextualStyle(background=Color.from_rich_color(under) if under else None)
                rich = (base + parse_style(text)).rich_style
                return rich.without_color + Style(color=rich.color)
            probe = probe.parent
        return Style()
