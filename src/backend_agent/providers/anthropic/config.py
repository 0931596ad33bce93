"""Settings of the Anthropic provider: command-line options over `[anthropic]` in the
user's config.toml over the defaults here.

```toml
[anthropic]
model = "claude-sonnet-5-5"
max_cost_usd = 5.0        # stop a build before a call that could pass this
context_tokens = 60000    # repository text shown to the model per phase
# max_tokens = 64000      # one answer's limit; unset: the model's own (128000 for Sonnet 5.5)
max_turns = 40            # answers per phase, revision or fix round before it stops
timeout_s = 600
max_retries = 2           # the SDK's retries for 429, 5xx and 529
cache_ttl = "1h"          # prompt cache lifetime: "5m", or "1h" to outlast a review

[anthropic.effort]        # output_config.effort per kind of call: low, medium, high, xhigh, max
draft = "medium"          # a brief from a sentence
phase = "high"            # a phase
revise = "high"           # a revision with feedback, a rework of rejected hunks
fix = "medium"            # a fix round after failed checks
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...core.errors import BadInput
from ...settings import load_settings, settings_file
from .models import Effort, known, spec_of

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The current Sonnet in the SDK's model list (anthropic.types.Model)."""

SECTION = "anthropic"


class EffortSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    draft: Effort = "medium"
    phase: Effort = "high"
    revise: Effort = "high"
    fix: Effort = "medium"


class AnthropicSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(default=DEFAULT_MODEL, min_length=1)
    max_cost_usd: float | None = Field(default=None, gt=0)
    context_tokens: int = Field(default=60_000, ge=1_000)
    max_tokens: int | None = Field(default=None, ge=1_024)
    """None: the model's own limit (see models.py)."""
    max_turns: int = Field(default=40, ge=2, le=500)
    timeout_s: float = Field(default=600.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    cache_ttl: Literal["5m", "1h"] = "1h"
    effort: EffortSettings = Field(default_factory=EffortSettings)

    @property
    def answer_limit(self) -> int:
        """The most output tokens one answer may use: the setting, else the model's limit."""
        return self.max_tokens or spec_of(self.model).max_output


def resolve_settings(**overrides: Any) -> AnthropicSettings:
    """The effective settings; options given as None fall through to the file."""
    section = load_settings().get(SECTION, {})
    if not isinstance(section, dict):
        raise BadInput(
            f"{settings_file()}: `{SECTION}` must be a table",
            hint=f"write the settings under a [{SECTION}] line",
        )
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        settings = AnthropicSettings.model_validate({**section, **given})
    except ValidationError as error:
        first = error.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        if key in given:
            raise BadInput(f"--{key.replace('_', '-')}: {first['msg']}") from None
        raise BadInput(
            f"{settings_file()}: [{SECTION}] {key}: {first['msg']}",
            hint="fix that key, or remove it to use the default",
        ) from None
    limit = spec_of(settings.model).max_output
    if settings.max_tokens and known(settings.model) and settings.max_tokens > limit:
        where = "--max-tokens" if "max_tokens" in given else f"{settings_file()}: [{SECTION}]"
        raise BadInput(
            f"{where} max_tokens {settings.max_tokens:,} is above the limit of "
            f"{settings.model} ({limit:,} output tokens)",
            hint=f"lower it to {limit} or less, or remove it to use the model's limit",
        )
    return settings
