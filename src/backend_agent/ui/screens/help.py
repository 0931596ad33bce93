"""`?`: every key of the screen underneath, grouped by what it acts on, read from its
bindings (so a key remapped in `[keymap]` shows as remapped), with the ones that cannot
run now dimmed and the reason beside them."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Vertical, VerticalScroll
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


def key_text(key: Key, why: bool = True) -> Content:
    """What the key does; when it cannot act now and `why`, the reason on a line of its
    own."""
    binding = key.binding
    text = binding.description[:1].upper() + binding.description[1:]
    if binding.tooltip and binding.tooltip != binding.description:
        text += f" — {binding.tooltip}"
    line = Content.styled(text, "" if key.available else "$text-muted")
    if why and not key.available and key.reason:
        line += Content.styled(f"\n{key.reason}", "$text-muted italic")
    return line


def shared_reasons(keys: list[Key]) -> dict[str, list[Key]]:
    """Reasons that hold back two or more keys of a group: said once, for all of them,
    rather than under each key."""
    held: dict[str, list[Key]] = {}
    for key in keys:
        if not key.available and key.reason:
            held.setdefault(key.reason, []).append(key)
    return {reason: held_back for reason, held_back in held.items() if len(held_back) > 1}


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
        groups = help_groups(self.under)
        width = max((len(" ".join(k.keys)) for _, keys in groups for k in keys), default=1)
        with Vertical(classes="dialog-box"):
            yield Label(f"Keys: {title}", classes="dialog-title")
            with VerticalScroll(classes="dialog-body", id="help-body"):
                for group, keys in groups:
                    yield Label(group, classes="help-group")
                    shared = shared_reasons(keys)
                    for reason, held in shared.items():
                        names = " ".join(" ".join(k.keys) for k in held)
                        yield Static(f"{names}: {reason}", classes="help-reason", markup=False)
                    grid = Grid(classes="help-keys")
                    grid.styles.grid_columns = f"{width} 1fr"
                    with grid:
                        for key in keys:
                            style = "bold $text-accent" if key.available else "$text-muted"
                            yield Static(Content.styled(" ".join(key.keys), style))
                            yield Static(key_text(key, why=key.reason not in shared))
        yield KeyBar()

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()
