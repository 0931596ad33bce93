"""The six phases in a row, each with its state; a click goes to that phase.

Every title when they fit; else the phase on screen keeps its title and the others show
their number and state (`✓1 ✓2 ●3 Service layer ○4 ○5 ○6`), so all six are always there.
"""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from ...core.phases import PHASES

GLYPHS = {
    "pending": "○",
    "generating": "◌",
    "proposed": "●",
    "committing": "◍",
    "committed": "✓",
}
COLOURS = {
    "committed": "$text-success",
    "proposed": "$text-warning",
    "generating": "$text-accent",
    "committing": "$text-accent",
}


def stepper_line(states: dict[str, str], current: str, width: int) -> Content:
    """The row for `width` cells: full titles, else short ones but the current's."""
    for short in (False, True):
        parts: list[Content] = []
        for phase in PHASES:
            status = states.get(phase.id, "pending")
            here = phase.id == current
            glyph = GLYPHS[status]
            label = (
                f"{glyph}{phase.number}"
                if short and not here
                else f"{glyph} {phase.number} {phase.title}"
            )
            colour = COLOURS.get(status, "$text-muted")
            text = Content.styled(f" {label} ", f"{colour} reverse bold" if here else colour)
            parts.append(text.stylize(f"@click=screen.goto_phase('{phase.id}')"))
        joiner = Content.styled("─" if not short else " ", "$text-muted")
        line = joiner.join(parts)
        if line.cell_length <= width:
            return line
    return line


class Stepper(Widget):
    """`show(states, current)`: states maps phase id to its status; `current` is on screen."""

    DEFAULT_CSS = """
    Stepper { height: 1; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.states: dict[str, str] = {}
        self.current = PHASES[0].id

    def show(self, states: dict[str, str], current: str) -> None:
        self.states, self.current = dict(states), current
        self.refresh()

    def render(self) -> Content:
        return stepper_line(self.states, self.current, self.content_size.width)
