"""Deciding a modified file hunk by hunk.

The decisions live on the file's Review, keyed by hunk id so they survive a re-split of
the same change. After every decision the file's committed content is recomputed as the
branch file with the approved hunks applied; once no hunk is pending the file is approved
(bound to that content) if any hunk was approved, else rejected.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.hunks import Apart, Hunk, apply, split
from ..core.merge3 import conflict_regions
from ..core.merge3 import merge as merge3
from ..core.proposal import FileChange, content_hash
from ..core.review import Decision, HunkReview, Pick, Review

if TYPE_CHECKING:
    from .state import FileMerge


def conflict_apart(merge: FileMerge | None, ours: str | None) -> Apart | None:
    """An evolution's conflict regions of a merged file against `ours` (the branch file);
    None for any other file."""
    if merge is None or ours is None:
        return None
    return conflict_regions(merge3(merge.base, ours, merge.theirs))


def hunks_of(
    change: FileChange, review: Review, base: str | None, apart: Apart | None = None
) -> list[Hunk]:
    """Hunks exist for modified files only: new and deleted files are whole-file decisions.
    `apart`: an evolution's conflict regions, each kept in a hunk of its own."""
    if change.action != "modify" or base is None:
        return []
    return split(base, review.target(change), apart=apart)


def decide(
    change: FileChange,
    review: Review,
    base: str,
    index: int,
    decision: Decision,
    comment: str,
    pick: Pick | None = None,
    text: str | None = None,
    apart: Apart | None = None,
) -> None:
    hunks = hunks_of(change, review, base, apart)
    if not 0 <= index < len(hunks):
        raise IndexError(f"{change.path} has {len(hunks)} hunks; there is no hunk {index}")
    review.hunks[hunks[index].id] = HunkReview(
        decision=decision, comment=comment, pick=pick, text=text
    )
    settle(change, review, base, hunks)


def whole_lines(text: str) -> str:
    """A person's replacement for a hunk, ending in a newline as every line it replaces."""
    return text + "\n" if text and not text.endswith("\n") else text


def approve_pending(
    change: FileChange, review: Review, base: str, apart: Apart | None = None
) -> None:
    """Approve-file on a file decided in part: the pending hunks join the approved ones;
    rejected hunks stay rejected, and conflicts stay for the person to pick."""
    hunks = hunks_of(change, review, base, apart)
    for hunk in hunks:
        pending = review.hunks.get(hunk.id, HunkReview()).decision == "pending"
        if pending and not hunk.conflict:
            review.hunks[hunk.id] = HunkReview(decision="approved")
    settle(change, review, base, hunks)


def settle(change: FileChange, review: Review, base: str, hunks: list[Hunk]) -> None:
    """Recompute the file's content and decision from its hunk decisions."""
    known = {h.id for h in hunks}
    review.hunks = {k: v for k, v in review.hunks.items() if k in known}
    found = [review.hunks.get(h.id, HunkReview()) for h in hunks]
    decisions = [r.decision for r in found]
    chosen = {h.index for h, r in zip(hunks, found, strict=True) if r.takes_proposal}
    edits = {
        h.index: r.text or ""
        for h, r in zip(hunks, found, strict=True)
        if r.decision == "approved" and r.pick == "edit"
    }
    review.hunk_result = apply(base, review.target(change), hunks, chosen, edits)
    if "pending" in decisions or not hunks:
        review.decision, review.approved_hash = "pending", None
    elif "approved" in decisions:
        review.decision, review.approved_hash = "approved", content_hash(review.hunk_result)
    else:
        review.decision, review.approved_hash = "rejected", None


def carry(change: FileChange, old: Review, base: str | None) -> Review:
    """A new proposal for a file decided hunk by hunk: hunks that are still there keep
    their decisions, new ones arrive pending."""
    review = Review()
    hunks = hunks_of(change, review, base)
    kept = {h.id: old.hunks[h.id] for h in hunks if h.id in old.hunks}
    if not kept or base is None:
        return review
    review.hunks = kept
    settle(change, review, base, hunks)
    return review


def summary(review: Review, hunks: list[Hunk]) -> str:
    """ "3 of 5 hunks approved", or "" when the file is not decided by hunks."""
    if not review.hunks or not hunks:
        return ""
    approved = sum(1 for h in hunks if review.hunks.get(h.id, HunkReview()).decision == "approved")
    return f"{approved} of {len(hunks)} hunks approved"
