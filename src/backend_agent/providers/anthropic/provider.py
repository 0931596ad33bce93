"""`AnthropicProvider`: a phase's proposal from Claude, streamed, validated and costed.

One `propose` (or `draft_brief`) is one or two calls: the answer, and — if what came back
does not fit the schema — one repair turn that shows the model its validation errors. Usage is reported
after every call, so the build's cost is right even when a call fails half-way.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypeVar

from ...core.brief import Brief
from ...core.errors import ProviderFailure
from ...core.events import Event, Progress, ProposalReady, UsageReport
from ...core.intent import BriefDraft, Intent
from ...core.usage import Usage
from ...skills import load_skills
from ..base import ProposalRequest, Provider
from . import errors
from .client import Transport, cancelled
from .config import AnthropicSettings
from .context import gather
from .drafting import (
    BRIEF_TOOL,
    build_change_prompt,
    build_draft_prompt,
    parse_change,
    parse_draft,
)
from .pricing import Price, price_of, usage_of
from .prompt import Prompt, build_prompt, merge_revision, repair_turns
from .schema import TOOL_NAME, InvalidProposal, parse_proposal
from .stream import Response

T = TypeVar("T")

BUDGET_CHARS_PER_TOKEN = 3.0
"""Fewer characters per token than the context estimate: a spending limit must not
underestimate a call."""
MIN_OUTPUT_TOKENS = 8_192
"""Below this much room for the answer, a phase cannot fit: stop instead of paying for a
proposal that would be cut off."""
DRAFT_MAX_TOKENS = 16_000
"""A brief is a few kilobytes: a longer answer is a model going astray."""
DRAFT_LABEL = "brief"
"""What a drafting call is filed under in a recording (phases are filed by id)."""


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
        context = gather(request.branch, request.phase, request.build, self.settings.context_tokens)
        prompt = build_prompt(request, skills, context, self.settings.cache_ttl)
        proposal = yield from self._ask(
            prompt,
            lambda response: parse_proposal(_tool_input(response, TOOL_NAME)),
            label=request.phase.id,
            cancel=request.cancel,
            spent=request.spent,
            invalid=f"the model's proposal for phase {request.phase.number} was invalid twice",
            hint="generate the phase again, or revise with feedback",
        )
        yield ProposalReady(merge_revision(proposal, request.revision))

    def draft_brief(self, intent: Intent, cancel: threading.Event | None = None) -> BriefDraft:
        """One call through `submit_brief` (and one repair turn if the brief is invalid);
        the draft carries the call's usage."""
        return self._brief(
            build_draft_prompt(intent),
            lambda response: parse_draft(_tool_input(response, BRIEF_TOOL), intent),
            cancel,
            "try again, perhaps with a more specific sentence; or draft offline "
            "(--provider offline) and add the entities yourself",
        )

    def change_brief(
        self, brief: Brief, sentence: str, cancel: threading.Event | None = None
    ) -> BriefDraft:
        """The brief changed as a sentence says, through `submit_brief` like a draft; a
        change an evolution cannot follow goes back to the model once (core/brief_diff)."""
        return self._brief(
            build_change_prompt(brief, sentence),
            lambda response: parse_change(_tool_input(response, BRIEF_TOOL), brief, sentence),
            cancel,
            "say the change more precisely, or edit the brief yourself and `backend-agent "
            "evolve --brief FILE`",
        )

    def _brief(self, prompt: Prompt, parse, cancel: threading.Event | None, hint: str):
        usage = Usage()
        steps = self._ask(
            prompt,
            parse,
            label=DRAFT_LABEL,
            cancel=cancel or threading.Event(),
            spent=Usage(),
            invalid="the model's brief draft was invalid twice",
            hint=hint,
            max_tokens=DRAFT_MAX_TOKENS,
        )
        while True:
            try:
                event = next(steps)
            except StopIteration as done:
                draft: BriefDraft = done.value
                draft.usage = usage
                return draft
            if isinstance(event, UsageReport):
                usage = usage + event.usage

    def _ask(
        self,
        prompt: Prompt,
        parse: Callable[[Response], T],
        *,
        label: str,
        cancel: threading.Event,
        spent: Usage,
        invalid: str,
        hint: str,
        max_tokens: int | None = None,
    ) -> Generator[Event, None, T]:
        """Call the model and parse its tool input; if that fails, show the model what
        was wrong once. Usage is reported after every call, even a failed one."""
        messages = prompt.messages
        used = Usage()
        for attempt in (1, 2):
            _check(cancel)
            params = {"model": self.model, "max_tokens": 0, **prompt.body(messages)}
            params["max_tokens"] = self._max_tokens(spent + used, params)
            if max_tokens is not None:
                params["max_tokens"] = min(params["max_tokens"], max_tokens)
            yield Progress(
                f"asking {self.model}" if attempt == 1 else f"asking {self.model} to correct it"
            )
            response = Response()
            try:
                yield from self._call(params, label, cancel, response)
            except ProviderFailure as failure:
                if response.started:
                    yield UsageReport(self._usage(response))
                raise self._explain(failure, response, prompt) from None
            usage = self._usage(response)
            used = used + usage
            yield UsageReport(usage)
            self._refuse_incomplete(response, params["max_tokens"])
            try:
                return parse(response)
            except InvalidProposal as wrong:
                if attempt == 2:
                    raise ProviderFailure(
                        f"{invalid}; the last problems: {'; '.join(wrong.problems[:5])}",
                        hint=hint,
                    ) from None
                yield Progress(f"the answer had {len(wrong.problems)} problem(s); asking for a fix")
                messages = messages + repair_turns(response, wrong.problems, prompt)
        raise AssertionError("unreachable: the second attempt returns or raises")

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

    # ------------------------------------------------------------------- checks
    def _refuse_incomplete(self, response: Response, max_tokens: int) -> None:
        if response.stop_reason == "max_tokens":
            limited = max_tokens < self.settings.max_tokens
            why = (
                f"the most the remaining budget (--max-cost {self.settings.max_cost_usd:g}) allows"
                if limited
                else "the max_tokens setting"
            )
            raise ProviderFailure(
                f"the proposal was cut off at {max_tokens:,} output tokens, {why}",
                hint="raise --max-cost"
                if limited
                else "raise max_tokens under [anthropic] in config.toml (up to 128000), or "
                "revise with feedback asking for fewer or smaller files",
            )
        if response.stop_reason == "refusal":
            raise ProviderFailure(
                "the model declined to write this proposal (stop reason: refusal)",
                hint="rephrase the brief or the feedback, then generate again",
            )

    def _max_tokens(self, spent: Usage, params: dict[str, Any]) -> int:
        """The answer's token limit, lowered so the call cannot pass --max-cost; a stop
        before the call when not even a phase's worth of answer fits."""
        limit = self.settings.max_cost_usd
        if limit is None or self._free:
            return self.settings.max_tokens
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
        sent = {k: params[k] for k in ("system", "tools", "messages")}
        tokens = int(len(json.dumps(sent)) / BUDGET_CHARS_PER_TOKEN) + 1
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
        return min(self.settings.max_tokens, room)

    def _usage(self, response: Response) -> Usage:
        counts = response.token_counts()
        unknown = counts.pop("cache_write_unknown")
        key = "cache_write_1h" if self.settings.cache_ttl == "1h" else "cache_write_5m"
        counts[key] += unknown
        usage = usage_of(self._price, **counts)
        return usage.model_copy(update={"cost_usd": 0.0}) if self._free else usage

    def _explain(
        self, failure: ProviderFailure, response: Response, prompt: Prompt
    ) -> ProviderFailure:
        if isinstance(failure, errors.PromptTooLong):
            parts = sorted(prompt.sizes.items(), key=lambda kv: -kv[1])
            listing = ", ".join(f"{name} ~{tokens:,}" for name, tokens in parts)
            failure.hint = (
                f"the prompt's parts (estimated tokens): {listing}. Lower context_tokens under "
                f"[anthropic] in config.toml (now {self.settings.context_tokens:,}), or turn "
                "skills off for this build"
            )
        elif isinstance(failure, errors.StreamBroken):
            in_tool = any(c.name == prompt.tool_name for c in response.tool_calls())
            return errors.cut_off(response.files, in_tool)
        return failure


def _check(cancel: threading.Event) -> None:
    if cancel.is_set():
        raise cancelled()


def _tool_input(response: Response, name: str) -> Any:
    calls = [c for c in response.tool_calls() if c.name == name]
    if not calls:
        raise InvalidProposal([f"the answer ended without calling `{name}`, so there is no answer"])
    try:
        return calls[-1].parsed()
    except ValueError as error:
        raise InvalidProposal([f"the tool input is not valid JSON: {error}"]) from None
