"""What each Claude model accepts, and the request settings we send it.

Claude 5.x models answer 400 to forced tool choice, thinking budgets, `thinking: disabled`,
sampling parameters and assistant prefill, so none of those is ever sent: `tool_choice` is
left out (auto), thinking is adaptive, and how hard the model works is `output_config.effort`,
set per kind of call from the config. Older models that predate adaptive thinking or effort
get neither field. `docs/anthropic-requests.md` lists the result per model; a test keeps it
true.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Thinking = Literal["summarized", "adaptive", "none"]
"""summarized: adaptive, with the summaries returned (5.x models omit them by default, and
the notes between tool calls arrive in thinking blocks); adaptive: adaptive with the
model's own display; none: the model has no adaptive thinking, so the field is left out."""

Effort = Literal["low", "medium", "high", "xhigh", "max"]
EFFORTS: tuple[Effort, ...] = ("low", "medium", "high", "xhigh", "max")
CALL_KINDS = ("draft", "phase", "revise", "fix")
"""Kinds of call, each with its own effort: drafting a brief, a phase, a revision (feedback
or hunk rework), a fix round after failed checks."""


@dataclass(frozen=True)
class ModelSpec:
    context_window: int
    max_output: int
    thinking: Thinking
    efforts: tuple[Effort, ...]
    """Effort levels the model accepts; empty: it takes no `output_config.effort`."""


_FIVE = ModelSpec(1_000_000, 128_000, "summarized", EFFORTS)
_LEGACY_ADAPTIVE = ModelSpec(1_000_000, 128_000, "summarized", EFFORTS)

MODELS: dict[str, ModelSpec] = {
    "claude-sonnet-5-5": _FIVE,
    "claude-opus-5-5": _FIVE,
    "claude-haiku-5-5": _FIVE,
    "claude-fable-5-1": _FIVE,
    "claude-mythos-5-1": _FIVE,
    "claude-fable-5": _FIVE,
    "claude-mythos-5": _FIVE,
    "claude-opus-5": _FIVE,
    "claude-sonnet-5": ModelSpec(1_000_000, 64_000, "summarized", EFFORTS),
    "claude-opus-4-8": _LEGACY_ADAPTIVE,
    "claude-opus-4-7": _LEGACY_ADAPTIVE,
    "claude-opus-4-6": ModelSpec(1_000_000, 128_000, "adaptive", ("low", "medium", "high", "max")),
    "claude-sonnet-4-6": ModelSpec(1_000_000, 64_000, "adaptive", ("low", "medium", "high", "max")),
    "claude-opus-4-5": ModelSpec(200_000, 64_000, "none", ("low", "medium", "high")),
    "claude-sonnet-4-5": ModelSpec(200_000, 64_000, "none", ()),
    "claude-haiku-4-5": ModelSpec(200_000, 64_000, "none", ()),
}
ALIASES = {
    "claude-opus-4-5-20251101": "claude-opus-4-5",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
}
UNKNOWN = ModelSpec(200_000, 32_000, "none", ())
"""A model this table does not know: nothing optional is sent, so nothing can be refused."""


def spec_of(model: str) -> ModelSpec:
    return MODELS.get(ALIASES.get(model, model), UNKNOWN)


def known(model: str) -> bool:
    return ALIASES.get(model, model) in MODELS


def settings_for(model: str, effort: Effort | None, max_tokens: int) -> dict[str, Any]:
    """The request fields beyond model, system, tools and messages: the answer's token
    limit, thinking and effort, as this model accepts them. No tool_choice (auto), no
    temperature, top_p or top_k, ever."""
    spec = spec_of(model)
    fields: dict[str, Any] = {"max_tokens": max_tokens}
    if spec.thinking == "summarized":
        fields["thinking"] = {"type": "adaptive", "display": "summarized"}
    elif spec.thinking == "adaptive":
        fields["thinking"] = {"type": "adaptive"}
    if effort is not None and spec.efforts:
        fields["output_config"] = {"effort": _nearest(effort, spec.efforts)}
    return fields


def _nearest(effort: Effort, accepted: tuple[Effort, ...]) -> Effort:
    """The asked level, or the highest accepted one below it."""
    if effort in accepted:
        return effort
    below = [e for e in EFFORTS[: EFFORTS.index(effort)] if e in accepted]
    return below[-1] if below else accepted[0]
