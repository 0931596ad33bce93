"""Keeping the person's place: how they chose to look at files (the same on every phase)
and, per phase, the file selected, the hunk under the cursor, the scroll and whether they
were looking at what will be committed. Restored after a dialog, on another phase and
when the build is resumed (`engine.place` keeps it on disk)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any


@dataclass
class PhasePlace:
    path: str | None = None
    hunk: int = 0
    scroll: int = 0
    result_view: bool = False


@dataclass
class Place:
    split: bool = False
    whole_file: bool = False
    rendered: bool = False
    test_output: bool = False
    files_hidden: bool = False
    phases: dict[str, PhasePlace] = field(default_factory=dict)

    def phase(self, phase_id: str) -> PhasePlace:
        return self.phases.setdefault(phase_id, PhasePlace())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Place:
        """What a saved place holds, taking only values of the right type: it is our own
        file, but a hand edit or an older version must not stop the wizard."""
        place = cls(**_typed(cls, data))
        phases = data.get("phases")
        for phase_id, saved in phases.items() if isinstance(phases, dict) else ():
            if isinstance(saved, dict):
                place.phases[str(phase_id)] = PhasePlace(**_typed(PhasePlace, saved))
        return place


def _typed(kind: type, data: dict[str, Any]) -> dict[str, Any]:
    found = {}
    for spec in fields(kind):
        value = data.get(spec.name)
        default = spec.default
        if spec.name == "phases" or value is None:
            continue
        if spec.name == "path" and isinstance(value, str):
            found["path"] = value
        elif isinstance(default, bool) and isinstance(value, bool):
            found[spec.name] = value
        elif isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
                found[spec.name] = value
    return found
