"""The Anthropic provider: Claude proposes each phase through the Messages API.

Nothing here imports the SDK; it is imported on the first call (see `client.py`).
"""

from __future__ import annotations

import os
from pathlib import Path

from ...core.errors import ProviderFailure
from .client import SdkTransport, Transport
from .config import DEFAULT_MODEL, AnthropicSettings, resolve_settings
from .provider import AnthropicProvider, BudgetReached
from .record import Recorder

__all__ = [
    "DEFAULT_MODEL",
    "AnthropicProvider",
    "AnthropicSettings",
    "BudgetReached",
    "create",
]


def create(
    model: str | None = None,
    *,
    record: str | Path | None = None,
    record_append: bool = False,
    **overrides: object,
) -> AnthropicProvider:
    """The provider as the CLI and the wizard make it: key from ANTHROPIC_API_KEY, base URL
    from ANTHROPIC_BASE_URL, settings from options over config.toml."""
    if not os.environ.get("ANTHROPIC_API_KEY"):
        raise ProviderFailure(
            "ANTHROPIC_API_KEY is not set, so the Anthropic provider cannot call the API",
            hint="export ANTHROPIC_API_KEY=... (keys are made at console.anthropic.com), or "
            "build without the API: --provider offline",
        )
    settings = resolve_settings(model=model, **overrides)
    transport: Transport = SdkTransport(settings)
    if record is not None:
        transport = Recorder(transport, Path(record), model=settings.model, append=record_append)
    return AnthropicProvider(settings, transport)
