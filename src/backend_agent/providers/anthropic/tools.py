"""The tools of a phase's conversation: Anthropic's text editor (the file tool Claude models
are trained on), `delete_files` and `finish_phase`; and the pydantic models every call's
input is validated by before anything is done with it.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ...core.proposal import Kind
from .schema import model_schema, problems_of

EDITOR = "str_replace_based_edit_tool"
DELETE = "delete_files"
FINISH = "finish_phase"
VIEW_CHARACTERS = 40_000
"""The most of one file a `view` returns (the tool's own `max_characters`)."""


class EditorCall(BaseModel):
    """An input of the text editor tool, `text_editor_20250728`. `insert` takes its text as
    `insert_text` (older tool versions called it `new_str`: accepted too)."""

    model_config = ConfigDict(extra="ignore")

    command: Literal["view", "create", "str_replace", "insert"]
    path: str
    file_text: str | None = None
    old_str: str | None = None
    new_str: str | None = None
    insert_line: int | None = None
    insert_text: str | None = None
    view_range: list[int] | None = None

    @model_validator(mode="after")
    def _needs(self) -> EditorCall:
        need = {
            "create": ("file_text",),
            "str_replace": ("old_str",),
            "insert": ("insert_line",),
            "view": (),
        }[self.command]
        missing = [name for name in need if getattr(self, name) is None]
        if missing:
            raise ValueError(f"`{self.command}` needs {', '.join(missing)}")
        if self.command == "insert" and self.insert_text is None:
            if self.new_str is None:
                raise ValueError("`insert` needs insert_text, the text to insert")
            self.insert_text = self.new_str
        if self.view_range is not None and len(self.view_range) != 2:
            raise ValueError("view_range is [first line, last line] (-1: to the end)")
        return self


class DeleteFiles(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paths: list[str] = Field(min_length=1, description="Repository-relative paths to delete")
    why: str = Field(default="", description="One line: why these files go")


class FileNote(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    kind: Kind = Field(description="adr, schema, code, test, doc or config")
    why: str = Field(default="", description="One line: why this file is part of the phase")


class FinishPhase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(
        min_length=1,
        description="Markdown: the decisions of this phase, their reasons and trade-offs, "
        "and what is left to later phases",
    )
    assumptions: list[str] = Field(
        default_factory=list, description="What you decided that the brief did not say"
    )
    questions: list[str] = Field(
        default_factory=list, description="Open questions only the person can decide"
    )
    files: list[FileNote] = Field(
        default_factory=list,
        description="Every file you wrote or deleted in this phase, with its kind and why",
    )


class BadCall(ValueError):
    """A tool input that does not fit its schema; the message goes back to the model."""


def parse(model: type[BaseModel], raw: Any) -> Any:
    if not isinstance(raw, dict):
        raise BadCall(f"the input must be a JSON object, not {type(raw).__name__}")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        raise BadCall("; ".join(problems_of(error))) from None


@cache
def _definitions() -> str:
    tools: list[dict[str, Any]] = [
        {"type": "text_editor_20250728", "name": EDITOR, "max_characters": VIEW_CHARACTERS},
        {
            "name": DELETE,
            "description": "Delete files from the repository: files on the build branch, or "
            "files you wrote earlier in this phase. Leaving a file out of your work never "
            "deletes it; only this does.",
            "input_schema": model_schema(DeleteFiles),
        },
        {
            "name": FINISH,
            "description": "End the phase once every file is written: the summary the "
            "person reads first, what you assumed, the questions only they can answer, and "
            "for each file you wrote or deleted its kind and one line of why. Call it once, "
            "after your last edit.",
            "input_schema": model_schema(FinishPhase),
        },
    ]
    return json.dumps(tools)


def definitions() -> list[dict[str, Any]]:
    """The tools as the Messages API takes them (a fresh copy: callers may mark them)."""
    return json.loads(_definitions())
