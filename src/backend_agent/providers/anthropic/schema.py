"""The `submit_proposal` tool: its input schema is derived from `Proposal`, and what the
model sends back through it is validated by the same pydantic model.

The model never chooses the phase (the engine fills it in), so `phase` is left out of the
schema and ignored if sent.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError

from ...core.proposal import Proposal

TOOL_NAME = "submit_proposal"
TOOL_DESCRIPTION = (
    "Submit your proposal for the current phase: a markdown summary of the decisions and "
    "their reasons, every file to create, modify or delete with its full new content, and "
    "any open questions for the person reviewing. Call it exactly once, with the complete "
    "proposal; each file is reviewed by a person before anything is committed."
)
ENGINE_FIELDS = ("phase",)


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


@cache
def input_schema() -> dict[str, Any]:
    return model_schema(Proposal, ENGINE_FIELDS)


def tool_definition() -> dict[str, Any]:
    """The tool as the Messages API takes it. Eager input streaming sends the JSON as it is
    written, so per-file progress shows while the proposal arrives."""
    return {
        "name": TOOL_NAME,
        "description": TOOL_DESCRIPTION,
        "input_schema": json.loads(json.dumps(input_schema())),
        "eager_input_streaming": True,
    }


class InvalidProposal(ValueError):
    """The tool input does not fit the schema; `problems` are lines to send back."""

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


def parse_proposal(raw: Any) -> Proposal:
    """Validate the model's tool input into a `Proposal` (phase left empty)."""
    if not isinstance(raw, dict):
        raise InvalidProposal([f"the input must be a JSON object, not {type(raw).__name__}"])
    data = {k: v for k, v in raw.items() if k not in ENGINE_FIELDS}
    try:
        proposal = Proposal.model_validate(data)
    except ValidationError as error:
        raise InvalidProposal(problems_of(error)) from None
    if not proposal.changes:
        raise InvalidProposal(["changes: the proposal has no files; propose at least one"])
    return proposal
