"""A person's decision on one proposed file, bound to the exact content it approved."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .proposal import FileChange, content_hash

Decision = Literal["pending", "approved", "rejected"]
ReviewState = Literal["pending", "approved", "rejected", "edited"]


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision = "pending"
    edited_content: str | None = None
    comment: str = ""
    approved_hash: str | None = None

    def content(self, change: FileChange) -> str:
        """What would be committed: the person's edit if there is one, else the proposal."""
        return change.content if self.edited_content is None else self.edited_content

    def is_approved(self, change: FileChange) -> bool:
        return self.decision == "approved" and self.approved_hash == content_hash(
            self.content(change)
        )

    def state(self, change: FileChange) -> ReviewState:
        if self.is_approved(change):
            return "approved"
        if self.decision == "rejected":
            return "rejected"
        return "edited" if self.edited_content is not None else "pending"
