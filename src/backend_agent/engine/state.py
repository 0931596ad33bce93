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
    conversation: dict | None = None
    """The provider's conversation behind the proposal, for a revision or fix round to go
    on with (see ProposalReady.conversation)."""

    def review(self, path: str) -> Review:
        return self.reviews.setdefault(path, Review())

    def approved(self) -> list[FileChange]:
        if self.proposal is None:
            return []
        return [c for c in self.proposal.changes if self.review(c.path).is_approved(c)]


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
