"""`?`: every key of the screen underneath, grouped by what it acts on, read from its
bindings (so a key remapped in `[keymap]` shows as remapped), with the ones that cannot
run now dimmed and the reason beside them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Label, Static

from ...resources import stylesheet
from ..breakpoints import VERTICAL
from ..keys import Key, screen_keys
from ..widgets.key_bar import KeyBar

APP_GROUP = "App"


def help_groups(screen: Screen) -> list[tuple[str, list[Key]]]:
    """(group title, its keys) in the screen's order; the app's keys last."""
    named = getattr(screen, "HELP_GROUPS", {})
    own = getattr(screen, "HELP_TITLE", type(screen).__name__.removesuffix("Screen"))
    groups: dict[str, list[Key]] = {}
    for key in sorted(screen_keys(screen), key=_declared):
        if not key.binding.description:
            continue
        if key.node is screen.app or (key.node is screen and key.binding.id is None):
            title = APP_GROUP  # Textual's own keys of every screen (tab, copy) with the app's
        elif key.node is screen:
            title = named.get(key.binding.id or "", own)
        else:
            title = getattr(key.node, "HELP_TITLE", None) or type(key.node).__name__
        groups.setdefault(title, []).append(key)
    order = list(getattr(screen, "HELP_ORDER", ()))
    ranked = sorted(
        groups,
        key=lambda title: (
            title == APP_GROUP,
            order.index(title) if title in order else len(order),
        ),
    )
    return [(title, groups[title]) for title in ranked]


def _declared(key: Key) -> int:
    """Where the binding is declared on its node: a remapped key keeps its place."""
    ids = [getattr(b, "id", None) for b in getattr(key.node, "BINDINGS", ())]
    ident = key.binding.id
    return ids.index(ident) if ident in ids else len(ids)


def key_line(key: Key, width: int) -> Content:
    keys = " ".join(key.keys)
    binding = key.binding
    text = binding.description[:1].upper() + binding.description[1:]
    if binding.tooltip and binding.tooltip != binding.description:
        text += f" — {binding.tooltip}"
    line = Content.assemble(
        (f"{keys:>{width}}", "bold $text-accent" if key.available else "$text-muted"),
        "  ",
        (text, "" if key.available else "$text-muted"),
    )
    if not key.available and key.reason:
        line += Content.styled(f"  · {key.reason}", "$text-muted italic")
    return line


def help_text(screen: Screen) -> Content:
    groups = help_groups(screen)
    width = max((len(" ".join(k.keys)) for _, keys in groups for k in keys), default=1)
    lines: list[Content] = []
    for title, keys in groups:
        if lines:
            lines.append(Content(""))
        lines.append(Content.styled(title, "bold $text-primary"))
        lines += [key_line(key, width) for key in keys]
    return Content("\n").join(lines)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = stylesheet("dialogs")
    VERTICAL_BREAKPOINTS = VERTICAL
    BINDINGS = [
        Binding("escape,question_mark,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, under: Screen) -> None:
        super().__init__(classes="dialog help")
        self.under = under

    def compose(self) -> ComposeResult:
        title = self.under.title or self.app.title
        with Vertical(classes="dialog-box"):
            yield Label(f"Keys: {title}", classes="dialog-title")
            with VerticalScroll(classes="dialog-body", id="help-body"):
                yield Static(help_text(self.under), id="help-keys")
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
