"""What each model refuses, the way the API refuses it: a 400 `invalid_request_error` with
the message the API sends. Written from Anthropic's migration guides (Sonnet 5.5, Opus 5.5,
Claude 4.6+), independently of the provider's own table, so a test fails when a request
would fail for real.

- Claude Sonnet 5.5, Opus 5.5, Fable 5.1: no forced tool choice (`any`, `tool`).
- Every 5.x model, Opus 4.7 and 4.8: no thinking budgets (`enabled` + `budget_tokens`),
  no sampling parameters (temperature, top_p, top_k).
- Sonnet 5.5, Opus 5, Opus 5.5, Fable 5.1: no `thinking: disabled` (Sonnet 5.5 offers
  `between_tools` instead, at effort high or below).
- Claude 4.6 and later: no assistant prefill (the last message must be the user's).
- Every model: at most its own max output tokens; effort and display values it knows.
"""

from __future__ import annotations

import re
from typing import Any

from .anthropic_protocol import BadRequest

MAX_OUTPUT = {
    "claude-sonnet-5-5": 128_000,
    "claude-opus-5-5": 128_000,
    "claude-haiku-5-5": 128_000,
    "claude-opus-5": 128_000,
    "claude-sonnet-5": 64_000,
    "claude-fable-5-1": 128_000,
    "claude-mythos-5-1": 128_000,
    "claude-fable-5": 128_000,
    "claude-mythos-5": 128_000,
    "claude-opus-4-8": 128_000,
    "claude-opus-4-7": 128_000,
    "claude-opus-4-6": 128_000,
    "claude-sonnet-4-6": 64_000,
    "claude-opus-4-5": 64_000,
    "claude-sonnet-4-5": 64_000,
    "claude-haiku-4-5": 64_000,
}
NO_FORCED_TOOLS = {"claude-sonnet-5-5", "claude-opus-5-5", "claude-fable-5-1", "claude-mythos-5-1"}
NO_DISABLED_THINKING = {
    "claude-sonnet-5-5",
    "claude-opus-5",
    "claude-opus-5-5",
    "claude-fable-5-1",
    "claude-mythos-5-1",
}
BETWEEN_TOOLS = {"claude-sonnet-5-5"}
NO_EFFORT = {"claude-sonnet-4-5", "claude-haiku-4-5"}
EFFORTS = {"low", "medium", "high", "xhigh", "max"}
_FIVE = re.compile(r"^claude-(sonnet|opus|haiku|fable|mythos)-5(-\d+)?$")


def _five(model: str) -> bool:
    return bool(_FIVE.match(model))


def _strict_sampling(model: str) -> bool:
    return _five(model) or model in ("claude-opus-4-7", "claude-opus-4-8")


def _no_prefill(model: str) -> bool:
    return _five(model) or model in (
        "claude-opus-4-6",
        "claude-sonnet-4-6",
        "claude-opus-4-7",
        "claude-opus-4-8",
    )


def _bad(message: str) -> BadRequest:
    return BadRequest(400, "invalid_request_error", message)


def check_model_settings(body: dict[str, Any]) -> None:
    model = body["model"]
    limit = MAX_OUTPUT.get(model)
    if limit is not None and body["max_tokens"] > limit:
        raise _bad(
            f"max_tokens: {body['max_tokens']} > {limit}, which is the maximum allowed number "
            f"of output tokens for {model}"
        )
    choice = body.get("tool_choice")
    if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
        if model in NO_FORCED_TOOLS:
            raise _bad("Thinking may not be enabled when tool_choice forces tool use.")
    for name in ("temperature", "top_p", "top_k"):
        if name in body and _strict_sampling(model):
            raise _bad(
                f"`{name}` is not supported for this model. Use `output_config.effort` to "
                "control how the model responds."
            )
    thinking = body.get("thinking")
    effort = (body.get("output_config") or {}).get("effort")
    if effort is not None and (effort not in EFFORTS or model in NO_EFFORT):
        raise _bad(
            f"output_config.effort: {effort!r} is not supported for this model"
            if model in NO_EFFORT
            else "output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'"
        )
    if thinking is not None:
        _check_thinking(model, thinking, effort)
    messages = body["messages"]
    if messages and messages[-1].get("role") == "assistant" and _no_prefill(model):
        raise _bad(
            "This model does not support assistant message prefill. The conversation must "
            "end with a user message."
        )


def _check_thinking(model: str, thinking: Any, effort: str | None) -> None:
    kind = thinking.get("type") if isinstance(thinking, dict) else None
    if kind == "enabled" and (_five(model) or model in ("claude-opus-4-7", "claude-opus-4-8")):
        raise _bad(
            '"thinking.type.enabled" is not supported for this model. Use '
            '"thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'
        )
    if kind == "disabled" and model in NO_DISABLED_THINKING:
        instead = (
            '"thinking.type.between_tools"'
            if model in BETWEEN_TOOLS
            else '"thinking.type.adaptive" and "output_config.effort"'
        )
        raise _bad(
            f'"thinking.type.disabled" is not supported for this model. Use {instead} to '
            "control thinking behavior."
        )
    if kind == "between_tools":
        if model not in BETWEEN_TOOLS:
            raise _bad('"thinking.type.between_tools" is not supported for this model.')
        if effort in ("xhigh", "max"):
            raise _bad(
                '"thinking.type.between_tools" cannot be used with output_config.effort '
                f"{effort!r}; use effort high or below, or adaptive thinking."
            )
    if kind not in ("enabled", "disabled", "adaptive", "between_tools"):
        raise _bad(
            "thinking.type: Input tag does not match any of the expected tags: 'enabled', "
            "'disabled', 'adaptive', 'between_tools'"
        )
    display = thinking.get("display")
    if display is not None and display not in ("summarized", "omitted"):
        raise _bad("thinking.display: Input should be 'summarized' or 'omitted'")
