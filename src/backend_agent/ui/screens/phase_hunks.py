"""The Phase screen's per-hunk review: approve, reject (with a comment) or reset the hunk
under the cursor of a modified file, see what will be committed, and ask the provider to
rework the rejected hunks.

The hunks are the engine's (`core.hunks`): the diff widget draws them from the same
matcher, so the index under the cursor is the index the engine decides. New and deleted
files stay whole-file decisions.
"""

from __future__ import annotations

from textual.binding import Binding

from ..keys import explained
from ..widgets.diff_view import DiffView

DECIDE = Binding.Group("Hunk ✓ ✗")
"""h and H share one place in the footer."""
BINDINGS = [
    Binding(
        "h",
        "approve_hunk",
        "Approve hunk",
        id="phase.approve-hunk",
        tooltip="Approve the hunk under the cursor (] and [ move between hunks)",
        group=DECIDE,
    ),
    Binding(
        "H",
        "reject_hunk",
        "Reject hunk",
        id="phase.reject-hunk",
        tooltip="Reject the hunk under the cursor, with a comment for a rework",
        group=DECIDE,
    ),
    Binding(
        "u",
        "reset_hunk",
        "Reset hunk",
        id="phase.reset-hunk",
        show=False,
        tooltip="Make the hunk under the cursor undecided again",
    ),
    Binding(
        "right_square_bracket",
        "next_hunk",
        "Next hunk",
        id="phase.next-hunk",
        show=False,
        tooltip="Move the cursor to the next hunk",
    ),
    Binding(
        "left_square_bracket",
        "previous_hunk",
        "Prev hunk",
        id="phase.previous-hunk",
        show=False,
        tooltip="Move the cursor to the previous hunk",
    ),
    Binding(
        "y",
        "keep_yours",
        "Keep yours",
        id="phase.keep-yours",
        tooltip="A conflict: keep the branch's lines (yours) and leave the generator's out",
    ),
    Binding(
        "I",
        "edit_hunk",
        "Edit hunk",
        id="phase.edit-hunk",
        tooltip="A conflict: write the lines yourself, starting from the generator's",
    ),
    Binding(
        "t",
        "toggle_result",
        "To commit",
        id="phase.result",
        show=False,
        tooltip="Show what will be committed: the branch file with the approved hunks",
    ),
    Binding(
        "w",
        "rework_hunks",
        "Rework",
        id="phase.rework",
        tooltip="Ask the provider to redo only the rejected hunks, with your comments",
    ),
]


class HunkActions:
    """Mixed into PhaseScreen: needs its session, record, pane, `_reviewable` and
    `_run_provider`."""

    def hunks_shown(self) -> bool:
        """The selected file is shown hunk by hunk, ready for decisions."""
        diff = self.query_one(DiffView)
        return (
            not self.result_view
            and self.selected_path() is not None
            and diff.decisions is not None
            and bool(diff.hunks)
        )

    def _hunk_target(self, what: str) -> tuple[str, int] | None:
        """The selected file and the hunk under the cursor, when a decision makes sense
        (the keys are off otherwise: new and deleted files are decided whole)."""
        path = self._reviewable(what)
        if path is None or not self.hunks_shown():
            return None
        return path, self.query_one(DiffView).current_hunk

    @explained
    def action_approve_hunk(self) -> None:
        target = self._hunk_target("approve")
        if target:
            self._decide_hunk(*target, "approve")

    @explained
    def action_reject_hunk(self) -> None:
        target = self._hunk_target("reject")
        if target is None:
            return
        from ..modals import PromptModal

        path, index = target

        def rejected(comment: str | None) -> None:
            if comment is not None:
                self._decide_hunk(path, index, "reject", comment)

        self.app.push_screen(
            PromptModal(
                f"Reject hunk {index + 1} of {path}",
                "What should change? (optional; a rework sends it with the hunk). Enter rejects.",
                multiline=False,
                placeholder="e.g. keep the old timeout here",
            ),
            rejected,
        )

    def conflict_shown(self) -> bool:
        """The hunk under the cursor is an evolution's conflict."""
        diff = self.query_one(DiffView)
        return self.hunks_shown() and diff.hunks[diff.current_hunk].conflict

    @explained
    def action_keep_yours(self) -> None:
        target = self._hunk_target("keep yours in")
        if target and self.conflict_shown():
            self._decide_hunk(*target, "ours")

    @explained
    def action_edit_hunk(self) -> None:
        target = self._hunk_target("edit")
        if target is None or not self.conflict_shown():
            return
        from ..modals import PromptModal

        path, index = target
        _, theirs = self.session.hunk_sides(path, index)

        def edited(text: str | None) -> None:
            if text is not None:
                self._decide_hunk(path, index, "edit", text=text)

        self.app.push_screen(
            PromptModal(
                f"Edit hunk {index + 1} of {path}",
                "These lines replace the conflict (yours and the generator's). ctrl+s keeps them.",
                multiline=True,
                initial=theirs,
                strip=False,
            ),
            edited,
        )

    @explained
    def action_reset_hunk(self) -> None:
        target = self._hunk_target("reset")
        if target:
            self._decide_hunk(*target, "reset")

    def on_diff_view_hunk_clicked(self, message: DiffView.HunkClicked) -> None:
        if message.action == "reject":
            self.action_reject_hunk()
        elif message.action == "approve":
            self.action_approve_hunk()
        else:
            self.action_reset_hunk()

    def _decide_hunk(
        self, path: str, index: int, how: str, comment: str = "", text: str = ""
    ) -> None:
        session = self.session
        calls = {
            "approve": lambda: session.approve_hunk(path, index),
            "reject": lambda: session.reject_hunk(path, index, comment),
            "reset": lambda: session.reset_hunk(path, index),
            "ours": lambda: session.keep_ours(path, index),
            "edit": lambda: session.edit_hunk(path, index, text),
        }

        # What would be committed changes: check the file again once decided.
        self.decide(
            calls[how], f"{how} hunk {index + 1} of {path}", path, lambda: self.recheck(path)
        )
        if how != "reset":
            self._next_pending_hunk(index)

    def _next_pending_hunk(self, after: int) -> None:
        """Move the cursor on at once (the decision is still being saved), so the next
        key acts on the next undecided hunk."""
        diff = self.query_one(DiffView)
        count = len(diff.hunks)
        for offset in range(1, count):
            index = (after + offset) % count
            if diff.decision(index) == "pending":
                diff.current_hunk = index
                return

    @explained
    def action_next_hunk(self) -> None:
        self.query_one(DiffView).action_next_hunk()

    @explained
    def action_previous_hunk(self) -> None:
        self.query_one(DiffView).action_previous_hunk()

    @explained
    def action_toggle_result(self) -> None:
        self.pane.result_view = not self.pane.result_view
        self.show_selected()
        self.remember()

    def rework_ready(self) -> bool:
        record = self.record
        return record.proposal is not None and any(
            r.decision == "rejected"
            for review in record.reviews.values()
            for r in review.hunks.values()
        )

    @explained
    def action_rework_hunks(self) -> None:
        if self._reviewable_phase() and self.rework_ready():
            self._run_provider(None, rework=True)
