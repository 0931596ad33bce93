"""Edits in progress, held until they reach the engine, and the hand-off to $EDITOR.

Typing in the in-place editor is saved through `BuildSession.edit` a moment after the
last keystroke; whatever is still waiting when the editor closes, the phase changes or the
app exits is flushed first, so closing the wizard mid-edit loses nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path, PurePosixPath


class EditBuffer:
    """At most one pending edit: (path, content) not yet given to the engine."""

    def __init__(self) -> None:
        self._pending: tuple[str, str] | None = None
        self._save: Callable[[str, str], object] | None = None

    def hold(self, path: str, content: str, save: Callable[[str, str], object]) -> None:
        if self._pending is not None and self._pending[0] != path:
            self.flush()
        self._pending, self._save = (path, content), save

    @property
    def pending(self) -> tuple[str, str] | None:
        return self._pending

    def flush(self) -> None:
        """Give the pending edit to the engine (which saves the build state)."""
        pending, save = self._pending, self._save
        self._pending = None
        if pending is not None and save is not None:
            save(*pending)


def edit_externally(command: list[str], path: str, content: str) -> str:
    """Run the person's editor on a temporary copy of `path` and return what they saved.

    The copy keeps the file's name so the editor picks the right syntax; it is removed
    afterwards. Raises OSError when the editor cannot be started.
    """
    import subprocess
    import tempfile

    name = PurePosixPath(path).name or "file.txt"
    with tempfile.TemporaryDirectory(prefix="backend-agent-edit-") as folder:
        target = Path(folder) / name
        target.write_text(content, encoding="utf-8")
        result = subprocess.run([*command, str(target)], check=False)
        if result.returncode != 0:
            raise OSError(f"{command[0]} exited with status {result.returncode}")
        return target.read_text(encoding="utf-8")
