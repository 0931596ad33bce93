"""Asking the provider for a phase: generate, revise (with feedback or what the checks
found), rework rejected hunks; what it is told (the earlier phases, the person's answers,
the conversation so far), and how its proposal becomes the phase's."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

from ..core.errors import BadInput, ProviderFailure
from ..core.events import Event, MergeBase, ProposalReady, UsageReport
from ..core.phases import Phase, phase
from ..core.proposal import FileChange, Proposal, content_hash
from ..core.review import Review
from ..providers.base import Interrupted, PhaseNote, ProposalRequest, Revision
from . import hunk_review, rework, scope
from .guard import vet


class Generating:
    """Part of `BuildSession`: everything that asks the provider."""

    def _request(
        self,
        target: Phase,
        revision: Revision | None,
        cancel: threading.Event | None,
        *,
        goes_on: bool = False,
    ) -> ProposalRequest:
        """What the provider is told; `goes_on`: a revision, fix or rework, which goes on
        with the phase's conversation."""
        history = []
        for number in range(1, target.number):
            record = self.record(phase(number).id)
            proposal = record.proposal
            if record.status == "committed" and proposal is not None:
                history.append(
                    PhaseNote(record.id, proposal.summary, proposal.assumptions, proposal.questions)
                )
        return ProposalRequest(
            phase=target,
            brief=self.state.brief,
            build=self.state.build,
            branch=self.worktree,
            revision=revision,
            started=self.state.created.date(),
            disabled_skills=frozenset(self.state.disabled_skills),
            cancel=cancel or threading.Event(),
            spent=self.state.usage,
            repo_root=self.repo.root,
            history=history,
            answers=dict(self.state.answers),
            conversation=self.record(target.id).conversation if goes_on else None,
            limits=self.limits,
            evolution=self.evolution_request(self.record(target.id)),
        )

    def generate(
        self, phase_id: str | None = None, *, cancel: threading.Event | None = None
    ) -> Iterator[Event]:
        """Ask the provider for a phase's proposal, streaming its events to the caller."""
        target = phase(phase_id or self.state.current)
        record = self.record(target.id)
        if record.status == "committed":
            raise BadInput(
                f"phase {target.number} ({target.id}) is already committed",
                hint="undo its commit first to generate it again",
            )
        scope.refuse_beyond(self.state, target)
        self.state.current = target.id
        yield from self._run(target, self._request(target, None, cancel), carry=False)

    def revise(
        self, feedback: str, *, cancel: threading.Event | None = None, kind: str = "feedback"
    ) -> Iterator[Event]:
        """Revise the current proposal with the person's feedback (or, kind "fix", what the
        checks found): the provider goes on from it, so files it does not touch are kept,
        and decisions on files whose content does not change survive."""
        record = self.record()
        if record.proposal is None:
            raise BadInput("there is no proposal to revise yet; generate the phase first")
        if record.status == "committed":
            raise BadInput("this phase is committed; undo it to revise")
        revision = Revision(
            feedback=feedback,
            previous=record.proposal,
            reviews={k: v.model_copy() for k, v in record.reviews.items()},
            kind="fix" if kind == "fix" else "feedback",
        )
        request = self._request(self.phase, revision, cancel, goes_on=True)
        yield from self._run(self.phase, request, carry=True)

    def rework_hunks(self, *, cancel: threading.Event | None = None) -> Iterator[Event]:
        """Ask the provider to redo only the rejected hunks of the current proposal: the
        reworked hunks arrive pending, approved ones stay approved (see engine/rework.py)."""
        plan = rework.plan(self)
        request = self._request(self.phase, None, cancel, goes_on=True)
        request.rework = plan.rework
        yield from self._run(self.phase, request, carry=True, shape=plan.merge)

    def rejected_hunks(self) -> dict[str, int]:
        """Files of the current proposal with rejected hunks and how many: what a rework
        would send."""
        return rework.rejected_counts(self)

    def _run(
        self,
        target: Phase,
        request: ProposalRequest,
        *,
        carry: bool,
        shape: Callable[[Proposal], Proposal] | None = None,
    ) -> Iterator[Event]:
        record = self.record(target.id)
        previous_status = record.status
        record.status, record.error = "generating", None
        ready: ProposalReady | None = None
        base: MergeBase | None = None
        try:
            self.save()  # inside: a signal landing while it saves still puts the status back
            for event in self.provider.propose(request):
                if isinstance(event, UsageReport):
                    record.usage = record.usage + event.usage
                    self.state.usage = self.state.usage + event.usage
                    self.save()
                if isinstance(event, ProposalReady):
                    ready = event
                    continue
                if isinstance(event, MergeBase):
                    base = event
                    continue
                yield event
            if ready is None:
                raise ProviderFailure(f"{self.provider.name} ended without a proposal")
            proposal = shape(ready.proposal) if shape is not None else ready.proposal
            if record.evolution and request.evolution is not None:
                proposal = self.merged(record, proposal, base)
        except Interrupted as stop:
            partial = shape(stop.proposal) if shape is not None else stop.proposal
            self._keep(target, partial, None, carry)
            record.error = stop.message
            self.save()
            raise
        except BaseException as exc:
            record.status = previous_status
            record.error = str(exc) if isinstance(exc, Exception) else "interrupted"
            self.save()
            raise
        kept = self._keep(target, proposal, ready.conversation, carry)
        yield ProposalReady(kept)

    def _keep(
        self, target: Phase, proposal: Proposal, conversation: dict | None, carry: bool
    ) -> Proposal:
        """Vet a provider's proposal and make it the phase's, carrying decisions over."""
        record = self.record(target.id)
        proposal = proposal.model_copy(update={"phase": target.id})
        kept, refused = vet(proposal, self.worktree.path, set(self.worktree.files()), self.limits)
        old = record.proposal if carry else None
        old_reviews = record.reviews
        record.proposal, record.refused, record.status = kept, refused, "proposed"
        record.based_on = self.worktree.head()
        record.reviews = {c.path: self._carried(c, old, old_reviews) for c in kept.changes}
        record.rounds = record.rounds + 1 if carry else 1
        record.conversation = conversation
        self.settle_unchanged(record)
        self.save()
        return kept

    def _carried(
        self, change: FileChange, old: Proposal | None, reviews: dict[str, Review]
    ) -> Review:
        before = old.change(change.path) if old else None
        review = reviews.get(change.path)
        if before is None or review is None:
            return Review()
        if before.content == change.content and before.action == change.action:
            return review.model_copy()
        if review.hunks:
            return hunk_review.carry(change, review, self.worktree.read(change.path))
        if review.decision == "approved" and review.approved_hash == content_hash(change.content):
            return Review(decision="approved", approved_hash=review.approved_hash)
        return Review()

    # ------------------------------------------------------------------ answers
    def answer(self, question: str, text: str) -> None:
        """The person's answer to an open question (empty: withdraw it); every phase
        generated or revised after this is told it."""
        question, text = " ".join(question.split()), text.strip()
        if not question:
            raise BadInput("the question is empty")
        if text:
            self.state.answers[question] = text
        else:
            self.state.answers.pop(question, None)
        self.save()

    def open_questions(self) -> list[str]:
        """Every question the build's proposals ask that has no answer yet."""
        asked = [
            " ".join(q.split())
            for record in self.state.phases.values()
            if record.proposal is not None
            for q in record.proposal.questions
        ]
        return [q for q in dict.fromkeys(asked) if q not in self.state.answers]
