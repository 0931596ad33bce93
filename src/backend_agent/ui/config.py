"""The wizard's part of the user's config file: theme, keymap and editor command.

```toml
theme = "gruvbox"          # any Textual theme; the palette's "Theme" command sets it
editor = "nvim"            # for "edit in $EDITOR"; else $VISUAL, $EDITOR, vi
[keymap]                   # binding id = keys, e.g. to approve with y as well as a
"phase.approve" = "a,y"
```
Problems in the file become notices on screen; the wizard starts with the defaults.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from ..core.errors import BadInput
from ..settings import load_settings, settings_file, update_setting


@dataclass
class UiConfig:
    theme: str | None = None
    editor: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def editor_command(self) -> list[str]:
        """The editor as argv: the config's, else $VISUAL, else $EDITOR, else vi."""
        import shlex

        text = self.editor or os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
        try:
            return shlex.split(text) or ["vi"]
        except ValueError:
            return [text]


def load_ui_config() -> UiConfig:
    config = UiConfig()
    where = settings_file()
    try:
        data = load_settings(where)
    except BadInput as error:
        config.problems.append(error.message)
        return config
    theme, editor, keymap = data.get("theme"), data.get("editor"), data.get("keymap", {})
    if theme is not None and not isinstance(theme, str):
        config.problems.append(f'{where}: theme must be a string such as "nord"')
    else:
        config.theme = theme
    if editor is not None and not isinstance(editor, str):
        config.problems.append(f'{where}: editor must be a command line such as "code --wait"')
    else:
        config.editor = editor
    if not isinstance(keymap, dict):
        config.problems.append(f'{where}: [keymap] must be a table of binding id = "keys"')
        keymap = {}
    for binding_id, keys in keymap.items():
        if isinstance(keys, str) and keys.strip():
            config.keymap[binding_id] = keys
        else:
            config.problems.append(
                f'{where}: keymap "{binding_id}" must be keys such as "ctrl+a" or "a,y"'
            )
    return config


def remember_theme(name: str) -> None:
    update_setting("theme", name)
