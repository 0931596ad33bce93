"""What a provider proposes for a phase: a rationale and a list of file changes."""

from __future__ import annotations

import hashlib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Action = Literal["create", "modify", "delete"]
Kind = Literal["adr", "schema", "code", "test", "doc", "config"]


def content_hash(content: str) -> str:
    """The hash an approval binds to: change the content and the approval no longer holds."""
    return hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()


class FileChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str = Field(description="Repository-relative POSIX path, e.g. docs/adr/0002-x.md")
    action: Action = Field(description="create a new file, modify an existing one, or delete")
    content: str = Field(default="", description="The full new content (empty for delete)")
    kind: Kind = Field(description="What the file is: adr, schema, code, test, doc or config")
    why: str = Field(default="", description="One line: why this file is part of the phase")


class Proposal(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase: str = Field(default="", description="The phase id; filled in by the engine")
    summary: str = Field(description="Markdown rationale for the phase's decisions")
    changes: list[FileChange] = Field(default_factory=list)
    questions: list[str] = Field(
        default_factory=list, description="Open questions for the person reviewing"
    )
    assumptions: list[str] = Field(
        default_factory=list, description="What the provider decided that the brief did not say"
    )

    def change(self, path: str) -> FileChange | None:
        return next((c for c in self.changes if c.path == path), None)
