"""What a provider reports while it works, streamed through the engine to the screen or CLI."""

from __future__ import annotations

from dataclasses import dataclass

from .proposal import Proposal
from .usage import Usage


@dataclass(frozen=True)
class TextDelta:
    """A piece of the rationale as the model writes it."""

    text: str


@dataclass(frozen=True)
class Progress:
    """A line for the progress bar: what is happening, and which file is arriving."""

    message: str
    path: str | None = None
    files: int = 0


@dataclass(frozen=True)
class FileWritten:
    """A file of the proposal in the making, as the model's call was applied: the wizard
    lists it while the rest arrives. `action` is created, edited or deleted."""

    path: str
    action: str
    files: int
    """Files the proposal holds now."""


@dataclass(frozen=True)
class UsageReport:
    """Tokens and cost of one call, reported as soon as the provider knows them."""

    usage: Usage


@dataclass(frozen=True)
class ProposalReady:
    """The validated proposal; always the last event of a successful run."""

    proposal: Proposal
    conversation: dict | None = None
    """What the provider needs to go on with the same conversation later (a revision, a
    fix round): opaque JSON the engine keeps with the phase. None: nothing to go on from."""


@dataclass(frozen=True)
class MergeBase:
    """For an evolution: the generator's last version of the files it proposes now (None:
    it did not write the file then), and files that need the person's own approval."""

    files: dict[str, str | None]
    confirm: dict[str, str]


Event = TextDelta | Progress | FileWritten | UsageReport | ProposalReady | MergeBase
