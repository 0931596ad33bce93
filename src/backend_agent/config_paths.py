"""Where the user's own files live: config (keymap, theme, editor) and personal skills."""

from __future__ import annotations

import os
from pathlib import Path

ENV_CONFIG_DIR = "BACKEND_AGENT_CONFIG_DIR"


def config_dir() -> Path:
    """`$BACKEND_AGENT_CONFIG_DIR`, else the platform's config folder (platformdirs)."""
    override = os.environ.get(ENV_CONFIG_DIR)
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("backend-agent", appauthor=False))
