"""The checks beside the diff: the run's state and the selected file's results, then the
project's test output as one line until the person opens it (`o`), so a long test run
never takes the diff's place on a small terminal."""

from __future__ import annotations

import re

from textual.containers import Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Log, Static

SUMMARY = re.compile(r"\b\d+ (passed|failed|errors?|skipped)\b")
"""A line of a test run's output that sums it up (pytest's, vitest's)."""
DURATION = re.compile(r"\s+in\s+[\d.]+\s*m?s\b.*$")


class ChecksPanel(Vertical):
    output_open: reactive[bool] = reactive(False)
    stale: reactive[bool] = reactive(False)
    """The output is of an earlier run: a file changed since (the tests say "not run")."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(
            Static(id="checks"), Static(id="test-line"), Log(id="check-log", max_lines=5000), id=id
        )
        self.lines = 0
        self.summary = ""

    def on_mount(self) -> None:
        self._show_output()

    def show(self, text: Content | str) -> None:
        """The results (empty: nothing to say, and the panel takes no room)."""
        self.query_one("#checks", Static).update(text)
        self.query_one("#checks").display = bool(text)

    def clear_output(self) -> None:
        self.query_one(Log).clear()
        self.lines, self.summary = 0, ""
        self._show_output()

    def write_output(self, line: str) -> None:
        self.query_one(Log).write_line(line)
        self.lines += 1
        if SUMMARY.search(line):
            self.summary = DURATION.sub("", line.strip(" ="))
        self._show_output()

    @property
    def has_output(self) -> bool:
        return self.lines > 0

    def watch_output_open(self) -> None:
        self._show_output()

    def watch_stale(self) -> None:
        self._show_output()

    def _show_output(self) -> None:
        line = self.query_one("#test-line", Static)
        log = self.query_one(Log)
        line.display = self.has_output
        log.display = self.has_output and self.output_open
        if self.has_output:
            count = f"{self.lines} line{'s' if self.lines != 1 else ''}"
            what = f"{self.summary} · {count}" if self.summary else count
            verb = "o hides it" if self.output_open else "o shows it"
            title = "Earlier tests: " if self.stale else "Test output: "
            line.update(Content.assemble((title, "bold"), what, (f"  ({verb})", "$text-muted")))
