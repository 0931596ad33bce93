"""The in-place editor: a code TextArea whose escape means "done", not "next widget"."""

from __future__ import annotations

from pathlib import PurePosixPath

from textual import events
from textual.message import Message
from textual.widgets import TextArea

_LANGUAGES = {
    ".py": "python",
    ".sql": "sql",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
    ".md": "markdown",
    ".sh": "bash",
    ".js": "javascript",
    ".mjs": "javascript",
    ".go": "go",
    ".rs": "rust",
    ".html": "html",
    ".css": "css",
    ".xml": "xml",
    ".java": "java",
}


class FileEditor(TextArea):
    class Closed(Message):
        """The person pressed escape: the edit is finished."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, tab_behavior="indent", show_line_numbers=True, soft_wrap=False)

    def open(self, path: str, text: str) -> None:
        language = _LANGUAGES.get(PurePosixPath(path).suffix.lower())
        self.language = language if language in self.available_languages else None
        self.load_text(text)
        self.move_cursor((0, 0))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.post_message(self.Closed())
            return
        await super()._on_key(event)
