"""A brief written back as TOML, the way a person would write it: what a drafted brief is
saved as, so what the person reviews is exactly what gets built."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .brief import Brief


def brief_to_toml(brief: Brief) -> str:
    """The brief as a person would write it: sections first, then each entity (fields
    one per line) and relation as its own table; options at their default left out."""
    import tomli_w

    head = brief.model_dump(mode="python", include={"project", "stack"})
    targets = brief.targets.model_dump(exclude_none=True)
    if targets:
        head["targets"] = targets
    parts = [tomli_w.dumps(head, multiline_strings=True)]
    for role in brief.roles:
        data = role.model_dump(exclude_defaults=True)
        lines = ["[[roles]]", *(f"{key} = {_inline(value)}" for key, value in data.items())]
        parts.append("\n".join(lines) + "\n")
    for entity in brief.entities:
        lines = ["[[entities]]", f"name = {_inline(entity.name)}"]
        if entity.renamed_from:
            lines.append(f"renamed_from = {_inline(entity.renamed_from)}")
        if entity.owned_by_user:
            lines.append("owned_by_user = true")
        if entity.access:
            lines.append(f"access = {_inline(entity.access.model_dump(exclude_none=True))}")
        if entity.public_when:
            lines.append(f"public_when = {_inline(entity.public_when)}")
        lines.append("fields = [")
        lines += [f"  {_inline(f.model_dump(exclude_defaults=True))}," for f in entity.fields]
        lines.append("]")
        if entity.unique:
            lines.append(f"unique = {_inline(entity.unique)}")
        parts.append("\n".join(lines) + "\n")
    for relation in brief.relations:
        data = relation.model_dump(by_alias=True, exclude_defaults=True)
        lines = ["[[relations]]", f"kind = {_inline(relation.kind)}"]
        lines += [f"{key} = {_inline(value)}" for key, value in data.items() if key != "kind"]
        parts.append("\n".join(lines) + "\n")
    return "\n".join(parts)


def _inline(value: Any) -> str:
    """A TOML value on one line: inline tables and arrays, scalars as tomli-w writes them."""
    import tomli_w

    if isinstance(value, dict):
        keys = [k if re.match(r"^[A-Za-z0-9_-]+$", k) else _inline(str(k)) for k in value]
        items = (f"{k} = {_inline(v)}" for k, v in zip(keys, value.values(), strict=True))
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()
