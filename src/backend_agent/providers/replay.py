"""Replay: a recorded build (`--record FILE`) played back offline, through the same code
that handled the live answers, so a replayed build commits exactly what the recorded one
did. Costs nothing: usage shows the recorded tokens at $0.
"""

from __future__ import annotations

from pathlib import Path

from ..core.errors import BadInput
from .anthropic.config import resolve_settings
from .anthropic.provider import AnthropicProvider
from .anthropic.record import Recording


class ReplayProvider(AnthropicProvider):
    name = "replay"

    @classmethod
    def from_file(cls, path: str | Path | None, model: str | None = None) -> ReplayProvider:
        if path is None:
            raise BadInput(
                "--provider replay needs the recording to play: --record FILE",
                hint="record one with `backend-agent build --provider anthropic --record FILE`",
            )
        recording = Recording(Path(path))
        settings = resolve_settings(model=model or recording.model or None)
        return cls(settings, recording, free=True)
