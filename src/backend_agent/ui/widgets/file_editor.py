"""The in-place editor: a code TextArea whose escape means "done", not "next widget"."""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

from .syntax_tree import language_of

# Textual's TextArea crashes the process (a segmentation fault in tree-sitter-javascript
# 0.25 under tree-sitter 0.26) as soon as the JavaScript grammar highlights anything, so
# JavaScript and TypeScript are edited uncoloured; the diff colours them with Pygments.
UNSAFE = frozenset({"javascript"})


class FileEditor(TextArea):
    class Closed(Message):
        """The person pressed escape: the edit is finished."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, tab_behavior="indent", show_line_numbers=True, soft_wrap=False)

    def open(self, path: str, text: str) -> None:
        language = language_of(path)
        usable = language in self.available_languages and language not in UNSAFE
        self.language = language if usable else None
        self.load_text(text)
        self.move_cursor((0, 0))

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "escape":
            event.stop()
            event.prevent_default()
            self.post_message(self.Closed())
            return
        await super()._on_key(event)
