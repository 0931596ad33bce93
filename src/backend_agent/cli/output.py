"""What the command line tells a person: progress on stderr, errors with a hint, usage."""

from __future__ import annotations

import sys

from ..core.errors import BackendAgentError


def say(message: str) -> None:
    """Human progress: always stderr, so stdout stays clean for --json."""
    print(message, file=sys.stderr, flush=True)


class Reported(Exception):
    """An error already printed as JSON; only its exit code is left to give."""

    def __init__(self, error: BackendAgentError) -> None:
        self.error = error


def error_doc(error: BackendAgentError) -> dict:
    return {"message": error.message, "hint": error.hint, "exit_code": error.exit_code}


def say_usage(usage) -> None:
    if usage.total_input or usage.output_tokens:
        cost = "unknown (no price for the model)"
        if usage.cost_usd is not None:
            cost = f"${usage.cost_usd:.4f}"
        say(
            f"tokens: {usage.total_input:,} in ({usage.cache_read_tokens:,} read from the cache), "
            f"{usage.output_tokens:,} out; cost {cost}"
        )
