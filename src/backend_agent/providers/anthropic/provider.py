"""`AnthropicProvider`: a phase's proposal from Claude, as a conversation of tool calls.

`propose` opens (or goes on with) the phase's conversation and runs the loop (`loop.py`)
over a working set of files; the proposal is what the loop's accepted calls wrote, plus
what `finish_phase` says. Usage is reported after every call, so the build's cost is right
even when a call fails half-way; a failure after files were written keeps them
(`Interrupted`). Drafting a brief (`drafting.py`) uses the same calls without the loop.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Generator, Iterator
from typing import Any

from ...core.brief import Brief
from ...core.errors import ProviderFailure
from ...core.events import Event, Progress, ProposalReady, UsageReport
from ...core.intent import BriefDraft, Intent
from ...core.proposal import Proposal
from ...core.usage import Usage
from ...skills import load_skills
from ..base import Cancelled, Interrupted, ProposalRequest, Provider
from . import drafting, errors
from .client import Transport, cancelled
from .config import AnthropicSettings
from .context import CHARS_PER_TOKEN, gather
from .drafting import draft
from .loop import ContextFull, Conversation, PhaseLoop, text_block
from .models import settings_for
from .pricing import Price, price_of, usage_of
from .prompt import Opening, build_opening
from .stream import Response
from .tools import FileNote
from .turns import done_text, revision_text, rework_text
from .workset import WorkingSet

BUDGET_CHARS_PER_TOKEN = 3.0
"""Fewer characters per token than the context estimate: a spending limit must not
underestimate a call."""
MIN_OUTPUT_TOKENS = 8_192
"""Below this much room for the answer, a turn cannot do much: stop instead of paying for
one that would be cut off."""
MIN_CONTEXT_TOKENS = 2_000
"""The smallest repository context a shrunk conversation starts over with."""


class BudgetReached(ProviderFailure):
    """The next call could pass the build's spending limit."""


class AnthropicProvider(Provider):
    name = "anthropic"

    def __init__(
        self, settings: AnthropicSettings, transport: Transport, *, free: bool = False
    ) -> None:
        self.settings = settings
        self.model = settings.model
        self._transport = transport
        self._price: Price | None = price_of(settings.model)
        self._free = free

    def cannot_rework(self) -> str | None:
        return None

    # ------------------------------------------------------------------ propose
    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        request.check_cancelled()
        yield Progress("reading the skills and the repository")
        skills = load_skills(request.repo_root)
        budget = self.settings.context_tokens
        workset = WorkingSet(request.branch, request.limits, skills, int(budget * CHARS_PER_TOKEN))
        workset.files = _start(request)
        stored = Conversation.from_json(request.conversation)
        dropped: list[str] = []
        spent = [request.spent]
        while True:
            context = gather(request.branch, request.phase, request.build, budget)
            opening = build_opening(
                request, skills, context, self.settings.cache_ttl, dropped=dropped
            )
            conversation = self._conversation(opening, stored, request, workset)
            stored = None
            loop = PhaseLoop(
                opening=opening,
                workset=workset,
                ask=lambda params, response, o=opening: self._ask(
                    params, response, request, spent, o
                ),
                params=lambda messages, o=opening: self._params(
                    o, messages, _kind(request), spent[0]
                ),
                ttl=self.settings.cache_ttl,
                max_turns=self.settings.max_turns,
                phase_number=request.phase.number,
            )
            try:
                finish = yield from loop.run(conversation)
            except (ContextFull, errors.PromptTooLong) as full:
                shown = {p for g in context.groups for p in g.files}
                budget = self._shrink(budget, context.tokens, full, opening)
                smaller = gather(request.branch, request.phase, request.build, budget)
                kept = {p for g in smaller.groups for p in g.files}
                dropped = sorted(set(dropped) | (shown - kept))
                yield Progress(
                    f"the conversation no longer fits {self.model}'s context window; starting "
                    f"over with {len(dropped)} file(s) of context left out "
                    f"({', '.join(dropped[:5])}{', ...' if len(dropped) > 5 else ''}) and "
                    f"the {len(workset.files)} file(s) written so far kept"
                )
                continue
            except Cancelled:
                raise
            except ProviderFailure as failure:
                if workset.files:
                    raise Interrupted(failure, _partial(request, workset, failure)) from None
                raise
            break
        notes = _notes(request)
        notes.update({n.path: n for n in finish.files})
        only = workset.touched if request.rework is not None else None  # the rest: as it was
        proposal = Proposal(
            summary=finish.summary,
            changes=workset.changes(notes, only),
            questions=finish.questions,
            assumptions=finish.assumptions,
        )
        yield ProposalReady(proposal, conversation.to_json())

    def _conversation(
        self,
        opening: Opening,
        stored: Conversation | None,
        request: ProposalRequest,
        workset: WorkingSet,
    ) -> Conversation:
        """Go on with the stored conversation when it was made under this same opening;
        else start one, telling the model what this phase has written already."""
        asked = ""
        if request.revision is not None:
            asked = revision_text(request.revision)
        elif request.rework is not None:
            asked = rework_text(request.rework)
        fingerprint = opening.fingerprint()
        if (
            stored is not None
            and stored.fingerprint == fingerprint
            and stored.model == self.model
            and stored.owed
        ):
            stored.say([text_block(asked or "Go on.")])
            return stored
        blocks = list(opening.first)
        done = done_text(workset.files, workset.on_branch)
        blocks += [text_block(t) for t in (done, asked) if t]
        return Conversation(fingerprint, self.model, [{"role": "user", "content": blocks}])

    def _shrink(self, budget: int, used: int, full: ProviderFailure, opening: Opening) -> int:
        """A smaller context budget to start over with; the failure itself when the
        repository context is too small for shrinking it to help."""
        smaller = min(budget, used) // 2
        if smaller < MIN_CONTEXT_TOKENS:
            failure = self._explain(full, opening)
            if not isinstance(failure, errors.PromptTooLong):
                failure = errors.PromptTooLong(failure.message)
                failure = self._explain(failure, opening)
            raise failure
        return smaller

    # -------------------------------------------------------------------- calls
    def _params(
        self, opening: Opening, messages: list[dict[str, Any]], kind: str, spent: Usage
    ) -> dict[str, Any]:
        body = {"system": opening.system, "tools": opening.tools, "messages": messages}
        effort = getattr(self.settings.effort, kind)
        limit = self._max_tokens(spent, body)
        return {"model": self.model, **settings_for(self.model, effort, limit), **body}

    def _ask(
        self,
        params: dict[str, Any],
        response: Response,
        request: ProposalRequest,
        spent: list[Usage],
        opening: Opening,
    ) -> Iterator[Event]:
        """One streamed call of the loop, its usage reported even when it fails."""
        _check(request.cancel)
        try:
            yield from self._call(params, request.phase.id, request.cancel, response)
        except ProviderFailure as failure:
            if response.started:
                usage = self._usage(response)
                spent[0] = spent[0] + usage
                yield UsageReport(usage)
            raise self._explain(failure, opening) from None
        usage = self._usage(response)
        spent[0] = spent[0] + usage
        yield UsageReport(usage)

    def _call(
        self, params: dict[str, Any], label: str, cancel: threading.Event, response: Response
    ) -> Iterator[Event]:
        events = self._transport.events(params, phase=label, cancel=cancel)
        with contextlib.closing(events):
            for event in events:
                _check(cancel)
                if event.get("type") == "error":
                    raise errors.from_status(0, event, model=self.model, retries=0)
                yield from response.feed(event)
        _check(cancel)
        if not response.complete:
            raise errors.StreamBroken("the stream ended early")

    def draft_brief(self, intent: Intent, cancel: threading.Event | None = None) -> BriefDraft:
        """A brief through `submit_brief` (auto tool choice, one repair turn); the draft
        carries the calls' usage."""
        return draft(self, intent, cancel or threading.Event())

    def change_brief(
        self, brief: Brief, sentence: str, cancel: threading.Event | None = None
    ) -> BriefDraft:
        """The brief changed as a sentence says, reviewed like a draft before evolving."""
        return drafting.change(self, brief, sentence, cancel or threading.Event())

    def call_once(
        self, params: dict[str, Any], label: str, cancel: threading.Event
    ) -> Generator[Event, None, Response]:
        """One call outside the loop (drafting): its response, usage reported."""
        response = Response()
        try:
            yield from self._call(params, label, cancel, response)
        except ProviderFailure:
            if response.started:
                yield UsageReport(self._usage(response))
            raise
        yield UsageReport(self._usage(response))
        return response

    # ------------------------------------------------------------------- limits
    def _max_tokens(self, spent: Usage, body: dict[str, Any]) -> int:
        """The answer's token limit, lowered so the call cannot pass --max-cost; a stop
        before the call when not even a useful answer fits."""
        limit = self.settings.max_cost_usd
        if limit is None or self._free:
            return self.settings.answer_limit
        if self._price is None:
            raise BudgetReached(
                f"--max-cost needs the price of {self.model}, and the pricing table has none",
                hint="pass a --model from the table (e.g. claude-sonnet-5-5), or drop --max-cost",
            )
        if spent.cost_usd is None:
            raise BudgetReached(
                "the build's cost so far is unknown (a call used a model without a price), "
                "so --max-cost cannot be kept",
                hint="drop --max-cost for this build",
            )
        tokens = int(len(json.dumps(body)) / BUDGET_CHARS_PER_TOKEN) + 1
        rates = self._price.rates(tokens)
        prompt_cost = tokens * max(rates.input, rates.cache_write_5m, rates.cache_write_1h)
        prompt_cost /= 1_000_000
        left = limit - spent.cost_usd - prompt_cost
        room = int(left * 1_000_000 / rates.output) if left > 0 else 0
        if room < MIN_OUTPUT_TOKENS:
            worst = prompt_cost + MIN_OUTPUT_TOKENS * rates.output / 1_000_000
            raise BudgetReached(
                f"stopped before calling the model: the build has spent "
                f"${spent.cost_usd:.4f} of its ${limit:g} limit, and the next call could cost "
                f"up to ${worst:.4f}",
                hint="raise --max-cost (or max_cost_usd under [anthropic] in config.toml), "
                "then continue with `backend-agent resume`",
            )
        return min(self.settings.answer_limit, room)

    def _usage(self, response: Response) -> Usage:
        counts = response.token_counts()
        unknown = counts.pop("cache_write_unknown")
        key = "cache_write_1h" if self.settings.cache_ttl == "1h" else "cache_write_5m"
        counts[key] += unknown
        usage = usage_of(self._price, **counts)
        return usage.model_copy(update={"cost_usd": 0.0}) if self._free else usage

    def _explain(self, failure: ProviderFailure, opening: Opening) -> ProviderFailure:
        if isinstance(failure, errors.PromptTooLong):
            parts = sorted(opening.sizes.items(), key=lambda kv: -kv[1])
            listing = ", ".join(f"{name} ~{tokens:,}" for name, tokens in parts)
            failure.hint = (
                f"the prompt's parts (estimated tokens): {listing}. Lower context_tokens under "
                f"[anthropic] in config.toml (now {self.settings.context_tokens:,}), or turn "
                "skills off for this build"
            )
        elif isinstance(failure, errors.StreamBroken):
            return errors.cut_off()
        return failure


def _kind(request: ProposalRequest) -> str:
    if request.revision is not None:
        return "fix" if request.revision.kind == "fix" else "revise"
    return "revise" if request.rework is not None else "phase"


def _start(request: ProposalRequest) -> dict[str, str | None]:
    """What the working set starts from: a revision's proposal as it would be committed
    (the person's edits in), a rework's files without their rejected hunks, else nothing."""
    if request.rework is not None:
        return {f.path: f.current for f in request.rework.files}
    if request.revision is None:
        return {}
    start: dict[str, str | None] = {}
    for change in request.revision.previous.changes:
        review = request.revision.reviews.get(change.path)
        if change.action == "delete":
            start[change.path] = None
        else:
            start[change.path] = review.content(change) if review else change.content
    return start


def _notes(request: ProposalRequest) -> dict[str, FileNote]:
    """Kinds and reasons of the files an earlier round described."""
    previous = (
        request.revision.previous
        if request.revision
        else request.rework.previous
        if request.rework
        else None
    )
    if previous is None:
        return {}
    return {c.path: FileNote(path=c.path, kind=c.kind, why=c.why) for c in previous.changes}


def _partial(request: ProposalRequest, workset: WorkingSet, failure: ProviderFailure) -> Proposal:
    """What the model wrote before the failure, as a proposal that says so."""
    previous = request.revision.previous if request.revision else None
    note = (
        f"## Stopped before the model finished\n\n{failure.message}\n\nThe files are what it "
        "wrote until then: review them, or revise with feedback to let it go on.\n"
    )
    return Proposal(
        summary=note + ("\n" + previous.summary if previous else ""),
        changes=workset.changes(
            _notes(request), workset.touched if request.rework is not None else None
        ),
        questions=previous.questions if previous else [],
        assumptions=previous.assumptions if previous else [],
    )


def _check(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise cancelled()
