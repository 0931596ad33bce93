"""Control characters in text that came from outside: shown escaped in messages (a NUL
or an escape sequence must not reach the terminal raw), dropped from sentences that end
up in files."""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)?|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def show_controls(text: str) -> str:
    """`text` with every control character but newline and tab written as an escape
    (\\x00, \\x1b), so an error quoting bad input is readable and harmless."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def strip_controls(text: str) -> str:
    """`text` without terminal escape sequences and control characters (each becomes a
    space; newlines and tabs stay)."""
    return _CONTROL.sub(" ", _ANSI.sub("", text))
