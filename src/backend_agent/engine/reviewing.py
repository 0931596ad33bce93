"""The review decisions of a build: per file, in bulk, and per hunk.

Each decision is a change to one Review; the public methods save once per call, so a bulk
action over a large proposal writes the state once, not once per file.
"""

from __future__ import annotations

from ..core.errors import BadInput
from ..core.hunks import Hunk, lines
from ..core.phases import phase
from ..core.proposal import FileChange, content_hash
from ..core.review import Decision, HunkReview, Pick, Review
from . import hunk_review


class Reviewing:
    """Part of `BuildSession`: what a person decides about the proposed files."""

    def decide_approve(
        self, change: FileChange, review: Review, phase_id: str | None = None
    ) -> None:
        """Approve in memory; a merged file's conflicts stay pending until decided one by one
        (`phase_id`: the phase the review is of, the current one if None)."""
        merged = change.action == "modify" and change.path in self.record(phase_id).merges
        ours = self.worktree.read(change.path) if review.hunks or merged else None
        apart = self.apart(change.path, ours, phase_id) if merged else None
        if review.hunks or (apart and self._has_conflict(change, review, ours, apart)):
            hunk_review.approve_pending(change, review, ours or "", apart)
            return
        review.decision = "approved"
        review.approved_hash = content_hash(review.content(change))

    @staticmethod
    def _has_conflict(change: FileChange, review: Review, ours: str | None, apart) -> bool:
        return any(h.conflict for h in hunk_review.hunks_of(change, review, ours, apart))

    @staticmethod
    def decide_reject(change: FileChange, review: Review, comment: str) -> None:
        review.decision, review.approved_hash, review.comment = "rejected", None, comment
        review.hunks, review.hunk_result = {}, None

    def open_record(self, phase_id: str | None = None):
        """The phase's record, if decisions may still change: a committed phase's are part
        of its commit."""
        record = self.record(phase_id)
        if record.status == "committed":
            target = phase(record.id)
            raise BadInput(
                f"phase {target.number} ({target.id}) is committed; its decisions are part of "
                "that commit",
                hint=f"undo the commit first to decide phase {target.number} again",
            )
        return record

    def replace_reviews(self, phase_id: str, reviews: dict[str, Review]) -> None:
        """Many decisions at once, made the current phase, saved once: if the save fails
        they are taken back out, so what is in memory is what is on disk."""
        record = self.open_record(phase_id)
        before, current = {p: record.reviews.get(p) for p in reviews}, self.state.current
        record.reviews.update(reviews)
        self.state.current = phase_id
        try:
            self.save()
        except BaseException:
            for path, old in before.items():
                if old is None:
                    record.reviews.pop(path, None)
                else:
                    record.reviews[path] = old
            self.state.current = current
            raise

    def _decide(self, path: str, decide) -> Review:
        self.open_record()
        change, review = self.change(path), self.review(path)
        decide(change, review)
        self.save()
        return review

    def approve(self, path: str) -> Review:
        return self._decide(path, self.decide_approve)

    def reject(self, path: str, comment: str = "") -> Review:
        return self._decide(path, lambda c, r: self.decide_reject(c, r, comment))

    def edit(self, path: str, content: str) -> Review:
        """Replace the content to commit; a previous approval no longer holds."""
        self.open_record()
        change, review = self.change(path), self.review(path)
        if change.action == "delete":
            raise BadInput(f"{path} is proposed for deletion; there is nothing to edit")
        review.edited_content = None if content == change.content else content
        review.hunks, review.hunk_result = {}, None  # the edit is the new side to review
        if not review.is_approved(change):
            review.decision, review.approved_hash = "pending", None
        self.save()
        return review

    def reset(self, path: str) -> Review:
        """Back to the proposal as the provider made it, undecided."""
        self.change(path)
        self.open_record().reviews[path] = review = Review()
        self.save()
        return review

    def approve_all(self) -> list[str]:
        """Approve every undecided file except those with a secret in them (`held_back`):
        those need a one-by-one approval."""
        held = self.held_back()
        return self._each(
            self.decide_approve,
            lambda r, c: r.state(c) in ("pending", "edited") and c.path not in held,
        )

    def reject_all(self, comment: str = "") -> list[str]:
        return self._each(
            lambda c, r: self.decide_reject(c, r, comment), lambda r, c: r.state(c) != "rejected"
        )

    def reset_all(self) -> list[str]:
        def reset(change: FileChange, review: Review) -> None:
            self.record().reviews[change.path] = Review()

        return self._each(reset, lambda r, c: True)

    def _each(self, decide, wanted) -> list[str]:
        proposal = self.proposal
        if proposal is None:
            raise BadInput("there is no proposal yet; generate the phase first")
        record, done = self.open_record(), []
        for change in proposal.changes:
            review = record.review(change.path)
            if wanted(review, change):
                decide(change, review)
                done.append(change.path)
        self.save()
        return done

    def hunks(self, path: str, phase_id: str | None = None) -> list[tuple[Hunk, HunkReview]]:
        """The hunks of a modified file with their decisions (empty for new or deleted files),
        against the branch as the phase found it."""
        change, review = self.change(path, phase_id), self.review(path, phase_id)
        if change.action != "modify":
            return []
        record = self.record(phase_id)
        rev = record.parent if record.status == "committed" and record.parent else "HEAD"
        ours = self.worktree.read(path, rev)
        hunks = hunk_review.hunks_of(change, review, ours, self.apart(path, ours, phase_id))
        return [(h, review.hunks.get(h.id, HunkReview())) for h in hunks]

    def approve_hunk(self, path: str, index: int) -> Review:
        return self._decide_hunk(path, index, "approved", "")

    def reject_hunk(self, path: str, index: int, comment: str = "") -> Review:
        return self._decide_hunk(path, index, "rejected", comment)

    def reset_hunk(self, path: str, index: int) -> Review:
        return self._decide_hunk(path, index, "pending", "")

    def keep_ours(self, path: str, index: int) -> Review:
        """A conflict resolved with the branch's lines (the person's): decided, nothing of
        the generator's taken there."""
        return self._decide_hunk(path, index, "approved", "", pick="ours")

    def edit_hunk(self, path: str, index: int, text: str) -> Review:
        """A hunk resolved with lines the person wrote, in place of both sides."""
        text = hunk_review.whole_lines(text)
        return self._decide_hunk(path, index, "approved", "", pick="edit", text=text)

    def hunk_sides(self, path: str, index: int) -> tuple[str, str]:
        """The branch's and the proposal's lines of one hunk (what a conflict shows side by
        side, and where an edit of it starts)."""
        found = self.hunks(path)
        if not 0 <= index < len(found):
            raise BadInput(f"{path} has {len(found)} hunks; there is no hunk {index}")
        hunk = found[index][0]
        ours = lines(self.base_content(path) or "")
        theirs = lines(self.review(path).target(self.change(path)))
        return (
            "".join(ours[hunk.base_start : hunk.base_end]),
            "".join(theirs[hunk.new_start : hunk.new_end]),
        )

    def _decide_hunk(
        self,
        path: str,
        index: int,
        decision: Decision,
        comment: str,
        pick: Pick | None = None,
        text: str | None = None,
    ) -> Review:
        self.open_record()
        change, review = self.change(path), self.review(path)
        base = self.base_content(path)
        if change.action != "modify" or base is None:
            raise BadInput(f"{path} is {change.action}d whole: decide it as one file")
        apart = self.apart(path, base)
        try:
            hunk_review.decide(change, review, base, index, decision, comment, pick, text, apart)
        except IndexError as error:
            raise BadInput(str(error)) from None
        self.save()
        return review
