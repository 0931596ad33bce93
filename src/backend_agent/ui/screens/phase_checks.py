"""The Phase screen's checks: run in a worker after every proposal (and again for a file
after it is edited), results in a panel beside the diff and as a mark on each file, the
test output streaming into a log, escape to cancel, and "ask to fix"."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message
from textual.timer import Timer

from ..keys import explained
from ..widgets.file_list import FileList
from ..widgets.key_bar import KeyBar
from .phase_text import file_row

if TYPE_CHECKING:
    from ...core.checks import CheckEvent, CheckResult
    from ...engine.state import PhaseRecord

BULK = 8
"""More files than this get their marks by rebuilding the list once."""
RECHECK_DELAY = 1.0
"""Seconds after an edit is saved before the file is checked again."""
GLYPHS = {
    "pass": ("✓", "$text-success"),
    "fail": ("✗", "$text-error"),
    "warn": ("!", "$text-warning"),
    "skipped": ("–", "$text-muted"),
}


class CheckMessage(Message):
    def __init__(self, event: CheckEvent) -> None:
        super().__init__()
        self.event = event


class ChecksFinished(Message):
    def __init__(self, error: BaseException | None) -> None:
        super().__init__()
        self.error = error


def result_line(result: CheckResult, path: str | None) -> Content:
    glyph, style = GLYPHS[result.status]
    where = result.where(path) if result.line else ""
    return Content.assemble(
        (glyph, style),
        " ",
        (result.check, "bold"),
        "  ",
        (f"{where}  " if where else "", "$text-muted"),
        result.message,
    )


def check_panel(
    record: PhaseRecord, path: str | None, status: str, phase: list[CheckResult]
) -> Content:
    """The panel beside the diff: the run's state, then the selected file's results (or,
    on the rationale, `phase`: the results about the whole proposal)."""
    from ...engine.checking import file_results

    lines = [Content.styled(f"Checks: {status}", "bold")]
    if path is not None and record.proposal is not None:
        change = record.proposal.change(path)
        results = file_results(record, change) if change else None
        if results is None:
            lines.append(Content.styled("not checked yet", "$text-muted"))
        else:
            order = {"fail": 0, "warn": 1, "skipped": 2, "pass": 3}
            ranked = sorted(results, key=lambda r: order[r.status])
            lines += [result_line(r, path) for r in ranked]
    else:
        lines += [result_line(r, None) for r in phase]
    return Content("\n").join(lines)


class CheckRuns:
    """Mixed into PhaseScreen: needs its session, record, phase and file list."""

    _check_cancel: threading.Event | None = None
    _check_status: str = ""
    _queued: list[str] | None | bool = False
    """What to check when the running check ends: False nothing, None everything."""
    _recheck: set[str]
    _recheck_timer: Timer | None = None
    _after_revision = None
    has_failures = False
    """The checks found something the provider could be asked to fix."""

    def after_proposal(self, error: BaseException | None) -> None:
        """A provider run ended: say what a fix changed, and check the new proposal."""
        changed, self._after_revision = self._after_revision, None
        if error is None:
            if changed is not None:
                changed()
            self.start_checks()

    def start_checks(self, paths: list[str] | None = None, *, tests: bool = True) -> None:
        record = self.record
        if record.proposal is None or record.status == "committed":
            return
        if self._check_cancel is not None:
            self._queued = None if paths is None or self._queued is None else paths
            return
        from ...core.checks import CheckOptions

        session = self.session
        options = CheckOptions(tests=tests)
        cancel = self._check_cancel = threading.Event()
        if paths is None:
            self.pane.checks.clear_output()
        self._show_status(f"running{' for ' + ', '.join(paths) if paths else ''} · esc cancels")
        self.query_one(KeyBar).update_keys()

        def work() -> None:
            try:
                for event in session.check(paths, options=options, cancel=cancel):
                    self.post_message(CheckMessage(event))
            except BaseException as error:  # noqa: BLE001 - shown on screen
                self.post_message(ChecksFinished(error))
            else:
                self.post_message(ChecksFinished(None))

        self.app.run_engine(work, doing="check the proposal", cancel=cancel)

    def checks_on_open(self) -> None:
        """A proposal nobody checked (or checked before an edit) is checked on sight."""
        record = self.record
        if record.proposal is None:
            return
        committed = record.status == "committed"
        if not committed and (
            record.checks is None or any(r.check == "checks" for r in self._phase_results)
        ):
            self.start_checks()
        else:  # the stored results, with their age (hashes every file: not on this thread)
            from ...engine.checking import stored_status

            never = "not run before the commit" if committed else ""
            self.app.run_step(
                lambda: stored_status(record),
                doing="read the checks",
                done=lambda status: self._show_status(status or never),
            )

    def recheck(self, path: str) -> None:
        """An edit was saved: check that file again once the typing pauses."""
        if not hasattr(self, "_recheck"):
            self._recheck = set()
        self._recheck.add(path)
        if self._recheck_timer is not None:
            self._recheck_timer.stop()
        self._recheck_timer = self.set_timer(RECHECK_DELAY, self._run_recheck)

    def _run_recheck(self) -> None:
        paths, self._recheck = sorted(self._recheck), set()
        if paths:
            self.start_checks(paths, tests=False)

    def on_check_message(self, message: CheckMessage) -> None:
        from ...core.checks import CheckOutput, CheckProgress, ChecksDone, ChecksUpdated

        event = message.event
        if isinstance(event, CheckOutput):
            self.pane.checks.write_output(event.line)
            if self.pane.checks.lines == 1:
                self.query_one(KeyBar).update_keys()
        elif isinstance(event, CheckProgress):
            self._show_status(f"{event.message} · esc cancels")
        elif isinstance(event, ChecksUpdated):
            self._mark_checked(event.paths)
        elif isinstance(event, ChecksDone):
            failed = len(event.failures)
            self.has_failures = bool(failed)
            if event.checks.cancelled:
                status = "cancelled; k runs them again"
            else:
                status = event.headline
                if failed:
                    status += " · f asks the provider to fix them"
            self._show_status(status)
            self._mark_checked(tuple(self.record.checks.files) if self.record.checks else ())

    def on_checks_finished(self, message: ChecksFinished) -> None:
        self._check_cancel = None
        if message.error is not None:
            self._show_status("failed to run")
            self.app.show_error(message.error, "check the proposal", ["press k to try again"])
        queued, self._queued = self._queued, False
        if queued is not False:
            self.start_checks(queued, tests=queued is None)
        self.query_one(KeyBar).update_keys()

    def _mark_checked(self, paths: tuple[str, ...]) -> None:
        record = self.record
        files = self.query_one(FileList)
        if len(paths) > BULK:  # one rebuild of the list, not a redraw per file
            self.load_files()
            paths = ()
        for path in paths:
            change = record.proposal.change(path) if record.proposal else None
            if change is not None:
                row = file_row(record, change, self._bases.get(path))
                self._states[path] = row[2]
                files.set_state(*row)
        self.show_checks()
        self.query_one(KeyBar).update_keys()

    def _show_status(self, status: str) -> None:
        self._check_status = status
        self.show_checks()

    def show_checks(self) -> None:
        if self.record.proposal is None:
            self.pane.checks.show("")
            return
        status = self._check_status or "not run yet · k runs them"
        self.pane.checks.stale = self._check_cancel is None and any(
            r.check == "tests" and r.not_run for r in self._phase_results
        )
        self.pane.checks.show(
            check_panel(self.record, self.selected_path(), status, self._phase_results)
        )

    def cancel_checks(self) -> bool:
        if self._check_cancel is None:
            return False
        self._check_cancel.set()
        self._queued = False
        self._show_status("cancelling…")
        return True

    # ---------------------------------------------------------------- actions
    @explained
    def action_run_checks(self) -> None:
        self.start_checks()

    @explained
    def action_toggle_output(self) -> None:
        checks = self.pane.checks
        checks.output_open = not checks.output_open
        self.query_one(KeyBar).update_keys()
        self.remember()

    @explained
    def action_fix(self) -> None:
        """Send the failures to the provider as revision feedback."""
        from ...engine.checking import CANNOT_REVISE, describe_revision

        if not self._reviewable_phase():
            return
        feedback = self.session.fix_feedback()
        if feedback is None:
            self.notify("the checks found nothing to fix", severity="information")
            return
        why = CANNOT_REVISE.get(self.session.state.provider)
        if why:
            self.notify(why, title="Ask to fix", severity="warning", timeout=10)
            return
        before = self.record.proposal

        def changed() -> None:
            self.notify(describe_revision(before, self.record.proposal), title="The fix changed")

        self._after_revision = changed
        self._run_provider(feedback)
