"""Everything a build knows, as saved after every action so a crash loses nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..core.brief import Brief
from ..core.checks import PhaseChecks
from ..core.errors import BadInput
from ..core.phases import PHASES
from ..core.proposal import FileChange, Proposal
from ..core.review import Review
from ..core.usage import Usage

STATE_VERSION = 1
BUILD_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")

PhaseStatus = Literal["pending", "generating", "proposed", "committing", "committed"]


def check_build_name(name: str) -> str:
    """A build's name: it names the branch, the worktree and the state file."""
    if not BUILD_NAME.match(name):
        raise BadInput(
            f"build name {name!r} is not a slug",
            hint="use 2-40 lower-case letters, digits and hyphens, starting with a letter",
        )
    return name


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Refusal(BaseModel):
    path: str
    reason: str


class FileMerge(BaseModel):
    """An evolution's file proposed as a three-way merge: what it was merged from, so the
    hunk review can tell the person's lines and the conflicts (see core/merge3.py)."""

    base: str | None
    """The generator's last version; None when it could not be found (two-way)."""
    theirs: str
    """The generator's version now."""


class PhaseRecord(BaseModel):
    id: str
    status: PhaseStatus = "pending"
    proposal: Proposal | None = None
    reviews: dict[str, Review] = Field(default_factory=dict)
    refused: list[Refusal] = Field(default_factory=list)
    commit: str | None = None
    parent: str | None = None
    """The branch tip before this phase's commit: where undo goes back to."""
    based_on: str | None = None
    """The branch tip the proposal was made against: one made before an earlier phase was
    committed does not know that phase's files and ADR numbers."""
    rounds: int = 0
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    checks: PhaseChecks | None = None
    """The last check run of the proposal (see engine/checking.py)."""
    evolution: int = 0
    """The evolution this record belongs to (0: the build itself)."""
    merges: dict[str, FileMerge] = Field(default_factory=dict)
    """Files of an evolution proposed as a merge with the branch."""
    confirm: dict[str, str] = Field(default_factory=dict)
    """Files approving all leaves alone, with why: each needs the person's own approval
    (a contract step that drops data, a file the person deleted coming back)."""
    blocking: list[str] = Field(default_factory=list)
    """Of those, the ones a headless run stops at until the person decides (dropping
    data); the others are left out of the commit."""
    conversation: dict | None = None
    """The provider's conversation behind the proposal, for a revision or fix round to go
    on with (see ProposalReady.conversation)."""

    def review(self, path: str) -> Review:
        return self.reviews.setdefault(path, Review())

    def approved(self) -> list[FileChange]:
        if self.proposal is None:
            return []
        return [c for c in self.proposal.changes if self.review(c.path).is_approved(c)]


class Evolution(BaseModel):
    """One change of the brief after the build, run as a delta over the phases it touches."""

    number: int
    before: Brief
    after: Brief
    summary: str
    """The change in one line (the commits' trailer)."""
    lines: list[str] = Field(default_factory=list)
    phases: list[str]
    """The phases the change runs again, in order."""
    unchanged: list[str] = Field(default_factory=list)
    """Phases that ran and found nothing to change (their commits stay as they were)."""
    head: str
    """Our branch when the evolution began: undoing all of it comes back here."""
    previous: dict[str, PhaseRecord] = Field(default_factory=dict)
    """The records the evolution's phases replaced, restored if it is discarded."""
    previous_current: str = ""
    two_way: str | None = None
    """Why the generator's last version could not be used as the merge base, if so."""
    generated: dict[str, str | None] = Field(default_factory=dict)
    """The generator's version of every file it wrote in this evolution (None: deleted):
    the merge base of the next one."""
    created: datetime = Field(default_factory=lambda: now())


class BuildState(BaseModel):
    version: int = STATE_VERSION
    build: str
    branch: str
    worktree: str
    base: str | None
    """The user's HEAD when the build started (None in a repository without commits)."""
    start: str | None = None
    """The commit our branch was created at: `base`, or our root commit in an empty repo."""
    brief: Brief
    provider: str
    model: str = ""
    created: datetime = Field(default_factory=now)
    updated: datetime = Field(default_factory=now)
    current: str = PHASES[0].id
    phases: dict[str, PhaseRecord] = Field(
        default_factory=lambda: {p.id: PhaseRecord(id=p.id) for p in PHASES}
    )
    usage: Usage = Field(default_factory=Usage)
    sentence: str | None = None
    """The sentence the build was started from (`backend-agent new`), if it was."""
    last_phase: str | None = None
    """Where the build stops unless the person goes on ("design the architecture for ..."
    stops after phase 1); None: all six phases."""
    phases_asked: list[str] | None = None
    """The phases `build --phases` (or the last `resume --phases`) asked for: a resume
    continues within them unless it names others. None: as far as the build goes."""
    disabled_skills: list[str] = Field(default_factory=list)
    test_command: str | None = None
    """The project's test command as last given (--test-command); None: pytest if found."""
    evolutions: list[Evolution] = Field(default_factory=list)

    @property
    def evolution(self) -> Evolution | None:
        """The evolution still running (some of its phases not committed), if one is."""
        last = self.evolutions[-1] if self.evolutions else None
        if last is None:
            return None
        done = all(self.phases[p].status == "committed" or p in last.unchanged for p in last.phases)
        return None if done else last

    answers: dict[str, str] = Field(default_factory=dict)
    """The person's answers to the provider's open questions, by question: every later
    phase is told them."""

    def record(self, phase_id: str) -> PhaseRecord:
        return self.phases[phase_id]


class BuildSummary(BaseModel):
    """One line of `backend-agent builds`."""

    build: str
    branch: str
    phase: str
    committed: list[str]
    lost: list[str] = []
    """Phases recorded as committed whose commits are no longer on the branch (deleted,
    reset or rewritten): opening the build stops and offers --restore-branch/--restart-from."""
    provider: str
    model: str
    updated: datetime
    evolutions: int = 0
