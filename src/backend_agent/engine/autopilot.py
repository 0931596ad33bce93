"""Headless runs: generate, decide by policy, commit — phase after phase."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from ..core.checks import CheckOptions
from ..core.errors import BadInput
from ..core.events import Event
from ..core.phases import PHASES, Phase
from . import checking
from .session import BuildSession

Policy = Literal["all", "checks", "none"]


@dataclass
class Outcome:
    committed: list[str]
    stopped: str | None = None
    """Why the run stopped before the last phase, if it did."""
    held: list[str] = field(default_factory=list)
    """Files `--approve checks` held back (a check failed or did not run): "phase: path"."""


def run_phases(
    session: BuildSession,
    phases: list[Phase],
    policy: Policy,
    say: Callable[[str], None],
    on_event: Callable[[Event], None] = lambda event: None,
    checks: CheckOptions | None = None,
    fix_rounds: int = 0,
) -> Outcome:
    """Bring each phase in order to a commit, deciding approvals by `policy`.

    With `none`, the first phase that needs a decision is generated and left for the
    wizard: later phases build on what a person approves, so there is no point going on.
    `checks` (None: no checks) run on each proposal before any decision; `fix_rounds`
    times the failures go back to the provider as feedback.
    """
    if policy != "none":
        _refuse_gaps(session, phases)
    outcome = Outcome(committed=[])
    for phase in phases:
        record = session.record(phase.id)
        label = f"phase {phase.number}/6 {phase.id}"
        if record.status == "committed":
            say(f"{label}: already committed ({(record.commit or '')[:10]})")
            continue
        session.goto(phase.id)
        stale = record.proposal is not None and session.proposed_too_early(phase.id) is not None
        if stale:
            say(f"{label}: proposed before the phases before it were committed; proposing again")
        if record.proposal is None or stale:
            say(f"{label}: generating with {session.provider.label}…")
            for event in session.generate(phase.id):
                on_event(event)
            record = session.record(phase.id)
            if record.status == "committed":
                say("  nothing in this phase changes: its commit stays as it was")
                continue
            for refusal in record.refused:
                say(f"  refused {refusal.path}: {refusal.reason}")
            say(f"  proposed {len(record.proposal.changes) if record.proposal else 0} files")
        if checks is not None:
            found = checking.check_headless(session, checks, say, on_event)
            checking.fix_rounds(session, fix_rounds, checks, say, on_event, found)
        if policy == "none":
            outcome.stopped = (
                f"{label} is proposed and waits for review: open the wizard with "
                f"`backend-agent resume {session.state.build}`, or decide headless with "
                "`backend-agent review apply FILE` and `backend-agent commit`"
            )
            break
        if policy == "checks":
            approved, left = session.approve_checked()
            outcome.held += [f"{phase.id}: {p}" for p, why in left.items() if why != "rejected"]
        else:
            own, left = session.own_approval(), session.held_back()
            approved = session.approve_all()
            left = {
                p: why if p in own else f"{why}: approve it one by one" for p, why in left.items()
            }
        if approved:
            say(f"  approved {len(approved)} files")
        for path, why in left.items():
            say(f"  {'left' if why == 'rejected' else 'held back'} {path}: {why}")
        conflicts = session.pending_conflicts()
        if conflicts:
            outcome.stopped = (
                f"{label}: {len(conflicts)} "
                + ("decision waits" if len(conflicts) == 1 else "decisions wait")
                + " for you ("
                + ", ".join(conflicts[:5])
                + (", …" if len(conflicts) > 5 else "")
                + "): pick a side in the wizard (`backend-agent resume "
                f"{session.state.build}`) or with `backend-agent review apply FILE`, then "
                "`backend-agent commit`"
            )
            break
        if not record.approved():
            outcome.stopped = f"{label}: nothing is approved, so nothing was committed"
            break
        sha = session.commit()
        outcome.committed.append(phase.id)
        say(f"  committed {sha[:10]} on {session.state.branch}")
    return outcome


def _refuse_gaps(session: BuildSession, phases: list[Phase]) -> None:
    """Phases are committed in order: a run that would commit phase 3 while phase 2 is
    neither committed nor part of the run stops before doing anything."""
    planned = {p.id for p in phases}
    for target in phases:
        for earlier in PHASES[: target.number - 1]:
            if session.record(earlier.id).status != "committed" and earlier.id not in planned:
                raise BadInput(
                    f"phase {target.number} ({target.id}) builds on phase {earlier.number} "
                    f"({earlier.id}), which is not committed and not part of this run: phases "
                    "are committed in order",
                    hint=f"include it: --phases {earlier.number}-{target.number}",
                )
