"""The offline generator: a deterministic proposer that needs no network and no key.

It writes the same files for the same brief and build date, so it is what tests, demos
and first-time users see. It cannot read feedback; a revision says so and re-proposes.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...core.errors import BadInput, ProviderFailure
from ...core.events import Event, Progress, ProposalReady, TextDelta
from ...core.proposal import Proposal
from ..base import ProposalRequest, Provider
from . import phase1, phase2
from .plan import build_plan

GENERATORS = {"architecture": phase1.propose, "data-model": phase2.propose}

REVISION_NOTE = (
    "\n\n> The offline generator cannot act on feedback: this is the same proposal again, "
    "and your decisions on unchanged files are kept. Edit files directly (`e`), or use the "
    "Anthropic provider to revise with feedback.\n"
)


class OfflineProvider(Provider):
    name = "offline"
    model = ""

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        brief = request.brief
        if not [e for e in brief.entities if e.name != "User"]:
            raise BadInput(
                "the offline generator needs [[entities]] in the brief to know what to build",
                hint="add entities to backend-brief.toml (see `backend-agent brief init`), or "
                "use the Anthropic provider, which needs only [project]",
            )
        generate = GENERATORS.get(request.phase.id)
        if generate is None:
            raise ProviderFailure(
                f"the offline generator does not generate phase {request.phase.number} "
                f"({request.phase.id}) yet",
                hint="use --phases 1-2 with the offline provider",
            )
        request.check_cancelled()
        yield Progress(f"planning {request.phase.title.lower()} from the brief")
        plan = build_plan(brief)
        proposal: Proposal = generate(brief, plan, request.branch.files(), request.started)
        summary = proposal.summary + (REVISION_NOTE if request.revision else "")
        for paragraph in summary.split("\n\n"):
            request.check_cancelled()
            yield TextDelta(paragraph + "\n\n")
        for count, change in enumerate(proposal.changes, 1):
            yield Progress(f"proposed {change.path}", path=change.path, files=count)
        yield ProposalReady(proposal.model_copy(update={"summary": summary}))
