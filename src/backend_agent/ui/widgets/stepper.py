"""The six phases in a row, each with its state; a click goes to that phase."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from ...core.phases import PHASES

GLYPHS = {
    "pending": "○",
    "generating": "◌",
    "proposed": "●",
    "committing": "◍",
    "committed": "✓",
}


class Stepper(Static):
    """`states` maps phase id to its status; `current` is the phase on screen."""

    def show(self, states: dict[str, str], current: str) -> None:
        parts: list[Content | str] = []
        for phase in PHASES:
            status = states.get(phase.id, "pending")
            label = f" {GLYPHS[status]} {phase.number} {phase.title} "
            text = Content.styled(label, self._style(status, phase.id == current))
            parts.append(text.stylize(f"@click=screen.goto_phase('{phase.id}')"))
            if phase.number < len(PHASES):
                parts.append(Content.styled("─", "$text-muted"))
        self.update(Content("").join(parts))

    @staticmethod
    def _style(status: str, current: bool) -> str:
        colour = {
            "committed": "$text-success",
            "proposed": "$text-warning",
            "generating": "$text-accent",
            "committing": "$text-accent",
        }.get(status, "$text-muted")
        return f"{colour} reverse bold" if current else colour
