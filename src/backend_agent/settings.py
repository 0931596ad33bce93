"""The user's config file, `config.toml` in `config_dir()`: settings any part of the app reads.

Each part reads the keys it owns (the wizard: `theme`, `editor`, `[keymap]`); a broken file
is reported with its line and never stops the app. Updates rewrite only the lines of the
keys they change, so the person's comments and layout survive.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .config_paths import config_dir
from .core.errors import BadInput

FILE_NAME = "config.toml"


def settings_file() -> Path:
    return config_dir() / FILE_NAME


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The parsed file ({} when there is none); BadInput naming the line when it is broken."""
    path = path or settings_file()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}") from None
    import tomllib  # only when there is a file to read: the first screen waits for this

    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            f"{path}: not valid TOML: {exc}",
            hint="fix that line, or delete the file to go back to the defaults",
        ) from None


def update_setting(key: str, value: str, path: Path | None = None) -> None:
    """Set a top-level string `key`, replacing its line or adding one before the first table."""
    if not re.fullmatch(r"[A-Za-z0-9_-]+", key):
        raise ValueError(f"not a bare TOML key: {key!r}")
    path = path or settings_file()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        lines = []
    import tomli_w

    new_line = tomli_w.dumps({key: value}).strip()
    first_table = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))
    own = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for index, line in enumerate(lines[:first_table]):
        if own.match(line):
            lines[index] = new_line
            break
    else:
        lines.insert(first_table, new_line)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.tmp")
    temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    temp.replace(path)
