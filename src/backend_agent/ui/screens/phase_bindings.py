"""The Phase screen's keys: each with an id a user's keymap can remap, a footer label and
a tooltip; the command palette and the `?` overlay list them too. `KEY_RANK` is the order
the footer keeps them in when the terminal is narrow; `HELP_GROUPS` what each acts on."""

from __future__ import annotations

from textual.binding import Binding

from .phase_hunks import BINDINGS as HUNK_BINDINGS

PHASES_GROUP = Binding.Group("Phase")
"""One place in the footer for n and p: there are many keys to show."""

BINDINGS = [
    Binding("a", "approve", "Approve", id="phase.approve", tooltip="Approve the selected file"),
    Binding("x", "reject", "Reject", id="phase.reject", tooltip="Reject the file, with a reason"),
    *HUNK_BINDINGS,
    Binding(
        "A",
        "approve_all",
        "Approve all",
        id="phase.approve-all",
        tooltip="Approve every pending or edited file",
    ),
    Binding("e", "edit", "Edit", id="phase.edit", tooltip="Edit the file in place"),
    Binding(
        "E",
        "edit_external",
        "$EDITOR",
        id="phase.edit-external",
        show=False,
        tooltip="Edit the file in your editor",
    ),
    Binding(
        "v",
        "toggle_split",
        "Split",
        id="phase.split",
        show=False,
        tooltip="Unified or side-by-side diff",
    ),
    Binding(
        "z",
        "toggle_whole_file",
        "Whole file",
        id="diff.whole-file",
        show=False,
        tooltip="The whole file, or only the changes with a little context",
    ),
    Binding(
        "b",
        "toggle_files",
        "Files",
        id="phase.files",
        show=False,
        tooltip="Hide or show the file list (it narrows by itself under 110 columns)",
    ),
    Binding(
        "m",
        "toggle_rendered",
        "Rendered",
        id="phase.rendered",
        show=False,
        tooltip="Show a Markdown file rendered",
    ),
    Binding(
        "R",
        "reset",
        "Reset file",
        id="phase.reset",
        show=False,
        tooltip="Back to the proposal, undecided",
    ),
    Binding(
        "r",
        "revise",
        "Revise",
        id="phase.revise",
        tooltip="Ask for a new proposal with your feedback",
    ),
    Binding("c", "commit", "Commit", id="phase.commit", tooltip="Commit the approved files"),
    Binding("k", "run_checks", "Checks", id="phase.checks", tooltip="Check the proposal again"),
    Binding(
        "f",
        "fix",
        "Ask to fix",
        id="phase.fix",
        tooltip="Send the failed checks to the provider as feedback",
    ),
    Binding(
        "o",
        "toggle_output",
        "Test output",
        id="phase.test-output",
        show=False,
        tooltip="Show or hide the output of the project's tests",
    ),
    Binding(
        "i",
        "answer",
        "Answer",
        id="phase.answer",
        show=False,
        tooltip="Answer the provider's open questions: every later phase is told",
    ),
    Binding(
        "g",
        "generate",
        "Generate",
        id="phase.generate",
        tooltip="Ask the provider for this phase",
    ),
    Binding(
        "U",
        "undo",
        "Undo commit",
        id="phase.undo",
        show=False,
        tooltip="Drop the last phase commit",
    ),
    Binding(
        "n",
        "next_phase",
        "Next",
        id="phase.next",
        tooltip="Go to the next phase",
        group=PHASES_GROUP,
    ),
    Binding(
        "p",
        "previous_phase",
        "Prev",
        id="phase.previous",
        tooltip="Go to the previous phase",
        group=PHASES_GROUP,
    ),
    Binding(
        "s",
        "summary",
        "Summary",
        id="phase.summary",
        show=False,
        tooltip="Commits, usage and how to merge",
    ),
    Binding(
        "escape",
        "escape",
        "Back",
        id="phase.cancel",
        show=False,
        tooltip="Stop what runs, close a view (t, m), else back to the start screen",
    ),
]

KEY_RANK = (
    "phase.cancel",
    "phase.approve",
    "phase.reject",
    "phase.approve-hunk",
    "phase.reject-hunk",
    "phase.keep-yours",
    "phase.edit-hunk",
    "phase.commit",
    "phase.files",
    "phase.generate",
    "phase.next",
    "phase.previous",
    "phase.undo",
    "phase.summary",
    "phase.approve-all",
    "phase.rework",
    "phase.fix",
    "phase.edit",
    "phase.revise",
    "phase.checks",
    "phase.test-output",
)
"""What the footer keeps first when the terminal is too narrow for every key."""

HELP_ORDER = ("File", "Hunk", "View", "Phase")
HELP_GROUPS = {
    "phase.approve": "File",
    "phase.reject": "File",
    "phase.approve-all": "File",
    "phase.edit": "File",
    "phase.edit-external": "File",
    "phase.reset": "File",
    "phase.approve-hunk": "Hunk",
    "phase.reject-hunk": "Hunk",
    "phase.keep-yours": "Hunk",
    "phase.edit-hunk": "Hunk",
    "phase.reset-hunk": "Hunk",
    "phase.next-hunk": "Hunk",
    "phase.previous-hunk": "Hunk",
    "phase.rework": "Hunk",
    "phase.result": "View",
    "phase.split": "View",
    "diff.whole-file": "View",
    "phase.rendered": "View",
    "phase.files": "View",
    "phase.test-output": "View",
}
"""The group of each key in the `?` overlay; the rest act on the phase."""
