"""Tool input schemas derived from pydantic models, and validation errors written for the
model to read and correct."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ValidationError


def _inline(node: Any, defs: dict[str, Any]) -> Any:
    """Resolve local `$ref`s and drop titles: a flat schema is easier for the model."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {
            key: _inline(value, defs)
            for key, value in node.items()
            if key != "$defs" and not (key == "title" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [_inline(item, defs) for item in node]
    return node


def model_schema(model: type[BaseModel], leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A pydantic model's JSON schema as a tool's input schema: flat, without titles, and
    without the top-level fields the engine fills in itself."""
    raw = model.model_json_schema()
    schema = _inline(raw, raw.get("$defs", {}))
    for name in leave_out:
        schema["properties"].pop(name, None)
        if name in schema.get("required", []):
            schema["required"].remove(name)
    return schema


class InvalidProposal(ValueError):
    """A tool input that does not fit its schema; `problems` are lines to send back."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def problems_of(error: ValidationError) -> list[str]:
    """Each validation error as `key: message (got value)`, to send back to the model."""
    problems = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(the input)"
        got = f" (got {_show(item['input'])})" if item["type"] != "missing" else ""
        problems.append(f"{where}: {item['msg']}{got}")
    return problems
