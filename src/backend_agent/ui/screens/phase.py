"""Phase: one screen class for all six phases — generate, review, edit, revise, commit.

It renders the session's record of the phase and calls the session's methods; the
provider and git run in thread workers, and everything they report arrives here as
messages, in order. Its parts are widgets with their own state: the stepper, the file
list, the file pane (bar, checks, diff, editor) and the footer.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Header, OptionList, Static
from textual.widgets.markdown import MarkdownStream

from ...core.phases import PHASES, phase
from ...engine.checking import phase_results
from ...resources import stylesheet
from ..breakpoints import HORIZONTAL, VERTICAL, WIDE_AT
from ..keys import explained
from ..widgets.diff_view import DiffView
from ..widgets.file_list import RATIONALE, FileList
from ..widgets.file_pane import FilePane
from ..widgets.key_bar import KeyBar
from ..widgets.stepper import Stepper
from .phase_bindings import BINDINGS as PHASE_BINDINGS
from .phase_bindings import HELP_GROUPS, HELP_ORDER, KEY_RANK
from .phase_checks import CheckRuns
from .phase_commits import CommitActions
from .phase_edits import EditActions
from .phase_hints import Situation, situation_of, why_not
from .phase_hunks import HunkActions
from .phase_runs import ProviderRuns
from .phase_text import evolution_banner, file_row, rationale_markdown, review_counts

if TYPE_CHECKING:
    from ..app import WizardApp


class PhaseScreen(CommitActions, HunkActions, EditActions, ProviderRuns, CheckRuns, Screen):
    app: WizardApp
    CSS_PATH = stylesheet("phase")
    HORIZONTAL_BREAKPOINTS = HORIZONTAL
    VERTICAL_BREAKPOINTS = VERTICAL
    BINDINGS = PHASE_BINDINGS
    KEY_RANK = KEY_RANK
    HELP_GROUPS = HELP_GROUPS
    HELP_ORDER = HELP_ORDER
    HELP_TITLE = "Phase"

    def __init__(self, phase_id: str, *, generate: bool = False) -> None:
        super().__init__()
        self.phase = phase(phase_id)
        self.auto_generate = generate
        self.busy = False
        self.busy_text = ""
        self.editing: str | None = None
        self._bases: dict[str, str] = {}
        self._cancel: threading.Event | None = None
        self._stream: MarkdownStream | None = None
        self._edit_timer: Timer | None = None
        self._states: dict[str, str] = {}
        """Each file's review state as the list shows it."""
        self._phase_results: list = []
        self._view_lock = threading.Lock()
        self._view_then: list = []
        self._view_queued = self._view_bases = False
        self._restore: str | None = None
        """The file to select once the list is loaded (the person's place)."""
        self._restoring = False
        self._snapshot: Situation | None = None

    @property
    def session(self):
        return self.app.session

    @property
    def record(self):
        return self.session.record(self.phase.id)

    @property
    def pane(self) -> FilePane:
        return self.query_one(FilePane)

    @property
    def result_view(self) -> bool:
        return self.pane.result_view

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="evolution")
        yield Stepper(id="stepper")
        with Horizontal(id="phase-body"):
            with Vertical(id="phase-side"):
                yield FileList(id="files")
                yield Static(id="counts")
            yield FilePane(id="phase-main")
        yield Static(id="progress")
        yield KeyBar()

    def on_mount(self) -> None:
        session = self.session
        if session.state.current != self.phase.id:
            self.app.run_step(lambda: session.goto(self.phase.id), doing="change phase")
        self._apply_place()
        self.query_one(FileList).focus()
        record = self.record
        if record.proposal is None and record.status != "committed":
            self.refresh_all()
            if self.auto_generate:
                self.action_generate()
        else:
            self.refresh_all(self.checks_on_open)

    def on_resize(self) -> None:
        for files in self.query(FileList):
            files.narrow = self.size.width < WIDE_AT

    def refresh_all(self, then: Callable[[], object] | None = None) -> None:
        """Draw the phase from the session's record, then call `then`."""
        state = self.session.state
        self.sub_title = f"{state.build} · {state.branch} · {self.session.provider_label}"
        self.title = f"Phase {self.phase.number} of {len(PHASES)}: {self.phase.title}"
        self.query_one(Stepper).show({p: r.status for p, r in state.phases.items()}, self.phase.id)
        banner = self.query_one("#evolution", Static)
        banner.display = bool(self.record.evolution)
        if self.record.evolution:
            banner.update(evolution_banner(state.evolutions[self.record.evolution - 1]))
        self.show_selected()
        self.load_files(then, bases=True)

    def load_files(self, then: Callable[[], object] | None = None, *, bases: bool = False) -> None:
        """List the files again. What that needs — every file's review state and check
        mark, the counts and the phase-wide check results, which hash every file, and
        with `bases` the branch's versions — is worked out in a worker: a proposal of
        thousands of files must not stall a frame. Requests made before it starts are
        served by one run."""
        with self._view_lock:
            self._view_then.append(then)
            self._view_bases = self._view_bases or bases
            if self._view_queued:
                return
            self._view_queued = True
        session, record = self.session, self.record

        def work() -> tuple:
            with self._view_lock:
                self._view_queued = False
                thens, self._view_then = self._view_then, []
                read, self._view_bases = self._view_bases, False
            proposal = record.proposal
            changes = proposal.changes if proposal else []
            found = self._bases
            if read and proposal is not None:
                found = session.base_contents([c.path for c in changes if c.action != "create"])
            rows = [file_row(record, c, found.get(c.path)) for c in changes]
            return thens, found, rows, review_counts(record), phase_results(record)

        self.app.run_step(work, doing="read the phase", done=self._view_ready)

    def _view_ready(self, view: tuple) -> None:
        if not self.is_attached:  # the person has moved on to another phase
            return
        thens, self._bases, rows, counts, self._phase_results = view
        self._states = {row[0]: row[2] for row in rows}
        self.has_failures = any(r.status == "fail" for r in self._phase_results) or any(
            row[3] is not None and row[3][0].startswith("✗") for row in rows
        )
        select, self._restore = self._restore, None
        self._restoring = select is not None
        self.query_one(FileList).load("≡ Rationale and questions", rows, select=select)
        self.query_one("#counts", Static).update(counts)
        self.show_selected()
        if self._restoring:
            self.call_after_refresh(self._apply_scroll)
        # The build state lives as long as the screen; kept out of full garbage collections,
        # which otherwise stall a keystroke for ~100 ms every dozen moves on a big proposal.
        gc.freeze()
        for then in thens:
            if then is not None:
                then()

    # ------------------------------------------------------------ your place
    def _apply_place(self) -> None:
        """How the person looks at files, and where they were in this phase."""
        place = self.app.place
        pane, diff = self.pane, self.pane.diff
        mine = place.phase(self.phase.id)
        pane.rendered = place.rendered
        pane.result_view = mine.result_view
        pane.checks.output_open = place.test_output
        diff.set_reactive(DiffView.split, place.split)
        diff.set_reactive(DiffView.whole_file, place.whole_file)
        self.set_class(place.files_hidden, "-files-hidden")
        self._restore = mine.path

    def _apply_scroll(self, tries: int = 20) -> None:
        """Put the diff back on the saved hunk and scroll once it shows the saved file;
        a loaded machine may show it a few refreshes late. Until then nothing is
        remembered, so an early keystroke cannot overwrite the saved place."""
        mine = self.app.place.phase(self.phase.id)
        diff = self.pane.diff
        if not self.is_attached:
            return
        if self.selected_path() != mine.path or diff.path != mine.path or not diff.hunks:
            if tries and self.selected_path() == mine.path:
                self.call_after_refresh(self._apply_scroll, tries - 1)
            else:
                self._restoring = False
            return
        self._restoring = False
        if 0 < mine.hunk < len(diff.hunks):
            diff.current_hunk = mine.hunk
        diff.scroll_to(y=mine.scroll, animate=False, immediate=True)

    def remember(self) -> None:
        """Note where the person is (kept in memory, saved a moment later)."""
        if not self.is_attached or self._restoring or self._restore is not None:
            return  # the place is still being restored
        place, pane = self.app.place, self.pane
        mine = place.phase(self.phase.id)
        mine.path = self.selected_path()
        mine.result_view = pane.result_view
        diff = pane.diff
        if mine.path is not None and diff.path == mine.path:
            mine.hunk, mine.scroll = diff.current_hunk, round(diff.scroll_y)
        place.rendered = pane.rendered
        place.test_output = pane.checks.output_open
        place.split, place.whole_file = diff.split, diff.whole_file
        place.files_hidden = self.has_class("-files-hidden")
        self.app.save_place_soon()

    def on_diff_view_moved(self) -> None:
        self.remember()

    def on_screen_suspend(self) -> None:
        self.remember()

    # -------------------------------------------------------------- selection
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "files" and not self.busy:
            self.show_selected()
            self.remember()

    def selected_path(self) -> str | None:
        chosen = self.query_one(FileList).highlighted_id
        return None if chosen in (None, RATIONALE) else chosen

    def show_selected(self) -> None:
        self._show_selected()
        self.query_one(KeyBar).update_keys()

    def _show_selected(self) -> None:
        if self.editing is not None:
            self._close_editor()
        pane = self.pane
        path = self.selected_path()
        record = self.record
        self.show_checks()
        if path is None or record.proposal is None:
            markdown = (
                None
                if self.busy
                else rationale_markdown(self.phase, record, self.session.state.answers)
            )
            pane.show_rationale(self.phase.goal, markdown)
            return
        change = record.proposal.change(path)
        old = self._bases.get(path)
        merged = path in record.merges and old is not None
        pane.show_file(
            change,
            record.review(path),
            old,
            decide=record.status != "committed",
            apart=self.session.apart(path, old) if merged else None,
        )

    def decide(self, call: Callable[[], object], doing: str, path: str, then=None) -> None:
        """Change one file's review in a worker (the engine saves the state) and draw it
        from what the worker read back: its row and the counts, which hash every file."""
        record, bases = self.record, self._bases

        def work() -> tuple:
            call()
            change = record.proposal.change(path)
            return file_row(record, change, bases.get(path)), review_counts(record)

        def done(view: tuple) -> None:
            if not self.is_attached:
                return
            row, counts = view
            self._states[path] = row[2]
            self.query_one(FileList).set_state(*row)
            self.query_one("#counts", Static).update(counts)
            if self.editing is None:  # an edit saved as you type leaves the editor open
                self.show_selected()
            if then is not None:
                then()

        self.app.run_step(work, doing=doing, done=done)

    def _next_undecided(self) -> None:
        """Highlight the next file left to decide, as the list last showed them."""
        files = self.query_one(FileList)
        changes = self.record.proposal.changes if self.record.proposal else []
        start = files.highlighted or 0
        for offset in range(1, len(changes) + 1):
            index = (start - 1 + offset) % len(changes)
            if self._states.get(changes[index].path) in ("pending", "edited"):
                files.highlighted = index + 1
                return

    # ------------------------------------------------------ what keys can do
    def situation(self) -> Situation:
        return situation_of(self)

    def why_not(self, action: str) -> str | None:
        if self.session is None:
            return "no build is open"
        return why_not(action, self._snapshot or self.situation())

    @contextmanager
    def reading_keys(self) -> Iterator[None]:
        """Every key is asked about at once (footer, help, palette): one snapshot for all."""
        self._snapshot = self.situation() if self.session is not None else None
        try:
            yield
        finally:
            self._snapshot = None

    def key_shown(self, binding) -> bool:
        """The footer offers a hidden key when it is what there is to do next."""
        if self.session is None:  # the build is closing
            return False
        record = self.record
        if binding.action == "undo":
            return record.status == "committed"
        if binding.action == "summary":
            return record.status == "committed" or self.phase.number == len(PHASES)
        if binding.action == "escape":
            running = self.busy or self._check_cancel is not None
            return running or self.pane.rendered or self.pane.result_view
        if binding.action == "toggle_output":
            return self.pane.checks.has_output
        if binding.action == "toggle_files":
            return self.has_class("-files-hidden")
        return binding.show

    def key_label(self, binding) -> str:
        if binding.action == "escape":
            return "Cancel" if self.busy or self._check_cancel is not None else "Close view"
        if binding.action == "toggle_output":
            return "Hide output" if self.pane.checks.output_open else "Test output"
        return binding.description

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.session is not None

    # ---------------------------------------------------------------- actions
    def _reviewable(self, what: str) -> str | None:
        """The selected file, when a review action makes sense right now."""
        if self.busy or self.record.proposal is None or self.record.status == "committed":
            return None
        return self.selected_path()

    @explained
    def action_approve(self) -> None:
        path = self._reviewable("approve")
        if path:
            self._decide(lambda: self.session.approve(path), f"approve {path}", path)

    def _decide(self, call, doing: str, path: str, *, advance: bool = True) -> None:
        """Decide a file; the cursor moves on at once (the decision is still being saved),
        so the next key acts on the next file."""
        self.decide(call, doing, path)
        if advance:
            self._next_undecided()

    @explained
    def action_reject(self) -> None:
        path = self._reviewable("reject")
        if path is None:
            return
        from ..modals import PromptModal

        def rejected(comment: str | None) -> None:
            if comment is not None:
                self._decide(lambda: self.session.reject(path, comment), f"reject {path}", path)

        self.app.push_screen(
            PromptModal(
                f"Reject {path}",
                "Why? (optional; the provider reads it when you revise). Enter rejects.",
                multiline=False,
                placeholder="e.g. use bigint keys here",
            ),
            rejected,
        )

    @explained
    def action_approve_all(self) -> None:
        if not self._reviewable_phase():
            return
        session = self.session

        def work() -> dict[str, str]:
            held = session.held_back()
            session.approve_all()
            return held

        self.app.run_step(work, doing="approve all", done=self._approved_all)

    def _approved_all(self, held: dict[str, str]) -> None:
        self.refresh_all()
        for path, why in held.items():
            self.notify(
                f"{path}: {why}. Review it and approve it on its own (a).",
                title="Not approved with the rest",
                severity="warning",
                timeout=15,
            )

    def _reviewable_phase(self) -> bool:
        return (
            not self.busy and self.record.proposal is not None and self.record.status != "committed"
        )

    @explained
    def action_reset(self) -> None:
        path = self._reviewable("reset")
        if path:
            self._decide(lambda: self.session.reset(path), f"reset {path}", path, advance=False)

    # ------------------------------------------------------------------ views
    @explained
    def action_toggle_split(self) -> None:
        diff = self.pane.diff
        diff.split = not diff.split
        self.remember()

    @explained
    def action_toggle_whole_file(self) -> None:
        diff = self.pane.diff
        diff.whole_file = not diff.whole_file
        self.remember()

    @explained
    def action_toggle_rendered(self) -> None:
        self.pane.rendered = not self.pane.rendered
        self.show_selected()
        self.remember()

    def action_toggle_files(self) -> None:
        hidden = not self.has_class("-files-hidden")
        self.set_class(hidden, "-files-hidden")
        if hidden:
            self.pane.diff.focus()
        else:
            self.query_one(FileList).focus()
        self.query_one(KeyBar).update_keys()
        self.remember()

    # ------------------------------------------------------------- navigation
    @explained
    def action_next_phase(self) -> None:
        self._go(self.phase.number + 1)

    @explained
    def action_previous_phase(self) -> None:
        self._go(self.phase.number - 1)

    def action_goto_phase(self, phase_id: str) -> None:
        self._go(phase(phase_id).number)

    def _go(self, number: int) -> None:
        if self.busy or not 1 <= number <= len(PHASES) or number == self.phase.number:
            return
        self._close_editor()
        self.app.switch_screen(PhaseScreen(PHASES[number - 1].id))

    @explained
    def action_summary(self) -> None:
        from .summary import SummaryScreen

        self._close_editor()
        self.app.push_screen(SummaryScreen())

    def action_back(self) -> None:
        """Back to the start screen, once every change asked for is saved; the build
        stays as it is, to resume from there."""
        self._close_editor()
        self.remember()
        self.app.run_step(lambda: None, doing="save the build", done=lambda _: self.app.leave())
