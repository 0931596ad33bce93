"""The Phase screen's commit: the dialog with exactly what goes in, the commit in a
worker, then the next phase — or, for a build whose sentence asked only for the
architecture, the question whether to go on — and undo."""

from __future__ import annotations

from ...core.phases import PHASES, Phase
from ..keys import explained
from .phase_text import hunk_counts


class CommitActions:
    """Mixed into PhaseScreen: needs its session, record, `_bases` and `_set_busy`."""

    @explained
    def action_commit(self) -> None:
        if not self._reviewable_phase():
            return
        self.flush_edit()
        session, record, bases = self.session, self.record, dict(self._bases)

        def gather() -> tuple:
            """After every decision before it: exactly what would go in."""
            approved = record.approved()
            files = []
            for change in approved:
                counts = hunk_counts(
                    record.review(change.path),
                    change,
                    bases.get(change.path),
                    record.merges.get(change.path),
                )
                part = f"  ({counts[0]} of {counts[1]} hunks)" if counts else ""
                files.append(f"{change.action:<6} {change.path}{part}")
            left = len(record.proposal.changes) - len(approved)
            return files, left, session.commit_message(), session.commit_trailers()

        self.app.run_step(gather, doing="prepare the commit", done=self._ask_commit)

    def _ask_commit(self, gathered: tuple) -> None:
        files, left, message, trailers = gathered
        if not files:
            self.notify(
                "nothing is approved yet: approve files with a (or all with A) first",
                severity="warning",
            )
            return
        from ..modals import CommitModal

        session = self.session
        title = f"Commit phase {self.phase.number}: {self.phase.title}"
        if left:
            title += f" ({left} file{'s stay' if left != 1 else ' stays'} out: not approved)"

        def commit(message: str | None) -> None:
            if message is None:
                return
            self._set_busy(True, "committing…")
            self.app.run_step(
                lambda: session.commit(message),
                doing=f"commit phase {self.phase.number}",
                done=self._committed,
                failed=lambda: self._set_busy(False),
            )

        self.app.push_screen(CommitModal(title, message, files, trailers), commit)

    def _committed(self, sha: str) -> None:
        self._set_busy(False)
        self.notify(f"committed {sha[:10]} on {self.session.state.branch}", title=self.phase.title)
        state = self.session.state
        if self.record.evolution:
            if state.evolution is None:  # every phase the change touched is committed
                self.action_summary()
                self.refresh_all()
            else:
                self.app.switch_screen(type(self)(state.current, generate=True))
            return
        if self.phase.number == len(PHASES):
            self.action_summary()
            self.refresh_all()
            return
        following = PHASES[self.phase.number]

        def go_on() -> None:
            self.app.switch_screen(type(self)(following.id, generate=True))

        def stop() -> None:  # the build is done as its sentence asked
            self.refresh_all()
            self.action_summary()

        if self.beyond_scope(following):
            self.ask_scope(following, go_on, stop)
        else:
            go_on()

    def beyond_scope(self, target: Phase) -> bool:
        stop = self.session.scope_end
        return stop is not None and target.number > stop.number

    def ask_scope(self, target: Phase, go_on, stop=None) -> None:
        """The build's sentence asked for less ("design the architecture for ..."): ask
        before going past where it stops."""
        from ..modals import ConfirmModal

        session = self.session
        end = session.scope_end

        def answer(yes: bool | None) -> None:
            if yes:
                self.app.run_step(
                    session.extend_scope, doing="go on with the build", done=lambda _: go_on()
                )
            elif stop is not None:
                stop()

        self.app.push_screen(
            ConfirmModal(
                f"Continue to phase {target.number}: {target.title}?",
                f"This build was started from “{session.state.sentence}”, which asks for "
                f"phase {end.number} ({end.title}) only, and that is done. Continue builds "
                "the rest of the backend, phase by phase.",
                yes="Continue",
                no="Not now",
            ),
            answer,
        )

    @explained
    def action_undo(self) -> None:
        if self.busy:
            return
        from ..modals import ConfirmModal

        committed = [p for p in PHASES if self.session.record(p.id).status == "committed"]
        if not committed:
            return
        last = committed[-1]
        sha = (self.session.record(last.id).commit or "")[:10]

        def undo(yes: bool | None) -> None:
            if yes:
                self.app.run_engine(
                    self.session.undo,
                    doing="undo the last commit",
                    done=lambda undone: self.app.switch_screen(type(self)(undone.id)),
                )

        self.app.push_screen(
            ConfirmModal(
                f"Undo phase {last.number} ({last.title})?",
                f"Commit {sha} leaves {self.session.state.branch}; the proposal and your "
                "decisions are kept, so you can change them and commit again.",
                yes="Undo",
            ),
            undo,
        )
