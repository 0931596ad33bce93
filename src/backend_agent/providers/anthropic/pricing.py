"""What a call costs: the price table shipped as data (`pricing.json`), per model.

Prices change more often than code, so they live in a file a release can update without
touching the logic. A model the table does not know is priced as unknown (None), never as
free: its tokens are still counted and shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from ...core.usage import Usage

TABLE = Path(__file__).with_name("pricing.json")
PER = 1_000_000


@dataclass(frozen=True)
class Rates:
    """USD per million tokens of each kind."""

    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float


@dataclass(frozen=True)
class Price:
    base: Rates
    long_prompt: tuple[int, Rates] | None = None
    """(threshold, rates): a prompt above the threshold pays these for every token."""

    def rates(self, prompt_tokens: int) -> Rates:
        if self.long_prompt and prompt_tokens > self.long_prompt[0]:
            return self.long_prompt[1]
        return self.base

    def cost(
        self,
        *,
        input_tokens: int,
        output_tokens: int,
        cache_read: int,
        cache_write_5m: int,
        cache_write_1h: int,
    ) -> float:
        prompt = input_tokens + cache_read + cache_write_5m + cache_write_1h
        r = self.rates(prompt)
        return (
            input_tokens * r.input
            + output_tokens * r.output
            + cache_read * r.cache_read
            + cache_write_5m * r.cache_write_5m
            + cache_write_1h * r.cache_write_1h
        ) / PER


def _rates(entry: dict) -> Rates:
    return Rates(**{k: float(entry[k]) for k in Rates.__dataclass_fields__})


@cache
def _table() -> dict[str, Price]:
    data = json.loads(TABLE.read_text(encoding="utf-8"))
    prices: dict[str, Price] = {}
    for model, entry in data["models"].items():
        long = entry.get("long_prompt")
        prices[model] = Price(
            _rates(entry), (int(long["above_tokens"]), _rates(long)) if long else None
        )
    for alias, model in data.get("aliases", {}).items():
        prices[alias] = prices[model]
    return prices


def price_of(model: str) -> Price | None:
    return _table().get(model)


def known_models() -> list[str]:
    return sorted(_table())


def usage_of(
    price: Price | None,
    *,
    input_tokens: int,
    output_tokens: int,
    cache_read: int,
    cache_write_5m: int,
    cache_write_1h: int,
) -> Usage:
    """One call's `Usage`, its cost None when the price is unknown."""
    counts = dict(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read=cache_read,
        cache_write_5m=cache_write_5m,
        cache_write_1h=cache_write_1h,
    )
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_write_tokens=cache_write_5m + cache_write_1h,
        cache_read_tokens=cache_read,
        cost_usd=None if price is None else price.cost(**counts),
    )
