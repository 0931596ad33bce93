"""The rework turns: after the phase's cached opening, the earlier proposal in brief, then
the hunks the person rejected (as unified diffs, with their comments) and each file as it
stands without them. Only what a rework needs is sent: not the files or hunks the person
approved, which the engine keeps as they are whatever the model answers.
"""

from __future__ import annotations

from typing import Any

from ...core.phases import Phase
from ..base import Rework
from .schema import TOOL_NAME


def rework_turns(rework: Rework, phase: Phase) -> list[dict[str, Any]]:
    previous = rework.previous
    said = [f"My proposal for phase {phase.number} ({phase.id}):", "", previous.summary, ""]
    said += [f"- {c.action} {c.path}" for c in previous.changes]
    ask = [
        "# Rework the rejected hunks",
        "",
        "I reviewed your proposal hunk by hunk. Rework only the hunks I rejected, below, "
        "following my comment on each. Every other line of these files is decided (approved, "
        "or still to be reviewed as you proposed it) and is kept exactly as it is: changes "
        "outside the rejected hunks' lines are discarded.",
        "",
        f"Call `{TOOL_NAME}` with one `modify` entry per file below and no other file; its "
        "`content` is the file's current content, shown here, with the rejected hunks' "
        "regions rewritten. A rejected change you now think is not needed can be left out: "
        "keep those lines as they are in the current content. The `summary` says what you "
        "changed and why.",
    ]
    for file in rework.files:
        ask += ["", f"## {file.path}", ""]
        for number, hunk in enumerate(file.hunks, 1):
            comment = hunk.comment or "no comment given"
            fence = "```"
            while fence in hunk.diff:
                fence += "`"
            ask += [
                f"Rejected hunk {number} of {len(file.hunks)}. My comment: {comment}",
                f"{fence}diff",
                hunk.diff,
                fence,
                "",
            ]
        ask += [
            "Its current content (the branch file with every other hunk applied):",
            f'<file path="{file.path}">\n{file.current}\n</file>',
        ]
    return [
        {"role": "assistant", "content": [{"type": "text", "text": "\n".join(said)}]},
        {"role": "user", "content": [{"type": "text", "text": "\n".join(ask)}]},
    ]
