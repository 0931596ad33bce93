"""Everything a build knows, as saved after every action so a crash loses nothing."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, Field

from ..core.brief import Brief
from ..core.checks import PhaseChecks
from ..core.phases import PHASES
from ..core.proposal import FileChange, Proposal
from ..core.review import Review
from ..core.usage import Usage

STATE_VERSION = 1

PhaseStatus = Literal["pending", "generating", "proposed", "committing", "committed"]


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
    rounds: int = 0
    error: str | None = None
    usage: Usage = Field(default_factory=Usage)
    checks: PhaseChecks | None = None
    """The last check run of the proposal (see engine/checking.py)."""

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

    def record(self, phase_id: str) -> PhaseRecord:
        return self.phases[phase_id]


class BuildSummary(BaseModel):
    """One line of `backend-agent builds`."""

    build: str
    branch: str
    phase: str
    committed: list[str]
    provider: str
    model: str
    updated: datetime
