"""The right-hand side of the Phase screen: a bar saying what happens to the selected
file, its checks, and its diff — or the rationale, the in-place editor, or a Markdown file
rendered. It keeps how the person chose to look at files (what will be committed, the
rendered Markdown); split and whole-file live on its diff view."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import ContentSwitcher, Markdown, Static
from textual.widgets.markdown import MarkdownStream

from ...engine.hunk_review import summary
from .checks_panel import ChecksPanel
from .diff_view import DiffView
from .file_editor import FileEditor

if TYPE_CHECKING:
    from ...core.diff import FileDiff
    from ...core.hunks import Apart
    from ...core.proposal import FileChange
    from ...core.review import Review

STATE_WORDS = {
    "pending": ("undecided", "$text-muted"),
    "approved": ("approved", "$text-success"),
    "rejected": ("rejected", "$text-error"),
    "edited": ("edited, not approved", "$text-warning"),
}


def file_bar(
    change: FileChange, state: str, comment: str, diff: FileDiff, extra: str = ""
) -> Content:
    """One line over the diff: the path, what happens to it, the decision, the size, and
    `extra` (how far its hunks are decided)."""
    word, style = STATE_WORDS[state]
    text = Content.assemble(
        (change.path, "bold"),
        f"  {change.action} {change.kind}  ",
        (f"+{diff.added}", "$text-success"),
        " ",
        (f"−{diff.removed}", "$text-error"),
        "  ",
        (word, style),
    )
    if extra:
        text += Content.styled(f"  · {extra}", "$text-accent")
    if comment:
        text += Content.styled(f"  “{comment}”", "$text-error italic")
    if change.why:
        text += Content.styled(f"\n{change.why}", "$text-muted")
    return text


def hunk_line(review: Review, change: FileChange, diff: DiffView) -> str:
    """Under the file bar: how far the hunk review of this file has got."""
    if diff.decisions is None or not diff.hunks:
        return ""
    conflicts = sum(1 for h in diff.hunks if h.conflict)
    said = summary(review, diff.hunks)
    if not said:
        count = len(diff.hunks)
        said = f"{count} hunk{'s' if count != 1 else ''}: h approves, H rejects the one at ▶ (] [ move)"
    if conflicts:
        said += (
            f"; {conflicts} conflict{'s' if conflicts != 1 else ''} (yours | the generator's): "
            "y keeps yours, h takes theirs, I edits"
        )
    return said


class FilePane(Vertical):
    def __init__(self, *, id: str | None = None) -> None:
        # Made here, not in compose(), so they are there when the screen's on_mount runs.
        super().__init__(
            Static(id="file-bar"),
            ChecksPanel(id="checks-panel"),
            ContentSwitcher(
                VerticalScroll(Markdown(id="rationale"), id="rationale-scroll"),
                DiffView(id="diff"),
                FileEditor(id="editor"),
                VerticalScroll(Markdown(id="preview"), id="preview-scroll"),
                id="view",
                initial="rationale-scroll",
            ),
            id=id,
        )
        self.result_view = False
        """Showing what will be committed instead of the proposal (t)."""
        self.rendered = False
        """Showing Markdown files rendered (m)."""

    @property
    def diff(self) -> DiffView:
        return self.query_one(DiffView)

    @property
    def checks(self) -> ChecksPanel:
        return self.query_one(ChecksPanel)

    @property
    def showing(self) -> str:
        return self.query_one("#view", ContentSwitcher).current or ""

    def _switch(self, view: str) -> None:
        self.query_one("#view", ContentSwitcher).current = view

    def show_rationale(self, goal: str, markdown: str | None = None) -> None:
        """The phase's goal over the rationale (`markdown`; None keeps what is there, such
        as a proposal still streaming in)."""
        self.query_one("#file-bar", Static).update(Content.styled(goal, "$text-muted"))
        self._switch("rationale-scroll")
        if markdown is not None:
            self.query_one("#rationale", Markdown).update(markdown)

    def stream_rationale(self) -> MarkdownStream:
        """An empty rationale on screen, ready for text streaming in."""
        markdown = self.query_one("#rationale", Markdown)
        markdown.update("")
        self._switch("rationale-scroll")
        return Markdown.get_stream(markdown)

    def show_file(
        self,
        change: FileChange,
        review: Review,
        old: str | None,
        *,
        decide: bool,
        apart: Apart | None = None,
    ) -> None:
        """The file against the branch (`old`; None: not on the branch); with `decide`, a
        modified file is shown hunk by hunk with each hunk's decision (`apart`: an
        evolution's conflicts, hunks of their own)."""
        path, diff = change.path, self.diff
        state = review.state(change)
        if self.result_view:
            new = None if change.action == "delete" else review.content(change)
            diff.show(path, old, new)
            extra = "showing what will be committed (t shows the proposal)"
        else:
            new = None if change.action == "delete" else review.target(change)
            if decide and change.action == "modify" and old is not None:
                fallback = state if state in ("approved", "rejected") else "pending"
                diff.show(path, old, new, review.hunks, fallback, apart)
            else:
                diff.show(path, old, new)
            extra = hunk_line(review, change, diff)
        self.query_one("#file-bar", Static).update(
            file_bar(change, state, review.comment, diff.diff, extra)
        )
        if self.rendered and path.endswith(".md") and new is not None:
            self.query_one("#preview", Markdown).update(new)
            self._switch("preview-scroll")
        else:
            self._switch("diff")

    def open_editor(self, path: str, text: str) -> FileEditor:
        editor = self.query_one(FileEditor)
        editor.open(path, text)
        self._switch("editor")
        self.query_one("#file-bar", Static).update(
            Content.from_markup(
                "[b]Editing $path[/b] — saved as you type; esc when done", path=path
            )
        )
        editor.focus()
        return editor
