"""Proposers: the offline generator, Anthropic's API, and replay of a recorded build."""

from __future__ import annotations

import os
from pathlib import Path

from ..core.brief import Brief
from ..core.errors import BadInput
from ..workspace.paths import Limits
from .base import Provider

PROVIDERS = ("offline", "anthropic", "replay")


def default_provider_name() -> str:
    """`anthropic` when a key is set, else the offline generator."""
    return "anthropic" if os.environ.get("ANTHROPIC_API_KEY") else "offline"


def check_brief(
    name: str | None, brief: Brief, source: str, limits: Limits | None = None
) -> list[str]:
    """What provider `name` (None: the default) makes of a brief before a build starts:
    BadInput when it cannot build it, else notes worth reading. `brief check` and `build`
    both ask, so a brief that checks as valid does not fail once a build has begun."""
    name = name or default_provider_name()
    if name == "offline":
        from .offline.readiness import check_brief as offline_check

        offline_check(brief, source, limits)
        return []
    if not [e for e in brief.entities if e.name != "User"]:
        return [
            f"{source} has no entities (besides User): {name} proposes the data model from the "
            "requirements; the offline generator (used without ANTHROPIC_API_KEY) could not "
            "build it"
        ]
    return []


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
