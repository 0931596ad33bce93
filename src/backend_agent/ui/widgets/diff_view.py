"""Our diff widget: a proposed file against the branch, unified or side by side.

Built on the Line API: only the rows on screen are ever turned into segments, and syntax
colours are lexed as far as the eye has reached, so a 20,000-line file opens at once. The
rows are laid out from the engine's own hunks (`core.hunks`, through `core.diff`), so the
hunk under the cursor is the hunk per-hunk review decides; given the decisions, each hunk
header shows its state and buttons to approve, reject or reset it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.diff import diff_texts, intraline
from .diff_rows import FOLD, HUNK, LINE, PAIR, layout
from .diff_text import cut, display, line, width_of
from .syntax import TokenStyles, syntax_for, warm_up

if TYPE_CHECKING:
    from ...core.hunks import Apart, Hunk
    from ...core.review import HunkReview

CONTEXT = 3
BUTTONS = (("approve", " ✓ approve "), ("reject", " ✗ reject "), ("reset", " ↺ reset "))
"""The click targets at the right end of a hunk header, in review."""
SHORT_BUTTONS = (("approve", " ✓ "), ("reject", " ✗ "), ("reset", " ↺ "))
"""The same in a narrow diff, so the header keeps room for its words."""
WIDE = 90
"""A diff at least this wide gets the buttons with words."""
HUNK_STATES = {
    "pending": ("·", "undecided", "diff--hunk"),
    "approved": ("✓", "approved", "diff--hunk-approved"),
    "rejected": ("✗", "rejected", "diff--hunk-rejected"),
}


class DiffView(ScrollView, can_focus=True):
    """The diff of one file; `]` and `[` move between hunks, `z` shows the whole file."""

    HELP_TITLE = "Diff"

    class Moved(Message):
        """The view scrolled or the cursor moved to another hunk."""

    class HunkClicked(Message):
        """A button of a hunk header was clicked: `action` is approve, reject or reset."""

        def __init__(self, view: DiffView, index: int, action: str) -> None:
            super().__init__()
            self.view, self.index, self.action = view, index, action

        @property
        def control(self) -> DiffView:
            return self.view

    COMPONENT_CLASSES = {
        "diff--gutter",
        "diff--added",
        "diff--removed",
        "diff--added-word",
        "diff--removed-word",
        "diff--added-mark",
        "diff--removed-mark",
        "diff--hunk",
        "diff--hunk-current",
        "diff--hunk-approved",
        "diff--hunk-rejected",
        "diff--button",
        "diff--fold",
        "diff--empty",
        "diff--note",
    }
    DEFAULT_CSS = """
    DiffView {
        background: $surface;
        color: $foreground;
        & > .diff--gutter { color: $text-muted; background: $panel; }
        & > .diff--added { background: $success 14%; }
        & > .diff--removed { background: $error 14%; }
        & > .diff--added-word { background: $success 45%; }
        & > .diff--removed-word { background: $error 45%; }
        & > .diff--added-mark { color: $text-success; background: $success 14%; text-style: bold; }
        & > .diff--removed-mark { color: $text-error; background: $error 14%; text-style: bold; }
        & > .diff--hunk { color: $text-accent; background: $accent 10%; }
        & > .diff--hunk-current { color: $text-accent; background: $accent 30%; text-style: bold; }
        & > .diff--hunk-approved { color: $text-success; background: $success 12%; }
        & > .diff--hunk-rejected { color: $text-error; background: $error 12%; }
        & > .diff--button { color: $foreground; background: $panel-lighten-2; text-style: bold; }
        & > .diff--fold { color: $text-muted; background: $panel; text-style: italic; }
        & > .diff--empty { background: $panel; }
        & > .diff--note { color: $text-muted; text-style: italic; }
    }
    """
    BINDINGS = [
        Binding("right_square_bracket", "next_hunk", "Next hunk", id="diff.next-hunk"),
        Binding("left_square_bracket", "previous_hunk", "Prev hunk", id="diff.previous-hunk"),
        Binding("z", "toggle_whole_file", "Whole file", id="diff.whole-file", show=False),
    ]

    split: reactive[bool] = reactive(False)
    whole_file: reactive[bool] = reactive(False)
    current_hunk: reactive[int] = reactive(0)

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.path = ""
        self.diff = diff_texts("", "")
        self.hunks: list[Hunk] = []
        self.decisions: Mapping[str, HunkReview] | None = None
        """Per hunk id, when the hunks are being reviewed (None: plain headers)."""
        self.apart: Apart | None = None
        """An evolution's conflict regions: hunks of their own, shown side by side."""
        self.fallback = "pending"
        self._shown: tuple[str, str | None, str | None] = ("", None, None)
        self._rows: list[tuple] = []
        self._hunk_rows: list[int] = []
        self._partner: dict[int, int] = {}
        self._partner_of_new: dict[int, int] = {}
        self._old = self._new = syntax_for("", "")
        self._width = 0
        self._note = ""
        self._cache: LRUCache[tuple, Strip] = LRUCache(400)
        self._words: LRUCache[tuple[int, int], tuple | None] = LRUCache(2000)
        self._tokens = TokenStyles()
        self._styles: dict[str, Style] = {}
        self._lexing = False

    # ------------------------------------------------------------------ content
    def show(
        self,
        path: str,
        old: str | None,
        new: str | None,
        decisions: Mapping[str, HunkReview] | None = None,
        fallback: str = "pending",
        apart: Apart | None = None,
    ) -> None:
        """Show `old` (None: a new file) against `new` (None: a deleted file); with
        `decisions` (by hunk id; `fallback` for a hunk without one), each hunk header shows
        its state and buttons. Showing the same texts again keeps the hunk under the cursor
        and the scroll position."""
        if (path, old, new) == self._shown and not self._note:
            self.mark(decisions, fallback)
            return
        self._shown = (path, old, new)
        self.apart = apart
        self.decisions, self.fallback = decisions, fallback
        self.path = path
        self.diff = diff_texts(old, new)
        self._old = syntax_for(old or "", path)
        self._new = syntax_for(new or "", path)
        self._partner = {
            i1 + k: j1 + k
            for tag, i1, i2, j1, j2 in self.diff.opcodes
            if tag == "replace"
            for k in range(min(i2 - i1, j2 - j1))
        }
        self._partner_of_new = {new: old for old, new in self._partner.items()}
        self._width = max(map(width_of, self.diff.old + self.diff.new), default=0)
        self._words.clear()
        self._note = ""
        self.set_reactive(DiffView.current_hunk, 0)
        self._layout()
        if any(h.conflict for h in self.hunks) and not self.split:
            self.split = True  # a conflict: yours | the generator's, side by side
        self.scroll_to(0, 0, animate=False, immediate=True)
        if decisions is not None:  # the cursor starts on the first undecided hunk
            pending = [i for i in range(len(self.hunks)) if self.decision(i) == "pending"]
            if pending and pending[0]:
                self.set_reactive(DiffView.current_hunk, pending[0])
                self.call_after_refresh(self.watch_current_hunk)

    def show_note(self, text: str) -> None:
        """No file: one line saying why (e.g. the proposal is still being written)."""
        self.path, self.diff, self._note = "", diff_texts("", ""), text
        self._shown, self.decisions = ("", None, None), None
        self._layout()

    def mark(self, decisions: Mapping[str, HunkReview] | None, fallback: str = "pending") -> None:
        """New decisions for the hunks shown: only their headers change."""
        self.decisions, self.fallback = decisions, fallback
        self._cache.clear()
        self.refresh()

    def decision(self, index: int) -> str:
        """The decision on hunk `index`: its own, else the fallback (the file's)."""
        found = self.decisions.get(self.hunks[index].id) if self.decisions else None
        return found.decision if found is not None else self.fallback

    def _layout(self) -> None:
        self.hunks = self.diff.hunks(CONTEXT, self.apart)
        self._rows, self._hunk_rows = layout(
            self.diff,
            self.hunks,
            note=self._note,
            whole_file=self.whole_file,
            side_by_side=self.side_by_side,
        )
        self._cache.clear()
        self._resize_virtual()
        self.refresh()

    @property
    def side_by_side(self) -> bool:
        """Split view, when there are two sides: a new or deleted file has only one."""
        return self.split and not (self.diff.is_new or self.diff.is_deleted)

    def _resize_virtual(self) -> None:
        gutter = self._gutter_width()
        if self.side_by_side:
            code = max(1, (self.size.width - 1) // 2 - gutter - 2)
            width = self.size.width + max(0, self._width - code)
        else:
            width = gutter * 2 + 3 + self._width
        self.virtual_size = Size(width, len(self._rows))

    def _gutter_width(self) -> int:
        return max(3, len(str(max(len(self.diff.old), len(self.diff.new)))))

    # --------------------------------------------------------------- reactives
    def watch_split(self) -> None:
        if self.is_mounted:
            self._layout()

    def watch_whole_file(self) -> None:
        if self.is_mounted:
            self._layout()
            self.call_after_refresh(self.watch_current_hunk)  # once the new size is known

    def watch_current_hunk(self) -> None:
        self._cache.clear()
        if self._hunk_rows:
            self.scroll_to(y=self._hunk_rows[self.current_hunk], animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Moved())

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self.post_message(self.Moved())

    def on_resize(self) -> None:
        self._cache.clear()
        self._resize_virtual()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._tokens.clear(self.rich_style)
        self._cache.clear()

    def on_mount(self) -> None:
        self._tokens.clear(self.rich_style)
        self.run_worker(warm_up, thread=True, group="diff-lexer")

    # ----------------------------------------------------------------- actions
    def action_next_hunk(self) -> None:
        if self.current_hunk < len(self.hunks) - 1:
            self.current_hunk += 1
        elif self._hunk_rows:
            self.watch_current_hunk()

    def action_previous_hunk(self) -> None:
        if self.current_hunk > 0:
            self.current_hunk -= 1
        elif self._hunk_rows:
            self.watch_current_hunk()

    def action_toggle_whole_file(self) -> None:
        self.whole_file = not self.whole_file

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """A new or deleted file is shown whole already: `z` is left to the screen, which
        says so."""
        if action == "toggle_whole_file":
            return not (self._note or self.diff.is_new or self.diff.is_deleted)
        return True

    def on_click(self, event: Click) -> None:
        row = self._row(event.y + round(self.scroll_y))
        if row is None:
            return
        if row[0] == FOLD:
            self.whole_file = True
        elif row[0] == HUNK:
            self.current_hunk = row[1]
            action = self._button_at(event.x)
            if action is not None:
                self.post_message(self.HunkClicked(self, row[1], action))

    def _buttons(self, width: int) -> list[tuple[str, str, int]]:
        """(action, label, first column) of each header button, right-aligned."""
        buttons = BUTTONS if width >= WIDE else SHORT_BUTTONS
        column = width - sum(len(label) + 1 for _, label in buttons)
        if self.decisions is None or column < 30:
            return []
        placed = []
        for action, label in buttons:
            placed.append((action, label, column))
            column += len(label) + 1
        return placed

    def _button_at(self, x: int) -> str | None:
        for action, label, column in self._buttons(self.size.width):
            if column <= x < column + len(label):
                return action
        return None

    def _row(self, index: int) -> tuple | None:
        return self._rows[index] if 0 <= index < len(self._rows) else None

    # --------------------------------------------------------------- rendering
    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = scroll_y + y
        width = self.size.width
        key = (index, scroll_x, width)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        row = self._row(index)
        if row is None:
            strip = Strip.blank(width, self._style(""))
        elif row[0] == LINE:
            strip = self._unified(row, scroll_x, width)
        elif row[0] == PAIR:
            strip = self._split(row, scroll_x, width)
        else:
            strip = self._banner(row, width)
        self._cache[key] = strip
        return strip

    def _style(self, name: str) -> Style:
        """A component's style (or the widget's own, for ""), kept until the styles change."""
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(name) if name else self.rich_style
            self._styles[name] = style
        return style

    def _banner(self, row: tuple, width: int) -> Strip:
        kind = row[0]
        if kind == HUNK:
            return self._hunk_banner(self.hunks[row[1]], width)
        if kind == FOLD:
            style = self._style("diff--fold")
            plural = "line" if row[1] == 1 else "lines"
            text = f"  ⋯ {row[1]} unchanged {plural} (z shows the whole file)"
        else:
            style, text = self._style("diff--note"), f"  {row[1]}"
        return Strip([Segment(text, style)]).crop_extend(0, width, style)

    def _hunk_banner(self, hunk: Hunk, width: int) -> Strip:
        """`▶ @@ -7,7 +7,7 @@  +1 −1  (hunk 1 of 2)`; in review the decision comes first,
        `▶ ✗ hunk 1/2 rejected  +1 −1  “comment”  @@ …`, and the buttons sit at the right.
        When room is short the @@ line goes, then the comment is cut; never the numbers."""
        current = hunk.index == self.current_hunk
        style = self._style("diff--hunk-current" if current else "diff--hunk")
        buttons = self._buttons(width)
        room = max(0, buttons[0][2] - 1) if buttons else width
        text = f"{'▶' if current else ' '} "
        stat = f"+{hunk.added} −{hunk.removed}"
        if self.decisions is None:
            text += f"{hunk.header}  {stat}"
            if len(self.hunks) > 1:
                text += f"  (hunk {hunk.index + 1} of {len(self.hunks)})"
        else:
            glyph, word, name = HUNK_STATES[self.decision(hunk.index)]
            if not current:
                style = self._style(name)
            found = self.decisions.get(hunk.id)
            word = found.word if found is not None and found.pick else word
            if hunk.conflict:
                word = f"CONFLICT {word}"
            text += f"{glyph} hunk {hunk.index + 1}/{len(self.hunks)} {word}  {stat}"
            hint = "  left yours, right the generator's (y / h / I)"
            if hunk.conflict and len(text) + len(hint) <= room:
                text += hint
            said = found.comment if found is not None else ""
            spare = room - len(text) - 4  # the quotes and the space before them
            if said and len(said) > spare - len(hunk.header) - 2:  # the @@ line goes first
                fit = max(12, spare)
                text += f"  “{said if len(said) <= fit else said[: fit - 1] + '…'}”"
            else:
                text += (f"  “{said}”" if said else "") + f"  {hunk.header}"
        segments = [Segment(text[:room].ljust(room), style)]
        button_style = self._style("diff--button")
        for _, label, _ in buttons:
            segments += [Segment(" ", style), Segment(label, button_style)]
        return Strip(segments).crop_extend(0, width, style)

    def _unified(self, row: tuple, scroll_x: int, width: int) -> Strip:
        _, mark, old_i, new_i = row
        gutter = self._gutter_width()
        numbers = f"{old_i + 1 if old_i >= 0 else '':>{gutter}} {new_i + 1 if new_i >= 0 else '':>{gutter}} "
        line_style, mark_style = self._mark_styles(mark)
        code_width = max(0, width - len(numbers) - 2)
        if mark == "-":
            code = self._code(self.diff.old[old_i], self._old, old_i, line_style, "removed", old_i)
        else:
            words = new_i if mark == "+" else -1
            code = self._code(self.diff.new[new_i], self._new, new_i, line_style, "added", words)
        return line(
            Segment(numbers, self._style("diff--gutter")),
            Segment(f"{mark} ", mark_style),
            code.crop_extend(scroll_x, scroll_x + code_width, line_style),
        )

    def _split(self, row: tuple, scroll_x: int, width: int) -> Strip:
        _, old_i, new_i, changed = row
        half = (width - 1) // 2
        left = self._side(old_i, "removed", changed, scroll_x, half)
        right = self._side(new_i, "added", changed, scroll_x, width - 1 - half)
        separator = Strip([Segment("│", self._style("diff--gutter"))])
        return Strip.join([left, separator, right])

    def _side(self, index: int, side: str, changed: bool, scroll_x: int, width: int) -> Strip:
        """One half of a split row: the old file on the left, the new one on the right."""
        gutter = self._gutter_width()
        if index < 0:
            return Strip.blank(width, self._style("diff--empty"))
        mark = ("-" if side == "removed" else "+") if changed else " "
        line_style, mark_style = self._mark_styles(mark)
        numbers = Segment(f"{index + 1:>{gutter}} ", self._style("diff--gutter"))
        code_width = max(0, width - gutter - 3)
        text, syntax = (
            (self.diff.old[index], self._old)
            if side == "removed"
            else (self.diff.new[index], self._new)
        )
        code = self._code(text, syntax, index, line_style, side, index if changed else -1)
        return line(
            numbers,
            Segment(f"{mark} ", mark_style),
            code.crop_extend(scroll_x, scroll_x + code_width, line_style),
        )

    def _mark_styles(self, mark: str) -> tuple[Style, Style]:
        if mark == "+":
            return self._style("diff--added"), self._style("diff--added-mark")
        if mark == "-":
            return self._style("diff--removed"), self._style("diff--removed-mark")
        return self._style(""), self._style("")

    def _code(self, text: str, syntax, number: int, base: Style, side: str, words: int) -> Strip:
        tokens = syntax.line(number)
        if syntax.approximated and not syntax.complete and not self._lexing:
            self._lexing = True
            self._finish_lexing(self._old, self._new)
        if tokens is None or sum(len(v) for _, v in tokens) != len(text):
            tokens = [(None, text)]
        ranges = self._word_ranges(side, words)
        word_style = Style(bgcolor=self._style(f"diff--{side}-word").bgcolor)
        segments: list[Segment] = []
        column = offset = 0
        for kind, value in tokens:
            style = base + self._tokens.get(kind) if kind is not None else base
            start = offset
            offset += len(value)
            for piece_start, piece_end, in_word in cut(start, offset, ranges):
                piece, column = display(value[piece_start - start : piece_end - start], column)
                segments.append(Segment(piece, style + word_style if in_word else style))
        return Strip(segments)

    def _word_ranges(self, side: str, index: int) -> list[tuple[int, int]]:
        """The changed characters of a line paired with one on the other side."""
        if index < 0:
            return []
        if side == "removed":
            old_i, new_i = index, self._partner.get(index, -1)
        else:
            old_i, new_i = self._partner_of_new.get(index, -1), index
        if old_i < 0 or new_i < 0:
            return []
        found = self._words.get((old_i, new_i))
        if found is None:
            found = intraline(self.diff.old[old_i], self.diff.new[new_i]) or ((), ())
            self._words[(old_i, new_i)] = found
        return list(found[0] if side == "removed" else found[1])

    @work(thread=True, group="diff-lexer")
    def _finish_lexing(self, old, new) -> None:
        old.finish()
        new.finish()
        self.app.call_from_thread(self._lexed)

    def _lexed(self) -> None:
        self._lexing = False
        self._cache.clear()
        self.refresh()
