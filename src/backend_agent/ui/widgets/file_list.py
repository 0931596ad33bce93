"""The proposed files of a phase, each with what happens to it and the person's decision,
under a first entry for the rationale.

It keeps the rows it was given, so it can draw them again when it becomes `narrow` (each
file's name before its folder) without asking anyone.
"""

from __future__ import annotations

from collections import Counter
from pathlib import PurePosixPath

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

RATIONALE = "@rationale"
"""The id of the first entry: the provider's reasons, open questions and refused files."""

STATES = {
    "pending": ("·", "$text-muted"),
    "approved": ("✓", "$text-success"),
    "rejected": ("✗", "$text-error"),
    "edited": ("✎", "$text-warning"),
}
ACTIONS = {
    "create": ("new", "$text-success"),
    "modify": ("mod", "$text-warning"),
    "delete": ("del", "$text-error"),
}


def file_prompt(
    path: str,
    action: str,
    state: str,
    checks: tuple[str, str] | None = None,
    hunks: tuple[int, int] | None = None,
    *,
    compact: bool = False,
    folder: bool = False,
) -> Content:
    """`checks`: the mark of the file's check results (text, style), if it has any;
    `hunks`: (approved, all) when the file is decided hunk by hunk; `compact`: the file's
    name alone, for a narrow list — and with `folder` its folder after it, dimmed, when
    the name alone is not enough to tell it from another file."""
    glyph, glyph_style = STATES[state]
    tag, tag_style = ACTIONS[action]
    name_style = "$text" if state != "rejected" else "$text-muted strike"
    if compact:
        where = PurePosixPath(path)
        after = f" {where.parent}/" if folder and str(where.parent) != "." else ""
        name = ((where.name, name_style), (after, "$text-muted"))
        tag = tag[0]
    else:
        name = ((path, name_style),)
    return Content.assemble(
        (glyph, glyph_style),
        " ",
        (tag, tag_style),
        " ",
        *(((f"{hunks[0]}/{hunks[1]} ", "$text-accent"),) if hunks else ()),
        *name[:1],
        *((" ", checks) if checks else ()),
        *name[1:],
    )


class FileList(OptionList):
    HELP_TITLE = "File list"

    narrow: reactive[bool] = reactive(False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._rationale = ""
        self._rows: dict[str, tuple] = {}
        self._shared: set[str] = set()
        """File names more than one listed file has (shown with their folder)."""

    def load(self, rationale: str, files: list[tuple], *, select: str | None = None) -> None:
        """Show `files` as `file_prompt` arguments (path, action, review state[, check
        mark[, hunks]]), keeping the highlight if it can (or moving it to `select`)."""
        keep = select or self.highlighted_id
        self._rationale = rationale
        self._rows = {item[0]: tuple(item[1:]) for item in files}
        self._fill(keep)

    def _prompt(self, path: str, row: tuple) -> Content:
        return file_prompt(
            path, *row, compact=self.narrow, folder=PurePosixPath(path).name in self._shared
        )

    def _fill(self, keep: str | None) -> None:
        self.clear_options()
        names = Counter(PurePosixPath(path).name for path in self._rows)
        self._shared = {name for name, count in names.items() if count > 1}
        options = [Option(Content.styled(self._rationale, "bold"), id=RATIONALE)]
        options += [Option(self._prompt(path, row), id=path) for path, row in self._rows.items()]
        self.add_options(options)
        ids = [option.id for option in options]
        self.highlighted = ids.index(keep) if keep in ids else 0

    def watch_narrow(self) -> None:
        if self._rows:
            self._fill(self.highlighted_id)

    def set_state(self, path: str, *row) -> None:
        """Redraw one file: `row` as `load` takes it, after the path. A file not listed
        yet is left to the `load` on its way."""
        if path not in self._rows:
            return
        self._rows[path] = tuple(row)
        try:
            self.replace_option_prompt(path, self._prompt(path, tuple(row)))
        except OptionDoesNotExist:
            pass

    def select_path(self, path: str | None) -> bool:
        """Highlight `path` (None: the rationale); False if it is not listed."""
        target = path or RATIONALE
        try:
            self.highlighted = self.get_option_index(target)
        except OptionDoesNotExist:
            return False
        return True

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id
