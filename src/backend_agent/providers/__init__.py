"""Proposers: the offline generator, Anthropic's API, and replay of a recorded build."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.errors import BadInput
from .base import Provider

PROVIDERS = ("offline", "anthropic", "replay")


def default_provider_name() -> str:
    """`anthropic` when a key is set, else the offline generator."""
    return "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


def create_provider(name: str | None, model: str | None = None, **options: object) -> Provider:
    """Build a provider by name; imports are lazy so the UI starts without the SDK.

    Options: `record` (the file --record writes, or replay reads), `record_append`, and
    the Anthropic settings (`max_cost_usd`, `context_tokens`, `timeout_s`, ...)."""
    name = name or default_provider_name()
    if name == "offline":
        if options.get("record"):
            raise BadInput(
                "--record writes down API calls, and the offline provider makes none",
                hint="record with --provider anthropic; replay with --provider replay",
            )
        from .offline import OfflineProvider

        return OfflineProvider()
    if name == "anthropic":
        from .anthropic import create

        return create(model, **options)
    if name == "replay":
        from .replay import ReplayProvider

        record = options.get("record")
        return ReplayProvider.from_file(record if isinstance(record, str | Path) else None, model)
    raise BadInput(f"unknown provider {name!r}", hint=f"choose one of {', '.join(PROVIDERS)}")
