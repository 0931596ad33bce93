"""Dialogs: an error with what to do next, a yes/no question, a text prompt, the commit.

Each has its title and buttons pinned and its body scrolling in between, so on a small
terminal the buttons are never off-screen, and its own footer of keys.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static, TextArea

from ..resources import stylesheet
from .breakpoints import VERTICAL
from .widgets.key_bar import KeyBar

DIALOGS = stylesheet("dialogs")


class ErrorModal(ModalScreen[None]):
    """Something failed: what, why, and what the person can do about it."""

    CSS_PATH = DIALOGS
    VERTICAL_BREAKPOINTS = VERTICAL

    BINDINGS = [Binding("escape,enter", "dismiss", "Close", id="dialog.close")]

    def __init__(self, title: str, message: str, next_steps: list[str]) -> None:
        super().__init__(classes="dialog error")
        self.title_text, self.message, self.next_steps = title, message, next_steps

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Content(self.message), id="error-message")
                if self.next_steps:
                    yield Label("What to do next", classes="dialog-section")
                    yield Static(
                        Content("\n".join(f"• {step}" for step in self.next_steps)),
                        id="error-next",
                    )
            with Horizontal(classes="dialog-buttons"):
                yield Button("OK", variant="primary", id="ok")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#ok", Button).focus()

    def on_button_pressed(self) -> None:
        self.dismiss(None)


class ConfirmModal(ModalScreen[bool]):
    CSS_PATH = DIALOGS
    VERTICAL_BREAKPOINTS = VERTICAL
    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="dialog.yes"),
        Binding("escape,n", "answer(False)", "No", id="dialog.no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Yes", no: str = "Cancel"):
        super().__init__(classes="dialog")
        self.question, self.detail, self.yes, self.no = question, detail, yes, no

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-title")
            if self.detail:
                with VerticalScroll(classes="dialog-body"):
                    yield Static(Content(self.detail))
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes} (y)", variant="warning", id="yes")
                yield Button(f"{self.no} (n)", id="no")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class PromptModal(ModalScreen[str | None]):
    """A line (Input) or a paragraph (TextArea) of text; None when cancelled."""

    CSS_PATH = DIALOGS
    VERTICAL_BREAKPOINTS = VERTICAL

    BINDINGS = [
        Binding("ctrl+s", "submit", "Send", id="dialog.submit"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(
        self,
        title: str,
        explanation: str,
        *,
        multiline: bool,
        placeholder: str = "",
        initial: str = "",
        strip: bool = True,
    ):
        super().__init__(classes="dialog")
        self.title_text, self.explanation = title, explanation
        self.multiline, self.placeholder = multiline, placeholder
        self.initial, self.strip = initial, strip

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(Content(self.explanation), classes="dialog-help")
                if self.multiline:
                    yield TextArea(
                        self.initial, id="prompt-text", placeholder=self.placeholder, soft_wrap=True
                    )
                else:
                    yield Input(self.initial, id="prompt-text", placeholder=self.placeholder)
            with Horizontal(classes="dialog-buttons"):
                yield Button(
                    "Send (ctrl+s)" if self.multiline else "OK (enter)",
                    variant="primary",
                    id="send",
                )
                yield Button("Cancel (esc)", id="cancel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#prompt-text").focus()

    def on_input_submitted(self) -> None:
        self.action_submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "send":
            self.action_submit()
        else:
            self.dismiss(None)

    def action_submit(self) -> None:
        field = self.query_one("#prompt-text")
        text = field.text if isinstance(field, TextArea) else field.value
        if self.multiline and self.strip and not text.strip():
            self.notify("write what should change first", severity="warning")
            return
        self.dismiss(text.strip() if self.strip else text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class CommitModal(ModalScreen[str | None]):
    """The commit about to be made: its editable message, exactly the files going in, and
    the trailers the engine adds. Returns the message, or None when cancelled."""

    CSS_PATH = DIALOGS
    VERTICAL_BREAKPOINTS = VERTICAL

    BINDINGS = [
        Binding("ctrl+s", "commit", "Commit", id="dialog.commit"),
        Binding("escape", "cancel", "Cancel", id="dialog.cancel"),
    ]

    def __init__(self, title: str, message: str, files: list[str], trailers: str) -> None:
        super().__init__(classes="dialog commit")
        self.title_text, self.message, self.files, self.trailers = title, message, files, trailers

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            with VerticalScroll(classes="dialog-body", id="commit-body"):
                yield Label("Message (edit it as you like)", classes="dialog-section")
                yield TextArea(self.message, id="commit-message", soft_wrap=True)
                count = len(self.files)
                yield Label(
                    f"Going in: {count} file{'s' if count != 1 else ''}",
                    classes="dialog-section",
                )
                yield Static(Content("\n".join(self.files)), id="commit-files")
                yield Label("Trailers (added by backend-agent)", classes="dialog-section")
                yield Static(Content(self.trailers.rstrip()), id="commit-trailers")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Commit (ctrl+s)", variant="success", id="commit")
                yield Button("Cancel (esc)", id="cancel")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#commit-message", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "commit":
            self.action_commit()
        else:
            self.dismiss(None)

    def action_commit(self) -> None:
        message = self.query_one("#commit-message", TextArea).text
        if not message.strip():
            self.notify("the commit message is empty", severity="error")
            return
        self.dismiss(message)

    def action_cancel(self) -> None:
        self.dismiss(None)
