"""Our diff widget: a proposed file against the branch, unified or side by side.

Built on the Line API: only the rows on screen are ever turned into segments, and syntax
colours are lexed as far as the eye has reached, so a 20,000-line file opens at once. The
rows are laid out from the hunks of `core.diff`, which is what per-hunk review acts on.
"""

from __future__ import annotations

from itertools import zip_longest

from rich.segment import Segment
from rich.style import Style
from textual import work
from textual.binding import Binding
from textual.cache import LRUCache
from textual.events import Click
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.diff import WHOLE_FILE, DiffHunk, diff_texts, intraline
from .syntax import TokenStyles, syntax_for, warm_up

CONTEXT = 3
TAB = 4
HUNK, FOLD, LINE, PAIR, NOTE = range(5)
# Row shapes: (HUNK, hunk index) · (FOLD, hidden count) · (LINE, mark, old i, new i)
# · (PAIR, old i, new i, changed) · (NOTE, text); a missing side is -1.

_CONTROL = {c: 0x2400 + c for c in range(32) if c != 9} | {127: 0x2421}
"""Control characters drawn as their Unicode pictures: a proposal cannot drive the terminal."""


def _display(text: str, column: int) -> tuple[str, int]:
    """`text` as drawn from `column`: tabs expanded, control characters made visible."""
    if "\t" in text:
        out = []
        for char in text:
            if char == "\t":
                pad = TAB - (column % TAB)
                out.append(" " * pad)
                column += pad
            else:
                out.append(char)
                column += 1
        text = "".join(out)
    else:
        column += len(text)
    return text.translate(_CONTROL), column


def _width(line: str) -> int:
    return len(line.expandtabs(TAB)) if "\t" in line else len(line)


class DiffView(ScrollView, can_focus=True):
    """The diff of one file; `]` and `[` move between hunks, `z` shows the whole file."""

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
        & > .diff--fold { color: $text-muted; background: $panel; text-style: italic; }
        & > .diff--empty { background: $panel; }
        & > .diff--note { color: $text-muted; text-style: italic; }
    }
    """
    BINDINGS = [
        Binding("right_square_bracket", "next_hunk", "Next hunk", id="diff.next-hunk"),
        Binding("left_square_bracket", "previous_hunk", "Prev hunk", id="diff.previous-hunk"),
        Binding("z", "toggle_whole_file", "Whole file", id="diff.whole-file"),
    ]

    split: reactive[bool] = reactive(False)
    whole_file: reactive[bool] = reactive(False)
    current_hunk: reactive[int] = reactive(0)

    def __init__(self, *, name: str | None = None, id: str | None = None) -> None:
        super().__init__(name=name, id=id)
        self.path = ""
        self.diff = diff_texts("", "")
        self.hunks: list[DiffHunk] = []
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
    def show(self, path: str, old: str | None, new: str | None) -> None:
        """Show `old` (None: a new file) against `new` (None: a deleted file)."""
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
        self._width = max(map(_width, self.diff.old + self.diff.new), default=0)
        self._words.clear()
        self._note = ""
        self.set_reactive(DiffView.current_hunk, 0)
        self._layout()
        self.scroll_to(0, 0, animate=False, immediate=True)

    def show_note(self, text: str) -> None:
        """No file: one line saying why (e.g. the proposal is still being written)."""
        self.path, self.diff, self._note = "", diff_texts("", ""), text
        self._layout()

    def _layout(self) -> None:
        context = WHOLE_FILE if self.whole_file else CONTEXT
        self.hunks = self.diff.hunks(context)
        rows: list[tuple] = []
        hunk_rows: list[int] = []
        if self._note:
            rows.append((NOTE, self._note))
        elif not self.hunks:
            rows.append((NOTE, "no changes against the branch"))
        old_done = 0
        for hunk in self.hunks:
            if hunk.old_start > old_done:
                rows.append((FOLD, hunk.old_start - old_done))
            hunk_rows.append(len(rows))
            rows.append((HUNK, hunk.index))
            for tag, i1, i2, j1, j2 in hunk.opcodes:
                if self.side_by_side:
                    self._pairs(rows, tag, i1, i2, j1, j2)
                else:
                    self._lines(rows, tag, i1, i2, j1, j2)
            old_done = hunk.old_end
        if self.hunks and old_done < len(self.diff.old):
            rows.append((FOLD, len(self.diff.old) - old_done))
        self._rows, self._hunk_rows = rows, hunk_rows
        self._cache.clear()
        self._resize_virtual()
        self.refresh()

    @staticmethod
    def _lines(rows: list[tuple], tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        if tag == "equal":
            rows.extend(
                (LINE, " ", i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            return
        rows.extend((LINE, "-", i, -1) for i in range(i1, i2))
        rows.extend((LINE, "+", -1, j) for j in range(j1, j2))

    @staticmethod
    def _pairs(rows: list[tuple], tag: str, i1: int, i2: int, j1: int, j2: int) -> None:
        changed = tag != "equal"
        for i, j in zip_longest(range(i1, i2), range(j1, j2), fillvalue=-1):
            rows.append((PAIR, i, j, changed))

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
            top = self.current_hunk
            self._layout()
            self.current_hunk = min(top, max(0, len(self.hunks) - 1))

    def watch_current_hunk(self) -> None:
        self._cache.clear()
        if self._hunk_rows:
            self.scroll_to(y=self._hunk_rows[self.current_hunk], animate=False, immediate=True)
        self.refresh()

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

    def on_click(self, event: Click) -> None:
        row = self._row(event.y + round(self.scroll_y))
        if row is None:
            return
        if row[0] == FOLD:
            self.whole_file = True
        elif row[0] == HUNK:
            self.current_hunk = row[1]

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
            hunk = self.hunks[row[1]]
            current = row[1] == self.current_hunk
            style = self._style("diff--hunk-current" if current else "diff--hunk")
            text = f"{'▶' if current else ' '} {hunk.header}  +{hunk.added} −{hunk.removed}"
            if len(self.hunks) > 1:
                text += f"  (hunk {hunk.index + 1} of {len(self.hunks)})"
        elif kind == FOLD:
            style = self._style("diff--fold")
            plural = "line" if row[1] == 1 else "lines"
            text = f"  ⋯ {row[1]} unchanged {plural} (z shows the whole file)"
        else:
            style, text = self._style("diff--note"), f"  {row[1]}"
        return Strip([Segment(text, style)]).crop_extend(0, width, style)

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
        return _line(
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
        return _line(
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
            for piece_start, piece_end, in_word in _cut(start, offset, ranges):
                piece, column = _display(value[piece_start - start : piece_end - start], column)
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


def _line(numbers: Segment, mark: Segment, code: Strip) -> Strip:
    """Gutter, marker and code as one strip (one object per row, not four)."""
    return Strip([numbers, mark, *code], len(numbers.text) + len(mark.text) + code.cell_length)


def _cut(start: int, end: int, ranges: list[tuple[int, int]]):
    """Split [start, end) at the edges of `ranges`, saying which pieces fall inside one."""
    if not ranges:
        yield start, end, False
        return
    position = start
    for low, high in ranges:
        if high <= position or low >= end:
            continue
        if low > position:
            yield position, low, False
            position = low
        stop = min(high, end)
        yield position, stop, True
        position = stop
    if position < end:
        yield position, end, False
