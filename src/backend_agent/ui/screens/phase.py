"""Phase: one screen class for all six phases — generate, review, edit, revise, commit.

It renders the session's record of the phase and calls the session's methods; the
provider and git run in thread workers, and everything they report arrives here as
messages, in order.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import ContentSwitcher, Footer, Header, Log, Markdown, OptionList, Static
from textual.widgets.markdown import MarkdownStream

from ...core.phases import PHASES, phase
from ...engine.checking import phase_results
from ..widgets.diff_view import DiffView
from ..widgets.file_editor import FileEditor
from ..widgets.file_list import RATIONALE, FileList
from ..widgets.stepper import Stepper
from .phase_bindings import BINDINGS as PHASE_BINDINGS
from .phase_checks import CheckRuns
from .phase_commits import CommitActions
from .phase_edits import EditActions
from .phase_hunks import CONFLICT_ACTIONS, HUNK_ACTIONS, HunkActions, hunk_line
from .phase_runs import ProviderRuns
from .phase_text import (
    evolution_banner,
    file_bar,
    file_row,
    rationale_markdown,
    review_counts,
)

if TYPE_CHECKING:
    from ..app import WizardApp

REVIEW_ACTIONS = {"approve", "reject", "approve_all", "edit", "edit_external", "reset"}


class PhaseScreen(CommitActions, HunkActions, EditActions, ProviderRuns, CheckRuns, Screen):
    app: WizardApp
    BINDINGS = PHASE_BINDINGS

    def __init__(self, phase_id: str, *, generate: bool = False) -> None:
        super().__init__()
        self.phase = phase(phase_id)
        self.auto_generate = generate
        self.busy = False
        self.rendered = False
        self.editing: str | None = None
        self._bases: dict[str, str] = {}
        self._cancel: threading.Event | None = None
        self._stream: MarkdownStream | None = None
        self._edit_timer: Timer | None = None
        self._keys_shown: tuple = ()
        self._states: dict[str, str] = {}
        """Each file's review state as the list shows it."""
        self._phase_results: list = []
        self._view_lock = threading.Lock()
        self._view_then: list = []
        self._view_queued = self._view_bases = False

    @property
    def session(self):
        return self.app.session

    @property
    def record(self):
        return self.session.record(self.phase.id)

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(id="evolution")
        yield Stepper(id="stepper")
        with Horizontal(id="phase-body"):
            with Vertical(id="phase-side"):
                yield FileList(id="files")
                yield Static(id="counts")
            with Vertical(id="phase-main"):
                yield Static(id="file-bar")
                yield Static(id="checks")
                with ContentSwitcher(id="view", initial="rationale-scroll"):
                    with VerticalScroll(id="rationale-scroll"):
                        yield Markdown(id="rationale")
                    yield DiffView(id="diff")
                    yield FileEditor(id="editor")
                    with VerticalScroll(id="preview-scroll"):
                        yield Markdown(id="preview")
                yield Log(id="check-log", max_lines=5000)
        yield Static(id="progress")
        yield Footer()

    def on_mount(self) -> None:
        session = self.session
        if session.state.current != self.phase.id:
            self.app.run_step(lambda: session.goto(self.phase.id), doing="change phase")
        self.query_one(FileList).focus()
        record = self.record
        if record.proposal is None and record.status != "committed":
            self.refresh_all()
            if self.auto_generate:
                self.action_generate()
        else:
            self.refresh_all(self.checks_on_open)

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
        self.query_one(FileList).load("≡ Rationale and questions", rows)
        self.query_one("#counts", Static).update(counts)
        self.show_selected()
        # The build state lives as long as the screen; kept out of full garbage collections,
        # which otherwise stall a keystroke for ~100 ms every dozen moves on a big proposal.
        gc.freeze()
        for then in thens:
            if then is not None:
                then()

    # -------------------------------------------------------------- selection
    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if event.option_list.id == "files" and not self.busy:
            self.show_selected()

    def selected_path(self) -> str | None:
        chosen = self.query_one(FileList).highlighted_id
        return None if chosen in (None, RATIONALE) else chosen

    def show_selected(self) -> None:
        self._show_selected()
        # The hunk keys come and go with the file shown. Only a change redraws the footer:
        # it is rebuilt from new widgets, too slow for every move in a long list.
        keys = (self.hunks_shown(), self.result_view, self.rework_ready(), self.has_failures)
        if keys != self._keys_shown:
            self._keys_shown = keys
            self.refresh_bindings()

    def _show_selected(self) -> None:
        if self.editing is not None:
            self._close_editor()
        switcher = self.query_one("#view", ContentSwitcher)
        bar = self.query_one("#file-bar", Static)
        path = self.selected_path()
        record = self.record
        self.show_checks()
        if path is None or record.proposal is None:
            bar.update(Content.styled(self.phase.goal, "$text-muted"))
            switcher.current = "rationale-scroll"
            if not self.busy:
                self.query_one("#rationale", Markdown).update(
                    rationale_markdown(self.phase, record, self.session.state.answers)
                )
            return
        change = record.proposal.change(path)
        review = record.review(path)
        state = review.state(change)
        old = self._bases.get(path)
        diff = self.query_one(DiffView)
        if self.result_view:
            new = None if change.action == "delete" else review.content(change)
            diff.show(path, old, new)
            extra = "showing what will be committed (t shows the proposal)"
        else:
            new = None if change.action == "delete" else review.target(change)
            reviewing = change.action == "modify" and old is not None
            if reviewing and record.status != "committed":
                fallback = state if state in ("approved", "rejected") else "pending"
                apart = self.session.apart(path, old) if path in record.merges else None
                diff.show(path, old, new, review.hunks, fallback, apart)
            else:
                diff.show(path, old, new)
            extra = hunk_line(review, change, diff)
        bar.update(file_bar(change, state, review.comment, diff.diff, extra))
        if self.rendered and path.endswith(".md") and new is not None:
            self.query_one("#preview", Markdown).update(new)
            switcher.current = "preview-scroll"
        else:
            switcher.current = "diff"

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

    # ---------------------------------------------------------------- actions
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.session is None:
            return False
        record = self.record
        if action == "generate":
            return record.proposal is None and record.status != "committed"
        if action == "undo":
            return any(r.status == "committed" for r in self.session.state.phases.values())
        if action in HUNK_ACTIONS:
            if not self.hunks_shown() or record.status == "committed":
                return False
            if action in CONFLICT_ACTIONS and not record.merges:
                return False
            return None if self.busy else True
        if action == "rework_hunks" and not self.rework_ready():
            return False
        if action in REVIEW_ACTIONS | {"revise", "commit", "rework_hunks", "toggle_result"}:
            if record.proposal is None or record.status == "committed":
                return False
            return None if self.busy else True
        if action == "fix" and not self.has_failures:
            return False  # shown when the checks found something to fix
        if action in ("run_checks", "fix"):
            return record.proposal is not None and record.status != "committed"
        if action in ("next_phase", "previous_phase", "summary"):
            return None if self.busy else True
        return True

    def _reviewable(self, what: str) -> str | None:
        """The selected file, when a review action makes sense right now."""
        if self.busy or self.record.proposal is None or self.record.status == "committed":
            return None
        path = self.selected_path()
        if path is None:
            self.notify(f"select a file to {what} (up/down in the list)", severity="warning")
        return path

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

    def action_reset(self) -> None:
        path = self._reviewable("reset")
        if path:
            self._decide(lambda: self.session.reset(path), f"reset {path}", path, advance=False)

    def action_toggle_split(self) -> None:
        diff = self.query_one(DiffView)
        diff.split = not diff.split

    def action_toggle_rendered(self) -> None:
        self.rendered = not self.rendered
        self.show_selected()

    # ------------------------------------------------------------- navigation
    def action_next_phase(self) -> None:
        self._go(self.phase.number + 1)

    def action_previous_phase(self) -> None:
        self._go(self.phase.number - 1)

    def action_goto_phase(self, phase_id: str) -> None:
        self._go(phase(phase_id).number)

    def _go(self, number: int) -> None:
        if self.busy or not 1 <= number <= len(PHASES) or number == self.phase.number:
            return
        self._close_editor()
        self.app.switch_screen(PhaseScreen(PHASES[number - 1].id))

    def action_summary(self) -> None:
        from .summary import SummaryScreen

        self._close_editor()
        self.app.push_screen(SummaryScreen())
