"""`AnthropicProvider`: a phase's proposal from Claude, streamed, validated and costed.

One `propose` is one or two calls: the proposal, and — if what came back does not fit the
schema — one repair turn that shows the model its validation errors. Usage is reported
after every call, so the build's cost is right even when a call fails half-way.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any

from ...core.errors import ProviderFailure
from ...core.events import Event, Progress, ProposalReady, UsageReport
from ...core.usage import Usage
from ...skills import load_skills
from ..base import ProposalRequest, Provider
from . import errors
from .client import Transport
from .config import AnthropicSettings
from .context import gather
from .pricing import Price, price_of, usage_of
from .prompt import Prompt, build_prompt, merge_revision, repair_turns
from .schema import TOOL_NAME, InvalidProposal, parse_proposal
from .stream import Response

BUDGET_CHARS_PER_TOKEN = 3.0
"""Fewer characters per token than the context estimate: a spending limit must not
underestimate a call."""
MIN_OUTPUT_TOKENS = 8_192
"""Below this much room for the answer, a phase cannot fit: stop instead of paying for a
proposal that would be cut off."""


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

    # ------------------------------------------------------------------ propose
    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        request.check_cancelled()
        yield Progress("reading the skills and the repository")
        skills = load_skills(request.repo_root)
        context = gather(request.branch, request.phase, request.build, self.settings.context_tokens)
        prompt = build_prompt(request, skills, context, self.settings.cache_ttl)
        messages = prompt.messages
        spent = Usage()
        for attempt in (1, 2):
            request.check_cancelled()
            params = {"model": self.model, "max_tokens": 0, **prompt.body(messages)}
            params["max_tokens"] = self._max_tokens(request.spent + spent, params)
            yield Progress(
                f"asking {self.model}" if attempt == 1 else f"asking {self.model} to correct it"
            )
            response = Response()
            try:
                yield from self._call(params, request, response)
            except ProviderFailure as failure:
                if response.started:
                    yield UsageReport(self._usage(response))
                raise self._explain(failure, response, prompt) from None
            usage = self._usage(response)
            spent = spent + usage
            yield UsageReport(usage)
            self._refuse_incomplete(response, params["max_tokens"])
            try:
                proposal = parse_proposal(_tool_input(response))
            except InvalidProposal as invalid:
                if attempt == 2:
                    raise ProviderFailure(
                        f"the model's proposal for phase {request.phase.number} was invalid "
                        f"twice; the last problems: {'; '.join(invalid.problems[:5])}",
                        hint="generate the phase again, or revise with feedback",
                    ) from None
                yield Progress(
                    f"the proposal had {len(invalid.problems)} problem(s); asking for a fix"
                )
                messages = messages + repair_turns(response, invalid.problems)
                continue
            yield ProposalReady(merge_revision(proposal, request.revision))
            return

    def _call(
        self, params: dict[str, Any], request: ProposalRequest, response: Response
    ) -> Iterator[Event]:
        events = self._transport.events(params, phase=request.phase.id, cancel=request.cancel)
        with contextlib.closing(events):
            for event in events:
                request.check_cancelled()
                if event.get("type") == "error":
                    raise errors.from_status(0, event, model=self.model, retries=0)
                yield from response.feed(event)
        request.check_cancelled()
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
            in_tool = any(c.name == TOOL_NAME for c in response.tool_calls())
            return errors.cut_off(response.files, in_tool)
        return failure


def _tool_input(response: Response) -> Any:
    calls = [c for c in response.tool_calls() if c.name == TOOL_NAME]
    if not calls:
        raise InvalidProposal(
            [f"the answer ended without calling `{TOOL_NAME}`, so there is no proposal"]
        )
    try:
        return calls[-1].parsed()
    except ValueError as error:
        raise InvalidProposal([f"the tool input is not valid JSON: {error}"]) from None
