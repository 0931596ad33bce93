"""How big a brief may be, checked before it is parsed or built.

A brief is input from anywhere (a file, a pipe, a model's draft). Past these limits it is
refused with the limit named, not read into memory whole (`brief check /dev/zero`) or
turned into a build whose proposals are mostly refused (10,000 entities).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .errors import BadInput

MAX_BRIEF_BYTES = 2 * 1024 * 1024
MAX_ENTITIES = 300
MAX_FIELDS = 200
"""Per entity."""
MAX_RELATIONS = 1000
MAX_DEPTH = 32
"""Tables and arrays inside one another (a field's default may be JSON)."""

BOM = "\ufeff"


def read_limited(path: Path) -> str:
    """The brief file's text, reading at most one byte past the limit; a UTF-8 byte order
    mark (Windows editors write one) is dropped."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BRIEF_BYTES + 1)
    except OSError as exc:
        raise BadInput(f"cannot read brief {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_BRIEF_BYTES:
        raise too_big(str(path))
    try:
        return data.decode("utf-8").removeprefix(BOM)
    except UnicodeDecodeError as exc:
        raise BadInput(
            f"cannot read brief {path}: it is not UTF-8 text (byte {exc.start} is 0x{data[exc.start]:02x})",
            hint="save it as UTF-8 (a TOML file is always UTF-8)",
        ) from None


def too_big(source: str) -> BadInput:
    return BadInput(
        f"{source} is over the limit of {MAX_BRIEF_BYTES // (1024 * 1024)} MiB for a brief",
        hint="a brief describes the backend (project, stack, entities); data, documents and "
        "generated text do not belong in it",
    )


def check_size(text: str, source: str) -> str:
    """Text given directly (the Brief screen): the same byte limit; BOM dropped."""
    if len(text) > MAX_BRIEF_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BRIEF_BYTES:
        raise too_big(source)
    return text.removeprefix(BOM)


def check_counts(data: dict[str, Any], source: str) -> None:
    """Entities, fields and relations within their limits, before the brief is validated
    (validating 10,000 entities only to refuse them is slow)."""
    entities = data.get("entities")
    if isinstance(entities, list):
        _at_most(len(entities), MAX_ENTITIES, "entities", source)
        for entity in entities:
            fields = entity.get("fields") if isinstance(entity, dict) else None
            if isinstance(fields, list) and len(fields) > MAX_FIELDS:
                name = entity.get("name", "?")
                _at_most(len(fields), MAX_FIELDS, f"fields in entity {name}", source)
    relations = data.get("relations")
    if isinstance(relations, list):
        _at_most(len(relations), MAX_RELATIONS, "relations", source)


def _at_most(count: int, limit: int, what: str, source: str) -> None:
    if count > limit:
        raise BadInput(
            f"{source}: {count:,} {what}; the limit is {limit:,}",
            hint="split the backend into services with briefs of their own, or describe "
            "fewer, larger entities",
        )


def check_depth(data: Any, source: str) -> None:
    """No value nested deeper than MAX_DEPTH (iteratively: the check itself cannot
    overflow the stack)."""
    stack: list[tuple[Any, int, str]] = [(data, 0, "")]
    while stack:
        value, depth, key = stack.pop()
        if depth > MAX_DEPTH:
            raise nested_too_deep(source, key)
        if isinstance(value, dict):
            stack += [(v, depth + 1, f"{key}.{k}" if key else str(k)) for k, v in value.items()]
        elif isinstance(value, list):
            stack += [(v, depth + 1, f"{key}[{i}]") for i, v in enumerate(value)]


def nested_too_deep(source: str, key: str = "") -> BadInput:
    where = f" at {key if len(key) <= 60 else key[:59] + '…'}" if key else ""
    return BadInput(
        f"{source}: values are nested more than {MAX_DEPTH} levels deep{where}",
        hint="a brief's tables and arrays go a few levels deep; flatten that value",
    )
