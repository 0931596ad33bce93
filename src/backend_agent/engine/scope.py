"""How far a build goes. A build started from "design the architecture for ..." stops after
phase 1 until the person says to go on; the wizard asks, headless runs take an explicit
--phases beyond the end as the answer.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.errors import BadInput
from ..core.intent import read_intent
from ..core.phases import PHASES, Phase, phase

if TYPE_CHECKING:
    from .state import BuildState


def last_phase_of(sentence: str | None) -> str | None:
    """The phase id a sentence stops at; None when it asks for the whole backend."""
    if not sentence:
        return None
    last = read_intent(sentence).last_phase
    return None if last >= len(PHASES) else PHASES[last - 1].id


def end(state: BuildState) -> Phase | None:
    return phase(state.last_phase) if state.last_phase else None


def refuse_beyond(state: BuildState, target: Phase) -> None:
    stop = end(state)
    if stop is not None and target.number > stop.number:
        raise BadInput(
            f"this build stops after phase {stop.number} ({stop.id}), as its sentence asked "
            f"({state.sentence!r}); phase {target.number} ({target.id}) is beyond that",
            hint="go on with the rest of the build first (the wizard asks; headless: "
            f"`backend-agent resume {state.build} --phases {stop.number + 1}-{len(PHASES)}`)",
        )


def headless_phases(
    state: BuildState, requested: list[Phase] | None
) -> tuple[list[Phase], bool, str | None]:
    """The phases a headless run goes through: the ones asked for now, else the ones asked
    for when the build started (a resume keeps that scope), else the rest of the build up
    to its end. Remembers what is asked for now. Returns (phases, whether the end is
    lifted, a note on where the run stops short)."""
    stop = end(state)
    if requested is not None:
        state.phases_asked = [p.id for p in requested]
        lifted = stop is not None and any(p.number > stop.number for p in requested)
        return requested, lifted, None
    if state.phases_asked:
        asked = [phase(p) for p in state.phases_asked]
        left = [p for p in PHASES if p.number > max(a.number for a in asked)]
        note = None
        if left:
            note = (
                f"this build asked for phase{'s' if len(asked) > 1 else ''} "
                f"{_numbers(asked)}; go on with `backend-agent resume {state.build} "
                f"--phases {left[0].number}-{len(PHASES)}` (with --approve)"
            )
        return asked, False, note
    rest = [p for p in PHASES if p.number >= phase(state.current).number]
    if stop is None:
        return rest, False, None
    kept = [p for p in rest if p.number <= stop.number]
    if len(kept) == len(rest):
        return kept, False, None
    note = (
        f"this build stops after phase {stop.number} ({stop.id}), as its sentence asks; "
        f"go on with `backend-agent resume {state.build} --phases {stop.number + 1}-"
        f"{len(PHASES)}` (with --approve)"
    )
    return kept, False, note


def _numbers(phases: list[Phase]) -> str:
    numbers = [p.number for p in phases]
    if numbers == list(range(numbers[0], numbers[-1] + 1)) and len(numbers) > 1:
        return f"{numbers[0]}-{numbers[-1]}"
    return ",".join(str(n) for n in numbers)
