"""The Phase screen's editing: in place (saved through the engine as you type, a moment
after the last keystroke, in a worker) and in the person's own editor."""

from __future__ import annotations

from ..keys import explained
from ..widgets.file_editor import FileEditor
from ..widgets.file_list import FileList

EDIT_DELAY = 0.4
"""Seconds after the last keystroke before an in-place edit is saved through the engine."""


class EditActions:
    """Mixed into PhaseScreen: needs its session, record, pane and `_reviewable`."""

    @explained
    def action_edit(self) -> None:
        path = self._reviewable("edit")
        if path is None:
            return
        self.pane.open_editor(path, self.session.content(path))
        self.editing = path

    def on_text_area_changed(self, event: FileEditor.Changed) -> None:
        if event.text_area.id != "editor" or self.editing is None:
            return
        path, text = self.editing, event.text_area.text
        if text == self.session.content(path) and self.app.edits.pending is None:
            return
        self.app.edits.hold(path, text, self._save_edit)
        if self._edit_timer is not None:
            self._edit_timer.stop()
        self._edit_timer = self.set_timer(EDIT_DELAY, self.flush_edit)

    def flush_edit(self) -> None:
        """Hand the edit in progress to the engine (after any decision before it)."""
        self.app.guard(self.app.edits.flush, "save your edit")

    def _save_edit(self, path: str, text: str) -> None:
        session = self.session
        self.decide(
            lambda: session.edit(path, text),
            f"save your edit of {path}",
            path,
            lambda: self.recheck(path),
        )

    def on_file_editor_closed(self) -> None:
        self._close_editor()
        self.show_selected()
        self.query_one(FileList).focus()

    def _close_editor(self) -> None:
        if self._edit_timer is not None:
            self._edit_timer.stop()
        self.flush_edit()
        self.editing = None

    @explained
    def action_edit_external(self) -> None:
        path = self._reviewable("edit")
        if path is None:
            return
        from textual.app import SuspendNotSupported

        from ..edits import edit_externally

        command = self.app.config.editor_command()
        before = self.session.content(path)
        try:
            try:
                with self.app.suspend():
                    after = edit_externally(command, path, before)
            except SuspendNotSupported:
                after = edit_externally(command, path, before)
        except OSError as error:
            self.app.show_error(
                error,
                f"edit {path} with {command[0]}",
                ['set the editor in config.toml, e.g. editor = "nano", or set $EDITOR'],
            )
            return
        if after != before:
            session = self.session
            self.decide(
                lambda: session.edit(path, after), f"edit {path}", path, lambda: self.recheck(path)
            )
