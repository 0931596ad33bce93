"""The proposed files of a phase, each with what happens to it and the person's decision,
under a first entry for the rationale."""

from __future__ import annotations

from textual.content import Content
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
) -> Content:
    """`checks`: the mark of the file's check results (text, style), if it has any;
    `hunks`: (approved, all) when the file is decided hunk by hunk."""
    glyph, glyph_style = STATES[state]
    tag, tag_style = ACTIONS[action]
    return Content.assemble(
        (glyph, glyph_style),
        " ",
        (tag, tag_style),
        " ",
        *(((f"{hunks[0]}/{hunks[1]} ", "$text-accent"),) if hunks else ()),
        (path, "$text" if state != "rejected" else "$text-muted strike"),
        *((" ", checks) if checks else ()),
    )


class FileList(OptionList):
    def load(self, rationale: str, files: list[tuple]) -> None:
        """Show `files` as `file_prompt` arguments (path, action, review state[, check
        mark[, hunks]]), keeping the highlight if it can."""
        keep = self.highlighted_id
        self.clear_options()
        options = [Option(Content.styled(rationale, "bold"), id=RATIONALE)]
        options += [Option(file_prompt(*item), id=item[0]) for item in files]
        self.add_options(options)
        ids = [option.id for option in options]
        self.highlighted = ids.index(keep) if keep in ids else 0

    def set_state(self, path: str, *row) -> None:
        """Redraw one file: `row` as `load` takes it, after the path. A file not listed
        yet is left to the `load` on its way."""
        try:
            self.replace_option_prompt(path, file_prompt(path, *row))
        except OptionDoesNotExist:
            pass

    @property
    def highlighted_id(self) -> str | None:
        if self.highlighted is None or self.option_count == 0:
            return None
        return self.get_option_at_index(self.highlighted).id
