"""Values the generated tests send: valid ones that vary with a counter, invalid ones that
break exactly one rule of the brief. Each is Python source for the generated test code."""

from __future__ import annotations

from decimal import Decimal

from ..plan import length_limits
from ..schema import Column
from .models import INT32


def _int_range(column: Column) -> tuple[int, int]:
    f = column.source
    assert f is not None
    low = int(f.min) if f.min is not None else 1
    high = int(f.max) if f.max is not None else min(INT32[1], low + 1_000_000)
    if f.min is None and high < low:
        low = high
    return low, high


def _decimal_range(column: Column) -> tuple[Decimal, Decimal, int]:
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
        low, high = _int_range(column)
        return f"{low} + n % {high - low + 1}"
    if kind == "decimal":
        low, high, scale = _decimal_range(column)
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


def two_values(column: Column) -> tuple[str, str] | None:
    """Two different valid literals, for a filter test; None if the field has no two."""
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
        return (repr(first), repr(second)) if first != second else None
    if kind == "email":
        return '"a@example.com"', '"b@example.com"'
    if kind == "url":
        return '"https://example.com/a"', '"https://example.com/b"'
    if kind == "int":
        low, high = _int_range(column)
        return (str(low), str(low + 1)) if high > low else None
    if kind == "enum":
        values = f.values or []
        return (repr(values[0]), repr(values[1])) if len(values) > 1 else None
    if kind == "bool":
        return "True", "False"
    if kind == "date":
        return '"2024-01-01"', '"2024-01-02"'
    if kind == "uuid":
        return '"00000000-0000-0000-0000-000000000001"', '"00000000-0000-0000-0000-000000000002"'
    return None


def invalid(column: Column) -> tuple[str, str] | None:
    """(value, which rule it breaks) for one field, or None when every value is valid."""
    f = column.source
    if f is None:
        return '"not-a-uuid"', "not a uuid"
    kind = f.type
    low, high = length_limits(f)
    if kind in ("string", "text") and high is not None:
        return f'"x" * {high + 1}', f"longer than {high} characters"
    if kind in ("string", "text") and low:
        return f'"x" * {low - 1}', f"shorter than {low} characters"
    if kind == "url":
        return '"not a url"', "not an http(s) URL"
    if kind == "email":
        return '"not-an-email"', "not an email address"
    if kind == "int":
        if f.min is not None:
            return str(int(f.min) - 1), f"below the minimum {f.min}"
        if f.max is not None:
            return str(int(f.max) + 1), f"above the maximum {f.max}"
        return '"many"', "not a number"
    if kind == "decimal":
        if f.min is not None:
            return f'"{Decimal(str(f.min)) - 1}"', f"below the minimum {f.min}"
        return '"lots"', "not a number"
    if kind == "enum":
        return '"not-a-listed-value"', "not one of " + ", ".join(f.values or [])
    if kind == "date":
        return '"31/12/2024"', "not an ISO date"
    if kind == "datetime":
        return '"2024-01-01T12:00:00"', "a time without a UTC offset"
    if kind == "uuid":
        return '"not-a-uuid"', "not a uuid"
    if kind == "bool":
        return '"perhaps"', "not a boolean"
    if kind == "text":
        return "12345", "a number where text is expected"
    return None


def pick_invalid(columns: list[Column]) -> tuple[Column, str, str] | None:
    """The field whose invalid value says the most about the brief's rules."""
    ranked = sorted(
        (c for c in columns if c.source is not None and invalid(c) is not None),
        key=lambda c: 0 if _constrained(c) else 1,
    )
    if not ranked:
        return None
    value, why = invalid(ranked[0])  # type: ignore[misc]
    return ranked[0], value, why


def _constrained(column: Column) -> bool:
    f = column.source
    assert f is not None
    low, high = length_limits(f)
    return bool(
        (f.type in ("string", "text") and (high is not None or low))
        or f.type in ("url", "email", "enum")
        or (f.type in ("int", "decimal") and (f.min is not None or f.max is not None))
    )
