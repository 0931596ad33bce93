"""Where the person was in a build — the file selected in each phase, the hunk and the
scroll, how they chose to look at files — kept next to the build state so the wizard
reopens a resumed build where it was left.

The engine stores it and never reads it: the wizard's view is opaque JSON here. It is
written atomically like the state; a missing or unreadable file is an empty place.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .store import atomic_write

if TYPE_CHECKING:
    from pathlib import Path

    from .session import BuildSession


def place_path(session: BuildSession) -> Path:
    return session.repo.data_dir / "places" / f"{session.state.build}.json"


def load_place(session: BuildSession) -> dict[str, Any]:
    try:
        data = json.loads(place_path(session).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def save_place(session: BuildSession, place: dict[str, Any]) -> None:
    atomic_write(place_path(session), json.dumps(place, indent=1).encode("utf-8"))
