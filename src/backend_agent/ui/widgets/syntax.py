"""Syntax colours for diff lines, computed only as far down a file as anyone has looked.

Pygments lexes a whole text in one pass (a string opened on line 10 colours line 900), so
a file is lexed from the top, lazily: a line is tokenised when it is first drawn, and a
jump far ahead is drawn plain while a worker thread finishes the file.
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

EAGER_LINES = 1500
"""How far past what is already lexed a draw may wait for the lexer (~30 ms)."""

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


class SyntaxLines:
    """The tokens of each line of one text, lexed on demand from the top."""

    def __init__(self, text: str, path: str) -> None:
        lexer = lexer_for(path) if text and _lines_agree(text) else None
        self._tokens: Iterator[tuple[_TokenType, str]] | None = (
            iter(lexer.get_tokens(text)) if lexer is not None else None
        )
        self._lines: list[Line] = []
        self._current: Line = []
        self._lock = threading.Lock()

    @property
    def coloured(self) -> bool:
        return self._tokens is not None or bool(self._lines)

    @property
    def complete(self) -> bool:
        return self._tokens is None

    def line(self, number: int) -> Line | None:
        """The tokens of line `number` (0-based), or None when they are not known yet."""
        if number < len(self._lines):
            return self._lines[number]
        if self._tokens is None or number - len(self._lines) > EAGER_LINES:
            return None
        with self._lock:
            self._lex_until(number)
        return self._lines[number] if number < len(self._lines) else None

    def finish(self) -> None:
        """Lex the rest of the text (from a worker thread)."""
        with self._lock:
            self._lex_until(None)

    def _lex_until(self, number: int | None) -> None:
        tokens, lines, current = self._tokens, self._lines, self._current
        if tokens is None:
            return
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
            if number is not None and number < len(lines):
                self._current = current
                return
        if current:
            lines.append(current)
        self._current = []
        self._tokens = None


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
