"""The Phase screen's provider runs: generate, revise and rework in a worker thread, the
rationale streaming in, a progress line, and escape to cancel."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from ..keys import explained
from ..widgets.file_list import FileList
from ..widgets.key_bar import KeyBar

if TYPE_CHECKING:
    from ...core.events import Event


class EngineEvent(Message):
    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class EngineFinished(Message):
    def __init__(self, error: BaseException | None) -> None:
        super().__init__()
        self.error = error


class ProviderRuns:
    """Mixed into PhaseScreen: needs its session, record and `refresh_all`."""

    @explained
    def action_generate(self) -> None:
        if self.busy or self.record.proposal is not None:
            return
        if self.beyond_scope(self.phase):
            self.ask_scope(self.phase, lambda: self._run_provider(None))
        else:
            self._run_provider(None)

    @explained
    def action_revise(self) -> None:
        if not self._reviewable_phase():
            return
        from ..modals import PromptModal

        def revise(feedback: str | None) -> None:
            if feedback:
                self._run_provider(feedback)

        self.app.push_screen(
            PromptModal(
                f"Revise phase {self.phase.number}: {self.phase.title}",
                "What should change? The provider proposes again with your words and your "
                "decisions; approvals of files that come back unchanged are kept.",
                multiline=True,
                placeholder="e.g. use a modular monolith, and name the tables in singular",
            ),
            revise,
        )

    def action_answer(self) -> None:
        """The proposal's open questions, one dialog each; an answer is kept with the
        build and every phase asked after it is told."""
        proposal = self.record.proposal
        questions = list(proposal.questions) if proposal else []
        if self.busy or not questions:
            if not questions:
                self.notify("this proposal asks no questions")
            return
        from ..modals import PromptModal

        def ask(index: int) -> None:
            if index == len(questions):
                self.refresh_all()
                return
            question = questions[index]
            known = self.session.state.answers.get(" ".join(question.split()))

            def answered(text: str | None) -> None:
                if text is None:
                    self.refresh_all()
                    return
                if text.strip():
                    self.app.run_step(
                        lambda: self.session.answer(question, text), doing="keep your answer"
                    )
                ask(index + 1)

            self.app.push_screen(
                PromptModal(
                    f"Question {index + 1} of {len(questions)}",
                    question + (f"\n\nYour answer so far: {known}" if known else ""),
                    multiline=False,
                    placeholder="your answer (empty: skip); later phases are told it",
                ),
                answered,
            )

        ask(0)

    def _run_provider(self, feedback: str | None, *, rework: bool = False) -> None:
        """Generate the phase, or revise it with `feedback`, or rework its rejected hunks."""
        self.flush_edit()
        session, phase_id = self.session, self.phase.id
        cancel = self._cancel = threading.Event()
        doing = (
            "reworking the rejected hunks" if rework else "revising" if feedback else "generating"
        )
        self._doing = (
            "rework the rejected hunks"
            if rework
            else f"generate phase {self.phase.number} ({self.phase.id})"
        )
        self._set_busy(True, f"{doing} with {session.provider_label}…")
        self._restore = self.selected_path()  # back to it when the run ends, if it is there
        self._stream = self.pane.stream_rationale()
        self.query_one(FileList).highlighted = 0

        def work() -> None:
            try:
                events = (
                    session.rework_hunks(cancel=cancel)
                    if rework
                    else session.revise(feedback, cancel=cancel)
                    if feedback
                    else session.generate(phase_id, cancel=cancel)
                )
                for event in events:
                    self.post_message(EngineEvent(event))
            except BaseException as error:  # noqa: BLE001 - reported on screen
                self.post_message(EngineFinished(error))
            else:
                self.post_message(EngineFinished(None))

        self.app.run_step(work, doing=self._doing, cancel=cancel)

    async def on_engine_event(self, message: EngineEvent) -> None:
        from ...core.events import FileWritten, Progress, TextDelta, UsageReport

        event = message.event
        if isinstance(event, TextDelta) and self._stream is not None:
            await self._stream.write(event.text)
        elif isinstance(event, FileWritten):
            self._progress(f"{event.action} {event.path} ({event.files} files)")
            if self._stream is not None:
                await self._stream.write(f"\n\n- {event.action} `{event.path}`\n\n")
        elif isinstance(event, Progress):
            count = f" ({event.files} files)" if event.files else ""
            self._progress(f"{event.message}{count}")
        elif isinstance(event, UsageReport):
            usage = event.usage
            self._progress(f"{usage.input_tokens + usage.output_tokens:,} tokens so far")

    async def on_engine_finished(self, message: EngineFinished) -> None:
        if self._stream is not None:
            await self._stream.stop()
            self._stream = None
        self._set_busy(False)
        self._cancel = None
        error = message.error
        if error is not None:
            from ...providers.base import Cancelled

            if isinstance(error, Cancelled):
                self.notify("cancelled: the phase is as it was before", severity="warning")
            else:
                self.app.show_error(
                    error,
                    self._doing,
                    [
                        "the phase is as it was before; press g to try again"
                        if self.record.proposal is None
                        else "your proposal and decisions are as they were"
                        if self._doing.startswith("rework")
                        else "your proposal and decisions are as they were; press r to try again"
                    ],
                )
        if error is None and self.evolution_moved_on():
            return
        self.refresh_all()
        self.after_proposal(error)

    def evolution_moved_on(self) -> bool:
        """An evolution's phase with nothing to change keeps its commit: go on to the
        evolution's next phase (or the summary once it is done)."""
        record, state = self.record, self.session.state
        if not state.evolutions or self.phase.id not in state.evolutions[-1].unchanged:
            return False
        if record.evolution == state.evolutions[-1].number:
            return False
        self.notify(f"nothing in phase {self.phase.number} changes: its commit stays")
        if state.evolution is None:
            self.action_summary()
            return True
        self.app.switch_screen(type(self)(state.current, generate=True))
        return True

    def _set_busy(self, busy: bool, text: str = "") -> None:
        self.busy = busy
        self.busy_text = text
        self.set_class(busy, "-busy")
        self._progress(text)
        self.query_one(KeyBar).update_keys()

    def _progress(self, text: str) -> None:
        hint = "  ·  esc cancels" if self.busy and self._cancel is not None else ""
        self.query_one("#progress", Static).update(Content(f"⟳ {text}{hint}" if text else ""))

    def action_escape(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self._progress("cancelling…")
        elif self.cancel_checks():
            pass
        elif self.pane.rendered:
            self.action_toggle_rendered()
        elif self.pane.result_view:
            self.action_toggle_result()
        else:
            self.action_back()
