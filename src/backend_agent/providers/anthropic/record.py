"""`--record FILE`: every call of a build as JSON lines, to play back with `--provider
replay`.

A line per call holds the phase, the request body exactly as sent and the raw events that
came back (or the error). Requests carry no key and no headers at all: authentication is
added by the SDK below this layer, so a recording cannot leak it.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ... import __version__
from ...core.errors import BadInput, ProviderFailure
from .client import Transport

FORMAT = 1


class Recorder:
    """A transport that passes everything through and writes it down."""

    def __init__(self, inner: Transport, path: Path, *, model: str, append: bool) -> None:
        self.inner = inner
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a" if append else "w", encoding="utf-8") as handle:
            handle.write(
                json.dumps(
                    {
                        "type": "session",
                        "format": FORMAT,
                        "model": model,
                        "backend_agent": __version__,
                        "at": datetime.now(UTC).isoformat(timespec="seconds"),
                    }
                )
                + "\n"
            )

    def events(
        self, params: dict[str, Any], *, phase: str, cancel: threading.Event
    ) -> Iterator[dict[str, Any]]:
        received: list[dict[str, Any]] = []
        error: dict[str, str] | None = None
        try:
            for event in self.inner.events(params, phase=phase, cancel=cancel):
                received.append(event)
                yield event
        except ProviderFailure as failure:
            error = {"type": type(failure).__name__, "message": failure.message}
            raise
        finally:
            line = {
                "type": "call",
                "phase": phase,
                "request": params,
                "events": received,
                "error": error,
                "complete": any(e.get("type") == "message_stop" for e in received),
            }
            with open(self.path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")


class Recording:
    """A recorded build, served call by call in the order it was recorded, per phase.

    Calls that failed or were cut off are skipped: a replay shows the build as it finally
    went, not every bump on the way.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.model = ""
        self._calls: dict[str, deque[list[dict[str, Any]]]] = {}
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            raise BadInput(
                f"there is no recording at {path}",
                hint="record a build with `backend-agent build ... --record FILE` first",
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"cannot read the recording {path}: {exc}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                kind = entry["type"]
            except (ValueError, KeyError, TypeError):
                raise BadInput(
                    f"{path}:{number}: not a line of a backend-agent recording",
                    hint="pass a file written by --record",
                ) from None
            if kind == "session":
                if entry.get("format") != FORMAT:
                    raise BadInput(
                        f"{path}:{number}: recording format {entry.get('format')!r} is not "
                        f"the one this version reads ({FORMAT})"
                    )
                self.model = self.model or str(entry.get("model") or "")
            elif kind == "call" and entry.get("complete") and not entry.get("error"):
                self._calls.setdefault(str(entry["phase"]), deque()).append(entry["events"])
        if not self._calls:
            raise BadInput(
                f"{path} holds no complete call to replay",
                hint="record a build that got at least one proposal",
            )

    def events(
        self, params: dict[str, Any], *, phase: str, cancel: threading.Event
    ) -> Iterator[dict[str, Any]]:
        queue = self._calls.get(phase)
        if not queue:
            raise ProviderFailure(
                f"the recording {self.path} has no more calls for phase {phase}",
                hint="replay runs the build as it was recorded; to go further, use "
                "--provider anthropic",
            )
        yield from queue.popleft()
