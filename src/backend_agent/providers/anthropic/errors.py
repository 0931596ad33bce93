"""Every way a call to the API can fail, as a message a person can act on.

Each failure is a `ProviderFailure` (exit 3 headless, a modal in the wizard); the engine
keeps the build as it was, so the person can fix the cause and generate again.
"""

from __future__ import annotations

from typing import Any

from ...core.errors import ProviderFailure

RETRY_LATER = (
    "nothing was lost: generate the phase again (headless: `backend-agent resume --approve all`)"
)


class ApiFailure(ProviderFailure):
    """The API answered with an error; `status` is 0 for an error inside a stream."""

    def __init__(
        self, message: str, *, hint: str | None = None, status: int = 0, kind: str = ""
    ) -> None:
        super().__init__(message, hint=hint)
        self.status = status
        self.kind = kind


class PromptTooLong(ApiFailure):
    """The prompt passed the model's context window; the provider adds what to cut."""


class StreamBroken(ProviderFailure):
    """The connection ended before the response was complete."""


def _api_message(body: Any) -> tuple[str, str]:
    """(error type, message) from an API error body."""
    if isinstance(body, dict):
        error = body.get("error") if isinstance(body.get("error"), dict) else body
        return str(error.get("type") or ""), str(error.get("message") or "")
    return "", str(body or "")


def from_status(
    status: int, body: Any, *, model: str, retries: int, retry_after: str | None = None
) -> ApiFailure:
    """The failure for an HTTP error status (status 0: an `error` event mid-stream)."""
    kind, text = _api_message(body)
    said = " " + ": ".join(filter(None, [kind, text])) if kind or text else ""
    tried = f" after {retries + 1} attempts" if retries else ""

    def fail(
        message: str, hint: str | None = None, cls: type[ApiFailure] = ApiFailure
    ) -> ApiFailure:
        return cls(message, hint=hint, status=status, kind=kind)

    if status == 401:
        return fail(
            f"the Anthropic API refused the key (401{said})",
            hint="check ANTHROPIC_API_KEY (keys are made at console.anthropic.com), "
            "or use --provider offline",
        )
    if status == 403:
        return fail(
            f"this API key may not do that (403{said})",
            hint="the key's workspace may lack access to the model; try another --model or key",
        )
    if status == 404:
        return fail(
            f"the model {model!r} was not found (404{said})",
            hint="pass --model with a model your key can use, e.g. claude-sonnet-5-5",
        )
    if status == 400 and "too long" in text.lower():
        return fail(f"the prompt is too long for {model} (400{said})", cls=PromptTooLong)
    if status == 400 and "max_tokens" in text:
        return fail(
            f"{model} does not accept that answer length (400{said})",
            hint="lower max_tokens under [anthropic] in config.toml to the model's limit",
        )
    if status == 413:
        return fail(f"the request is larger than the API accepts (413{said})", cls=PromptTooLong)
    if status == 429 or kind == "rate_limit_error":
        wait = f"; the API asks to wait {retry_after} s" if retry_after else ""
        return fail(
            f"rate limited by the Anthropic API{tried} (429{said}){wait}",
            hint=f"wait a minute, then {RETRY_LATER}",
        )
    if status == 529 or kind == "overloaded_error":
        where = " during the response" if status == 0 else tried
        return fail(
            f"the Anthropic API is overloaded{where} ({status or 'stream error'}{said})",
            hint=f"try again in a few minutes: {RETRY_LATER}",
        )
    if status == 402 or kind == "billing_error":
        return fail(
            f"the API refused the request for billing reasons ({status}{said})",
            hint="check the plan and credit of the key's organisation at console.anthropic.com",
        )
    if status == 0:
        return fail(
            f"the API sent an error in the middle of the response ({kind or 'error'}: {text})",
            hint=RETRY_LATER,
        )
    if status >= 500:
        return fail(
            f"the Anthropic API failed{tried} ({status}{said})",
            hint=f"this is on Anthropic's side; {RETRY_LATER}",
        )
    return fail(
        f"the Anthropic API refused the request ({status}{said})",
        hint="this is likely a bug in backend-agent's request; please report it",
    )


def unreachable(base_url: str, cause: str) -> ProviderFailure:
    return ProviderFailure(
        f"cannot reach the Anthropic API at {base_url} ({cause})",
        hint="check the network connection (and ANTHROPIC_BASE_URL if you set it); " + RETRY_LATER,
    )


def timed_out(seconds: float) -> ProviderFailure:
    return ProviderFailure(
        f"the Anthropic API did not answer within {seconds:g} s",
        hint="raise `timeout_s` under [anthropic] in config.toml, or try again later; "
        + RETRY_LATER,
    )


def cut_off() -> StreamBroken:
    return StreamBroken(
        "the connection to the Anthropic API ended in the middle of an answer; that answer "
        "was not used",
        hint=RETRY_LATER,
    )
