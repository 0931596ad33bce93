"""The offline generator: a deterministic proposer that needs no network and no key.

It writes the same files for the same brief and build date, so it is what tests, demos
and first-time users see: all six phases of a runnable service over PostgreSQL with its
own tests — FastAPI or Fastify, as the brief's `[stack]` picks (see `target`). Phases 4-6 read the branch, so they add to what earlier phases committed
(and a person edited) instead of overwriting it. It cannot read feedback; a revision says
so and re-proposes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date

from ...core.brief import Brief
from ...core.events import Event, MergeBase, Progress, ProposalReady, TextDelta
from ...core.proposal import Proposal
from ..base import BranchReader, ProposalRequest, Provider
from . import phase1, phase2, phase3, phase4, phase5, phase6
from .plan import build_plan
from .readiness import require_entities
from .schema import Plan
from .target import PYTHON, TYPESCRIPT, target_for
from .typescript import phases as ts

Generator = Callable[[Brief, Plan, list[str], date, BranchReader], Proposal]


def _from_paths(
    propose: Callable[[Brief, Plan, list[str], date], Proposal],
) -> Generator:
    """Phases 1-3 only add files, so the list of paths on the branch is all they read."""
    return lambda brief, plan, existing, day, branch: propose(brief, plan, existing, day)


SHARED: dict[str, Generator] = {
    "architecture": _from_paths(phase1.propose),
    "data-model": _from_paths(phase2.propose),
}
GENERATORS: dict[str, dict[str, Generator]] = {
    PYTHON.id: {
        **SHARED,
        "service-layer": _from_paths(phase3.propose),
        "infrastructure": phase4.propose,
        "hardening": phase5.propose,
        "documentation": phase6.propose,
    },
    TYPESCRIPT.id: {
        **SHARED,
        "service-layer": _from_paths(ts.propose_service_layer),
        "infrastructure": ts.propose_infrastructure,
        "hardening": ts.propose_hardening,
        "documentation": ts.propose_documentation,
    },
}

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
        require_entities(brief, "the build's brief")
        generate = GENERATORS[target_for(brief).id][request.phase.id]
        request.check_cancelled()
        yield Progress(f"planning {request.phase.title.lower()} from the brief")
        if request.evolution is not None:
            from . import evolve

            proposal, base, confirm = evolve.propose(request)
            yield MergeBase(base, confirm)
        else:
            plan = build_plan(brief)
            branch = request.branch
            proposal = generate(brief, plan, branch.files(), request.started, branch)
        summary = proposal.summary + (REVISION_NOTE if request.revision else "")
        for paragraph in summary.split("\n\n"):
            request.check_cancelled()
            yield TextDelta(paragraph + "\n\n")
        for count, change in enumerate(proposal.changes, 1):
            yield Progress(f"proposed {change.path}", path=change.path, files=count)
        yield ProposalReady(proposal.model_copy(update={"summary": summary}))
