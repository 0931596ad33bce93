"""What each key of a screen does right now, read from the bindings themselves.

The footer, the `?` overlay and the command palette all list keys from here, so they agree
with each other and with what a key press does — a key remapped in `[keymap]` shows as
remapped everywhere. A screen takes part through three optional hooks:

- `why_not(action) -> str | None`: why the action cannot run now ("phase 2 is committed —
  U undoes it"); the footer leaves it out and `explained` actions say it when pressed.
- `key_shown(binding) -> bool`: whether the footer offers it now (default `binding.show`).
- `KEY_RANK`: binding ids in the order the footer keeps them when space runs out.
- `HELP_GROUPS`: binding id -> the group the help overlay lists it under.
- `reading_keys()`: a context in which the screen may answer `why_not` from one snapshot,
  since every key is asked about at once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from textual.binding import Binding
    from textual.dom import DOMNode
    from textual.screen import Screen

Action = TypeVar("Action", bound=Callable[..., Any])


@dataclass
class Key:
    """One action of the screen and every key bound to it."""

    node: DOMNode
    binding: Binding
    keys: list[str]
    """As displayed: `a`, `^s`, `]`."""
    presses: list[str]
    """As pressed: `a`, `ctrl+s`, `right_square_bracket`."""
    enabled: bool
    """False: bound but off right now (Textual's check_action said so)."""
    reason: str | None
    """Why it cannot run now, when the screen says (None: it can, as far as we know)."""

    @property
    def action(self) -> str:
        return self.binding.action.split("(")[0].removeprefix("app.").removeprefix("screen.")

    @property
    def available(self) -> bool:
        return self.enabled and self.reason is None


def _why_not(node: DOMNode, action: str) -> str | None:
    why_not = getattr(node, "why_not", None)
    return why_not(action.split("(")[0]) if why_not is not None else None


def screen_keys(screen: Screen) -> list[Key]:
    """Every binding in reach of the screen's focus, one entry per action and node, in
    the order Textual tries them (focused widget first, the app last)."""
    with getattr(screen, "reading_keys", nullcontext)():
        return _keys(screen)


def _keys(screen: Screen) -> list[Key]:
    app = screen.app
    found: dict[tuple[int, str], Key] = {}
    taken: set[str] = set()
    # Textual's own chain: the focused widget's ancestors with the keymap applied.
    for node, bindings in screen._modal_binding_chain:
        for key, listed in bindings.key_to_bindings.items():
            for binding in listed:
                if key in taken and not binding.priority:
                    continue  # a key bound nearer the focus wins
                state = app._check_action_state(binding.action, node)
                ident = (id(node), binding.id or binding.action)
                entry = found.get(ident)
                if entry is None:
                    entry = found[ident] = Key(
                        node=node,
                        binding=binding,
                        keys=[],
                        presses=[],
                        enabled=bool(state),
                        reason=_why_not(node, binding.action),
                    )
                    if state is False and entry.reason is None:
                        entry.reason = "not available here"
                display = app.get_key_display(binding)
                if display not in entry.keys:
                    entry.keys.append(display)
                    entry.presses.append(key)
        taken.update(bindings.key_to_bindings)
    return list(found.values())


def explained(method: Action) -> Action:
    """An action that says why it cannot run now (the screen's `why_not`) instead of
    silently doing nothing."""
    action = method.__name__.removeprefix("action_")

    @wraps(method)
    def run(self, *args: Any, **kwargs: Any) -> Any:
        why = self.why_not(action)
        if why is not None:
            self.notify(why, title="Not now", severity="warning", timeout=6)
            return None
        return method(self, *args, **kwargs)

    return run  # type: ignore[return-value]
