"""Proposers: the offline generator, Anthropic's API, and replay of a recorded build."""

from __future__ import annotations

import os

from ..core.errors import BadInput
from .base import Provider

PROVIDERS = ("offline", "anthropic", "replay")


def default_provider_name() -> str:
    """`anthropic` when a key is set, else the offline generator."""
    return "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


def create_provider(name: str | None, model: str | None = None, **options: object) -> Provider:
    """Build a provider by name; imports are lazy so the UI starts without the SDK."""
    name = name or default_provider_name()
    if name == "offline":
        from .offline import OfflineProvider

        return OfflineProvider()
    if name in ("anthropic", "replay"):
        raise BadInput(
            f"the {name} provider is not available in this version yet",
            hint="use --provider offline",
        )
    raise BadInput(f"unknown provider {name!r}", hint=f"choose one of {', '.join(PROVIDERS)}")
