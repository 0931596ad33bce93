"""Values the generated tests send: valid ones that vary with a counter, invalid ones that
break exactly one rule of the brief.

Which value breaks which rule is decided here once, as plain data (`invalid_value`,
`two_plain`), for every target; `valid`, `invalid` and `two_values` write them as Python
source for the Python suite.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from ..plan import length_limits
from ..schema import Column
from .models import INT32


@dataclass(frozen=True)
class Repeat:
    """A long string written as a repetition, not spelled out: `"x" * 201`."""

    text: str
    times: int


def int_range(column: Column) -> tuple[int, int]:
    f = column.source
    assert f is not None
    low = int(f.min) if f.min is not None else 1
    high = int(f.max) if f.max is not None else min(INT32[1], low + 1_000_000)
    if f.min is None and high < low:
        low = high
    return low, high


def decimal_range(column: Column) -> tuple[Decimal, Decimal, int]:
    f = column.source
    assert f is not None
    scale = f.scale if f.precision else 2
    if f.precision:
        step = Decimal(1).scaleb(-(f.scale or 0))
        cap = Decimal(10) ** (f.precision - (f.scale or 0)) - step
    else:
        cap = Decimal(1_000_000)
    low = Decimal(str(f.min)) if f.min is not None else Decimal(0)
    high = min(Decimal(str(f.max)), cap) if f.max is not None else cap
    low = max(low, -cap)
    return low, high, scale or 0


def valid(column: Column) -> str | None:
    """An expression in `n` giving a valid value; None for references (made by factories)."""
    kind = column.kind
    label = column.api
    if kind == "reference":
        return None
    f = column.source
    assert f is not None
    if kind in ("string", "text"):
        low, high = length_limits(f)
        return f'text("{label}", n, {high}, {low or 0})'
    if kind == "url":
        return f"url(n, {length_limits(f)[1]})"
    if kind == "email":
        return f'email("{label}", n, {length_limits(f)[1]})'
    if kind == "int":
        low, high = int_range(column)
        return f"{low} + n % {high - low + 1}"
    if kind == "decimal":
        low, high, scale = decimal_range(column)
        return f'amount(n, "{low}", "{high}", {scale})'
    if kind == "bool":
        return "n % 2 == 1"
    if kind == "date":
        return "(date(2024, 1, 1) + timedelta(days=n)).isoformat()"
    if kind == "datetime":
        return "(datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(minutes=n)).isoformat()"
    if kind == "uuid":
        return "str(UUID(int=n))"
    if kind == "enum":
        values = f.values or []
        return f"{values!r}[n % {len(values)}]"
    if kind == "json":
        return '{"n": n, "tags": ["a", "b"]}'
    raise ValueError(f"no sample for {kind}")


def two_plain(column: Column) -> tuple[object, object] | None:
    """Two different valid values, for a filter test; None if the field has no two."""
    kind = column.kind
    f = column.source
    if f is None:
        return None
    if kind in ("string", "text"):
        low, high = length_limits(f)
        width = max(low or 0, 1)
        first, second = "alpha".ljust(width, "a"), "beta".ljust(width, "b")
        if high is not None:
            first, second = first[:high], second[:high]
        return (first, second) if first != second else None
    if kind == "email":
        return "a@example.com", "b@example.com"
    if kind == "url":
        return "https://example.com/a", "https://example.com/b"
    if kind == "int":
        low, high = int_range(column)
        return (low, low + 1) if high > low else None
    if kind == "enum":
        values = f.values or []
        return (values[0], values[1]) if len(values) > 1 else None
    if kind == "bool":
        return True, False
    if kind == "date":
        return "2024-01-01", "2024-01-02"
    if kind == "uuid":
        return "00000000-0000-0000-0000-000000000001", "00000000-0000-0000-0000-000000000002"
    return None


def two_values(column: Column) -> tuple[str, str] | None:
    """`two_plain` as Python source."""
    pair = two_plain(column)
    if pair is None:
        return None
    kind = column.kind

    def source(value: object) -> str:
        if kind in ("string", "text", "enum"):
            return repr(value)
        return json.dumps(value) if isinstance(value, str) else repr(value)

    return source(pair[0]), source(pair[1])


def invalid_value(column: Column) -> tuple[object, str] | None:
    """(value, which rule it breaks) for one field, or None when every value is valid."""
    f = column.source
    if f is None:
        return "not-a-uuid", "not a uuid"
    kind = f.type
    low, high = length_limits(f)
    if kind in ("string", "text") and high is not None:
        return Repeat("x", high + 1), f"longer than {high} characters"
    if kind in ("string", "text") and low:
        return Repeat("x", low - 1), f"shorter than {low} characters"
    if kind == "url":
        return "not a url", "not an http(s) URL"
    if kind == "email":
        return "not-an-email", "not an email address"
    if kind == "int":
        if f.min is not None:
            return int(f.min) - 1, f"below the minimum {f.min}"
        if f.max is not None:
            return int(f.max) + 1, f"above the maximum {f.max}"
        return "many", "not a number"
    if kind == "decimal":
        if f.min is not None:
            return str(Decimal(str(f.min)) - 1), f"below the minimum {f.min}"
        return "lots", "not a number"
    if kind == "enum":
        return "not-a-listed-value", "not one of " + ", ".join(f.values or [])
    if kind == "date":
        return "31/12/2024", "not an ISO date"
    if kind == "datetime":
        return "2024-01-01T12:00:00", "a time without a UTC offset"
    if kind == "uuid":
        return "not-a-uuid", "not a uuid"
    if kind == "bool":
        return "perhaps", "not a boolean"
    if kind == "text":
        return 12345, "a number where text is expected"
    return None


def invalid(column: Column) -> tuple[str, str] | None:
    """`invalid_value` as Python source."""
    found = invalid_value(column)
    if found is None:
        return None
    value, why = found
    if isinstance(value, Repeat):
        return f'"{value.text}" * {value.times}', why
    return (json.dumps(value) if isinstance(value, str) else str(value)), why


def pick_invalid_value(columns: list[Column]) -> tuple[Column, object, str] | None:
    """The field whose invalid value says the most about the brief's rules."""
    ranked = sorted(
        (c for c in columns if c.source is not None and invalid_value(c) is not None),
        key=lambda c: 0 if _constrained(c) else 1,
    )
    if not ranked:
        return None
    value, why = invalid_value(ranked[0])  # type: ignore[misc]
    return ranked[0], value, why


def pick_invalid(columns: list[Column]) -> tuple[Column, str, str] | None:
    """`pick_invalid_value` as Python source."""
    picked = pick_invalid_value(columns)
    if picked is None:
        return None
    found = invalid(picked[0])
    assert found is not None
    return picked[0], found[0], found[1]


def _constrained(column: Column) -> bool:
    f = column.source
    assert f is not None
    low, high = length_limits(f)
    return bool(
        (f.type in ("string", "text") and (high is not None or low))
        or f.type in ("url", "email", "enum")
        or (f.type in ("int", "decimal") and (f.min is not None or f.max is not None))
    )
