"""The interface every proposer implements, and what the engine hands it."""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal, Protocol

from ..core.brief import Brief
from ..core.errors import BadInput, ProviderFailure
from ..core.events import Event
from ..core.intent import BriefDraft, Intent, offline_draft
from ..core.phases import Phase
from ..core.proposal import Proposal
from ..core.review import Review
from ..core.usage import Usage
from ..workspace.paths import Limits


class BranchReader(Protocol):
    """Read-only view of the build branch: what earlier phases committed."""

    def files(self) -> list[str]: ...

    def read_many(self, paths: Iterable[str]) -> dict[str, str]: ...

    def sizes(self) -> dict[str, int]: ...

    def ignored(self, paths: Iterable[str]) -> set[str]: ...

    def phase_files(self, build: str) -> dict[str, str]:
        """path → the id of the phase of `build` that created it."""
        ...


@dataclass
class Revision:
    """A request to redo a proposal: the person's words and what they decided so far, or
    (kind "fix") what the checks found."""

    feedback: str
    previous: Proposal
    reviews: dict[str, Review]
    kind: Literal["feedback", "fix"] = "feedback"


@dataclass
class PhaseNote:
    """What an earlier phase of the build decided, as a later phase is told it."""

    phase: str
    summary: str
    assumptions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)


@dataclass
class RejectedHunk:
    """A hunk the person rejected: as a unified diff against the branch, with their words."""

    header: str
    diff: str
    comment: str


@dataclass
class ReworkFile:
    path: str
    current: str
    """The file without its rejected hunks: the branch with every other hunk applied."""
    hunks: list[RejectedHunk]


@dataclass
class Rework:
    """A request to redo only the rejected hunks of a proposal's modified files."""

    previous: Proposal
    files: list[ReworkFile]


@dataclass
class EvolutionRequest:
    """Run a phase again for a changed brief: propose the generator's version now of every
    file the phase writes; the engine merges it with the branch."""

    number: int
    before: Brief
    """The brief the generator's last version was made from."""
    changes: list[str]
    """The brief change, one line each (see core/brief_diff.py)."""
    start: dict[str, str]
    """The files of the build's start commit (what phase 1 found)."""
    migrations: dict[str, str]
    """The migrations on the branch now: applied somewhere, never to be edited."""
    person: str = ""
    """The person's changes since the generator's last version, as a unified diff."""


@dataclass
class ProposalRequest:
    phase: Phase
    brief: Brief
    build: str
    branch: BranchReader
    revision: Revision | None = None
    rework: Rework | None = None
    """Set instead of `revision`: answer with new contents of just these files."""
    started: date = field(default_factory=date.today)
    """The day the build began: generated documents carry it, so reruns match."""
    disabled_skills: frozenset[str] = frozenset()
    cancel: threading.Event = field(default_factory=threading.Event)
    spent: Usage = field(default_factory=Usage)
    """What the build has cost so far: a spending limit counts it."""
    repo_root: Path | None = None
    """The user's repository, where its own skills live (.claude/skills, .backend-agent/skills)."""
    evolution: EvolutionRequest | None = None

    history: list[PhaseNote] = field(default_factory=list)
    """The committed phases before this one, in order."""
    answers: dict[str, str] = field(default_factory=dict)
    """Questions the person answered (in the wizard or with --answers), by question."""
    conversation: dict | None = None
    """For a revision, fix or rework: the phase's conversation so far, as the provider
    handed it back with its last proposal."""
    limits: Limits = field(default_factory=Limits)

    def check_cancelled(self) -> None:
        if self.cancel.is_set():
            raise Cancelled("cancelled by the person; the build is as it was before this call")


class Cancelled(ProviderFailure):
    """The person stopped the call; nothing changed."""


class Interrupted(ProviderFailure):
    """The provider stopped after the model had written files (a limit, a refusal, an API
    failure): they are kept as the proposal, for the person to review, with the reason."""

    def __init__(self, failure: ProviderFailure, proposal: Proposal) -> None:
        super().__init__(failure.message, hint=failure.hint)
        self.failure = failure
        self.proposal = proposal


class Provider(ABC):
    """Turns a phase request into events ending with a `ProposalReady`.

    `propose` is a plain generator run in a worker thread: it blocks on the network, the
    caller iterates. Failures raise `ProviderFailure` with a message for a person.
    """

    name: str = "provider"
    model: str = ""

    @abstractmethod
    def propose(self, request: ProposalRequest) -> Iterator[Event]: ...

    def draft_brief(self, intent: Intent, cancel: threading.Event | None = None) -> BriefDraft:
        """A brief from one sentence. Without a model only the sentence's own words are
        known; providers that can reason about the domain override this."""
        return offline_draft(intent)

    def change_brief(
        self, brief: Brief, sentence: str, cancel: threading.Event | None = None
    ) -> BriefDraft:
        """The brief changed as a sentence says. Only a model can read the sentence."""
        raise BadInput(
            f"the {self.name} provider cannot change a brief from a sentence",
            hint="edit the brief yourself and run `backend-agent evolve --brief FILE`, or "
            "set ANTHROPIC_API_KEY for Claude to propose the change",
        )

    def cannot_rework(self) -> str | None:
        """Why `propose` cannot take a `Rework` request (None: it can). Only a model can act
        on a person's comments on single hunks."""
        return (
            f"the {self.name} provider cannot rework hunks: it cannot act on your comments. "
            "Edit the file yourself, or rework with the Anthropic provider"
        )

    @property
    def label(self) -> str:
        return f"{self.name} ({self.model})" if self.model else self.name
