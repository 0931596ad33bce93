"""A person's decision on one proposed file, bound to the exact content it approved.

A modified file can also be decided hunk by hunk: the decisions are kept per hunk id and
the content they produce (the base with the approved hunks applied) is what gets
committed and what the approval hash binds to.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .proposal import FileChange, content_hash

Decision = Literal["pending", "approved", "rejected"]
Pick = Literal["ours", "edit"]
ReviewState = Literal["pending", "approved", "rejected", "edited"]


class HunkReview(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision = "pending"
    comment: str = ""
    pick: Pick | None = None
    """For an approved conflict: keep the branch's lines (`ours`), or `text` (`edit`);
    None takes the proposal's lines (theirs)."""
    text: str | None = None

    @property
    def takes_proposal(self) -> bool:
        return self.decision == "approved" and self.pick is None

    @property
    def word(self) -> str:
        """The decision as the hunk review shows it."""
        if self.decision == "approved" and self.pick:
            return "yours kept" if self.pick == "ours" else "edited"
        return self.decision


class Review(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Decision = "pending"
    edited_content: str | None = None
    comment: str = ""
    approved_hash: str | None = None
    hunks: dict[str, HunkReview] = Field(default_factory=dict)
    """Per-hunk decisions, by hunk id, on the diff from the branch to `target`."""
    hunk_result: str | None = None
    """The branch file with the approved hunks applied, once any hunk is decided."""

    def target(self, change: FileChange) -> str:
        """The right side of the diff under review: the person's edit, else the proposal."""
        return change.content if self.edited_content is None else self.edited_content

    def content(self, change: FileChange) -> str:
        """What would be committed: the hunk result, else the edit, else the proposal."""
        return self.hunk_result if self.hunk_result is not None else self.target(change)

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
