"""The branch checked against the build state before any work.

The state records each committed phase's commit. If those commits are no longer on our
branch — it was deleted, reset or rewritten — going on would silently rebuild on
whatever is there (architecture and migrations gone, ADR numbers restarting). So the
build stops and says what happened, with two explicit ways on: put the branch back at
the recorded commit (`resume --restore-branch`; the objects are usually still there), or
build the lost phases again from the branch as it is (`resume --restart-from PHASE`).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.errors import BadInput, Conflict
from ..core.phases import PHASES, Phase, phase
from ..workspace.git import Repository
from ..workspace.ownership import root_message
from .state import BuildState, PhaseRecord


@dataclass(frozen=True)
class Repair:
    """How the person chose to go on when the branch lost phase commits."""

    restore: bool = False
    restart_from: str | None = None
    """A phase id: it and every later phase are built again."""
    evolving: bool = False
    """An evolution goes on over a rewritten (not deleted) branch: it cannot trust the
    generator's last version as the merge base, so it merges two-way and says so
    (engine/evolving.py); the phases it runs again are committed on the branch as it is."""


class BranchLost(Conflict):
    """The branch no longer holds what the build state says was committed (exit 4)."""


def missing_phases(repo: Repository, state: BuildState) -> tuple[str | None, list[Phase]]:
    """(the branch tip, the committed phases whose commits are not on the branch)."""
    tip = repo.branch_tip(state.branch)
    committed = [p for p in PHASES if state.phases[p.id].status == "committed"]
    if tip is None:
        return None, committed
    return tip, [p for p in committed if not repo.is_ancestor(state.phases[p.id].commit, tip)]


def verify(repo: Repository, state: BuildState, repair: Repair | None = None) -> str | None:
    """Stop with BranchLost unless the branch holds every recorded phase commit; with a
    `repair`, apply it instead. Returns a line saying what the repair did (or None)."""
    tip, missing = missing_phases(repo, state)
    if repair is not None and (repair.restore or repair.restart_from):
        if tip is not None and not missing:
            raise BadInput(
                f"{state.branch} holds every phase the build state records as committed; "
                "there is nothing to restore or restart",
                hint="to redo the last committed phase, `backend-agent undo` it",
            )
        if repair.restore:
            return _restore(repo, state, tip)
        return _restart(repo, state, tip, missing, phase(repair.restart_from))
    if tip is not None and (not missing or (repair is not None and repair.evolving)):
        return None
    raise _lost(repo, state, tip, missing)


def _lost(repo: Repository, state: BuildState, tip: str | None, missing: list[Phase]):
    name, branch = state.build, state.branch
    happened = (
        f"branch {branch} is gone (deleted)"
        if tip is None
        else f"branch {branch} (now at {tip[:10]}) no longer holds what was committed: it was "
        "reset or rewritten"
    )
    if missing:
        lost = ", ".join(f"{p.number} {p.id} ({state.phases[p.id].commit[:10]})" for p in missing)
        happened += f"; the build state records these phases as committed: {lost}"
    first = missing[0] if missing else PHASES[0]
    which = (
        f"phase {first.number}"
        if first.number == len(PHASES)
        else f"phases {first.number}-{len(PHASES)}"
    )
    where = "where the build began" if tip is None else "the branch as it is"
    restart = (
        f"`backend-agent resume {name} --restart-from {first.id}` builds {which} again from {where}"
    )
    target = _restore_target(state)
    choices = [restart]
    if target is None or repo.has_commit(target):
        where = f"at {target[:10]}, " if target else ""
        choices.insert(
            0,
            f"`backend-agent resume {name} --restore-branch` puts it back {where}where the "
            "build state says it was (its commits are still in the repository)",
        )
    return BranchLost(
        f"{happened}. backend-agent stopped before changing anything",
        hint="choose: " + "; or ".join(choices),
    )


def _restore_target(state: BuildState) -> str | None:
    """Where the branch was: the last committed phase, else where the build began."""
    committed = [state.phases[p.id].commit for p in PHASES]
    last = [c for c in committed if c]
    if last:
        return last[-1]
    return state.start or state.base


def _restore(repo: Repository, state: BuildState, tip: str | None) -> str:
    target = _restore_target(state)
    if target is None:  # an empty repository: a new root commit, as the start made
        target = repo.root_commit(root_message(state.build), repo.author())
    if not repo.has_commit(target):
        raise BadInput(
            f"commit {target[:10]}, where {state.branch} was, is no longer in the repository "
            "(git has collected it)",
            hint=f"build the lost phases again: `backend-agent resume {state.build} "
            "--restart-from PHASE`",
        )
    if tip is not None and not repo.is_ancestor(tip, target):
        raise BadInput(
            f"{state.branch} (now at {tip[:10]}) has commits that {target[:10]} does not; "
            "putting it back would drop them from the branch",
            hint="keep them on a branch of your own (`git branch mine "
            f"{state.branch}`) first, or build the lost phases again with --restart-from PHASE",
        )
    repo.git("update-ref", f"refs/heads/{state.branch}", target, tip or "")
    return f"restored {state.branch} to {target[:10]}, where the build state says it was"


def _restart(
    repo: Repository, state: BuildState, tip: str | None, missing: list[Phase], start: Phase
) -> str:
    earlier = [p for p in PHASES if p.number < start.number]
    gone = [p for p in earlier if p in missing or state.phases[p.id].status != "committed"]
    if gone:
        raise BadInput(
            f"phase {gone[0].number} ({gone[0].id}) comes before {start.id} and is not on "
            f"{state.branch}",
            hint=f"restart from it: `--restart-from {gone[0].id}` (or put the branch back "
            "with --restore-branch)",
        )
    kept = [
        p
        for p in PHASES[start.number - 1 :]
        if state.phases[p.id].status == "committed" and p not in missing
    ]
    if kept:
        raise BadInput(
            f"phase {kept[0].number} ({kept[0].id}) is still on {state.branch}; building it "
            "again would commit it twice",
            hint=f"restart from the first phase that is lost: --restart-from {missing[0].id}",
        )
    if tip is None:  # deleted (so `start` is phase 1): back where the build began
        at = state.start or state.base
        if at is None or not repo.has_commit(at):
            at = repo.root_commit(root_message(state.build), repo.author())
        repo.git("update-ref", f"refs/heads/{state.branch}", at, "")
    for later in PHASES[start.number - 1 :]:
        state.phases[later.id] = PhaseRecord(id=later.id, usage=state.phases[later.id].usage)
    state.current = start.id
    return (
        f"phases {start.number}-{len(PHASES)} start again from {state.branch} as it is; "
        "their earlier proposals and decisions are dropped"
    )
