"""For tests of checks through the engine: a provider that proposes given files."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.providers.base import ProposalRequest, Provider

Files = dict[str, str]


def proposal(files: Files, kind: str = "code") -> Proposal:
    return Proposal(
        summary="# Proposed by a test",
        changes=[
            FileChange(path=p, action="create", content=c, kind=kind) for p, c in files.items()
        ],
    )


class StaticProvider(Provider):
    """Proposes `files` for every phase; a revision gets `revise(feedback)` when given
    (and records the feedback it was sent)."""

    name = "static"

    def __init__(self, files: Files, revise: Callable[[str], Files] | None = None) -> None:
        self.files = files
        self.revise = revise
        self.feedback: list[str] = []

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        files = self.files
        if request.revision is not None:
            self.feedback.append(request.revision.feedback)
            if self.revise:
                files = self.revise(request.revision.feedback)
        yield ProposalReady(proposal(files))
