"""The footer: the keys the screen offers now, one line at any width.

When they do not all fit, the ones the screen ranks first stay (Approve, Reject, Commit,
Next...), the rest leave, and `? Keys` at the right end always shows where every key is.
It draws one line of text rather than a widget per key, so redrawing it on every move
through a long file list costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.content import Content
from textual.widget import Widget

from ..keys import screen_keys

HELP, PALETTE = "help", "command_palette"
SEPARATOR = "  "


@dataclass(frozen=True)
class Item:
    keys: tuple[str, ...]
    presses: tuple[str, ...]
    label: str
    rank: int
    order: int

    @property
    def width(self) -> int:
        return len(" ".join(self.keys)) + 1 + len(self.label)

    def content(self) -> Content:
        parts = []
        for shown, press in zip(self.keys, self.presses, strict=True):
            key = Content.styled(shown, "bold $footer-key-foreground")
            parts.append(key.stylize(f"@click=app.simulate_key('{press}')"))
        label = Content.styled(f" {self.label}", "$footer-description-foreground")
        return Content(" ").join(parts) + label.stylize(
            f"@click=app.simulate_key('{self.presses[0]}')"
        )


def footer_items(screen) -> tuple[list[Item], list[Item]]:
    """(the screen's keys, the help and palette keys for the right end)."""
    rank = {ident: index for index, ident in enumerate(getattr(screen, "KEY_RANK", ()))}
    shown = getattr(screen, "key_shown", lambda binding: binding.show)
    label_of = getattr(screen, "key_label", lambda binding: binding.description)
    items: list[Item] = []
    right: list[Item] = []
    groups: dict[object, int] = {}
    for order, key in enumerate(screen_keys(screen)):
        binding = key.binding
        if key.action in (HELP, PALETTE):
            if key.available:
                label = "Keys" if key.action == HELP else "Palette"
                right.append(Item(tuple(key.keys[:1]), tuple(key.presses[:1]), label, 0, order))
            continue
        if not key.available or not shown(binding) or not binding.description:
            continue
        place = rank.get(binding.id or "", 100 + order)
        group = binding.group
        if group is not None and group in groups:
            index = groups[group]
            was = items[index]
            items[index] = Item(
                was.keys + tuple(key.keys[:1]),
                was.presses + tuple(key.presses[:1]),
                group.description,
                min(was.rank, place),
                was.order,
            )
            continue
        if group is not None:
            groups[group] = len(items)
        items.append(
            Item(tuple(key.keys[:1]), tuple(key.presses[:1]), label_of(binding), place, order)
        )
    return items, sorted(right, key=lambda item: item.label != "Keys")


def fit(items: list[Item], width: int) -> list[Item]:
    """The items that fit in `width`, the best ranked first, shown in their own order."""
    chosen, used = [], 0
    for item in sorted(items, key=lambda item: (item.rank, item.order)):
        need = item.width + (len(SEPARATOR) if chosen else 0)
        if used + need <= width:
            chosen.append(item)
            used += need
    return sorted(chosen, key=lambda item: item.order)


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        dock: bottom;
        height: 1;
        padding: 0 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self._items: tuple[list[Item], list[Item]] = ([], [])
        self._asked = False

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _: self._ask())
        self._ask()

    def _ask(self) -> None:
        """Read the keys once the screen has drawn (its widgets are all there, and the
        first screen is not kept waiting); any number of asks before that, one read."""
        if not self._asked:
            self._asked = True
            self.call_after_refresh(self._read)

    def _read(self) -> None:
        self._asked = False
        if self.is_attached:
            self.update_keys()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def update_keys(self) -> None:
        """Read the keys again; redraw only if what the footer offers changed."""
        items = footer_items(self.screen)
        if items != self._items:
            self._items = items
            self.refresh()

    @property
    def shown(self) -> list[str]:
        """The labels on screen now (for tests and the help overlay)."""
        items, right = self._layout()
        return [item.label for item in items + right]

    def _layout(self) -> tuple[list[Item], list[Item]]:
        items, right = self._items
        room = self.content_size.width - sum(item.width + len(SEPARATOR) for item in right)
        return fit(items, room), right

    def render(self) -> Content:
        items, right = self._layout()
        left = Content(SEPARATOR).join(item.content() for item in items)
        end = Content(SEPARATOR).join(item.content() for item in right)
        gap = max(1, self.content_size.width - left.cell_length - end.cell_length)
        return left + Content(" " * gap) + end
