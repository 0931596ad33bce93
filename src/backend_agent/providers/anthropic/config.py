"""Settings of the Anthropic provider: command-line options over `[anthropic]` in the
user's config.toml over the defaults here.

```toml
[anthropic]
model = "claude-sonnet-5-5"
max_cost_usd = 5.0        # stop a build before a call that could pass this
context_tokens = 60000    # repository text shown to the model per phase
max_tokens = 64000        # the longest answer (a whole phase's files)
timeout_s = 600
max_retries = 2           # the SDK's retries for 429, 5xx and 529
cache_ttl = "1h"          # prompt cache lifetime: "5m", or "1h" to outlast a review
```
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ...core.errors import BadInput
from ...settings import load_settings, settings_file

DEFAULT_MODEL = "claude-sonnet-5-5"
"""The current Sonnet in the SDK's model list (anthropic.types.Model)."""

SECTION = "anthropic"


class AnthropicSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: str = Field(default=DEFAULT_MODEL, min_length=1)
    max_cost_usd: float | None = Field(default=None, gt=0)
    context_tokens: int = Field(default=60_000, ge=1_000)
    max_tokens: int = Field(default=64_000, ge=1_024, le=128_000)
    timeout_s: float = Field(default=600.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    cache_ttl: Literal["5m", "1h"] = "1h"


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
        return AnthropicSettings.model_validate({**section, **given})
    except ValidationError as error:
        first = error.errors()[0]
        key = str(first["loc"][0]) if first["loc"] else ""
        if key in given:
            raise BadInput(f"--{key.replace('_', '-')}: {first['msg']}") from None
        raise BadInput(
            f"{settings_file()}: [{SECTION}] {key}: {first['msg']}",
            hint="fix that key, or remove it to use the default",
        ) from None
