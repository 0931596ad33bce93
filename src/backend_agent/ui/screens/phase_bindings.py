"""The Phase screen's keys: each with an id a user's keymap can remap, a footer label and
a tooltip; the command palette lists them too."""

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
        "escape", "escape", "Cancel", id="phase.cancel", show=False, tooltip="Stop the provider"
    ),
]
