"""What the loop says to the model after its opening: the person's review and feedback,
what the checks found, the hunks to rework, the work already done when a conversation
starts over, and the nudges at an output limit or a turn without `finish_phase`.
"""

from __future__ import annotations

import difflib

from ..base import Revision, Rework
from .tools import EDITOR, FINISH

DIFF_LIMIT = 6_000
"""Characters of a person's edit shown as a diff; beyond that the model views the file."""
GO_ON = (
    f"Edit only what this calls for (`str_replace` for a few lines); every file you do not "
    f"touch is kept exactly as it is. Then call `{FINISH}` again with the updated summary "
    "and the files you changed."
)


def revision_text(revision: Revision) -> str:
    if revision.kind == "fix":
        return (
            "# The checks found problems\n\n"
            f"{revision.feedback.strip()}\n\n"
            "Fix each problem where it is; when a fix needs other files to change, change "
            f"them too. {GO_ON}"
        )
    return (
        f"{review_text(revision)}\n\n# Their feedback\n\n"
        + (revision.feedback.strip() or "(no words: improve the proposal where you see fit)")
        + f"\n\n{GO_ON} Address every rejected file; approved files stay as approved unless "
        + ("the feedback asks to change them.")
    )


def review_text(revision: Revision) -> str:
    """The person's decision on each file, with their edits as diffs of what you wrote."""
    lines = ["# The person's review of your proposal", ""]
    for change in revision.previous.changes:
        review = revision.reviews.get(change.path)
        state = review.state(change) if review else "pending"
        if review is None or state == "pending":
            lines.append(f"- {change.path}: no decision yet")
        elif state == "rejected":
            lines.append(
                f"- {change.path}: rejected. Their comment: {review.comment.strip() or '(none)'}"
            )
        elif review.edited_content is not None:
            kept = "then approved" if state == "approved" else "not decided yet"
            lines.append(
                f"- {change.path}: edited by the person ({kept}); their version is the file now:"
            )
            lines.append(_diff(change.path, change.content, review.edited_content))
        else:
            lines.append(f"- {change.path}: approved (keep it as it is)")
    return "\n".join(lines)


def _diff(path: str, before: str, after: str) -> str:
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            f"{path} (yours)",
            f"{path} (theirs)",
        )
    )
    if len(diff) > DIFF_LIMIT:
        return f"  (a large edit: `view {path}` to read it)"
    fence = "```"
    while fence in diff:
        fence += "`"
    return f"{fence}diff\n{diff.rstrip()}\n{fence}"


def rework_text(rework: Rework) -> str:
    """The hunks the person rejected, with their comments, and each file as it stands
    without them (what the loop now holds for it)."""
    out = [
        "# Rework the rejected hunks",
        "",
        "I reviewed your proposal hunk by hunk. Rework only the hunks I rejected, below, "
        "following my comment on each. Every other line of these files is decided and is "
        "kept as it is: changes outside the rejected hunks' lines are discarded. Each "
        "file below is shown as it stands now, without the rejected hunks: edit it with "
        f"`str_replace` in `{EDITOR}`, then call `{FINISH}` with a summary of what you "
        "changed. A rejected change you now think is not needed can be left out.",
    ]
    for file in rework.files:
        out += ["", f"## {file.path}", ""]
        for number, hunk in enumerate(file.hunks, 1):
            fence = "```"
            while fence in hunk.diff:
                fence += "`"
            out += [
                f"Rejected hunk {number} of {len(file.hunks)}. My comment: "
                f"{hunk.comment or 'no comment given'}",
                f"{fence}diff",
                hunk.diff,
                fence,
                "",
            ]
        out += [
            "Its current content:",
            f'<file path="{file.path}">\n{file.current}\n</file>',
        ]
    return "\n".join(out)


def done_text(files: dict[str, str | None], on_branch: set[str]) -> str:
    """The files of this phase written before the conversation started over."""
    if not files:
        return ""
    lines = [
        "# Work already done in this phase",
        "",
        "You have written these files in this phase already; they are kept as they are "
        "(`view` one to read it). Go on from there: do not write them again.",
    ]
    for path, text in files.items():
        if text is None:
            lines.append(f"- {path}: deleted")
        else:
            what = "changed" if path in on_branch else "created"
            lines.append(f"- {path}: {what}, {text.count(chr(10)) + 1} lines")
    return "\n".join(lines)


def cut_off_text(limit: int, dropped: list[str], written: list[str]) -> str:
    what = ", ".join(dropped) if dropped else "your text"
    recent = ", ".join(written[-8:]) if written else "nothing yet"
    return (
        f"Your answer reached the output limit ({limit:,} tokens) and was cut off in "
        f"{what}; that unfinished call was not done. Every call before it was done. Files "
        f"written in this phase so far: {len(written)} (the latest: {recent}). Go on where "
        "you stopped; do not write finished files again. Keep each answer to a few files."
    )


def nudge_text(phase_number: int) -> str:
    return (
        f"Your turn ended without `{FINISH}`. If phase {phase_number} is complete, call "
        f"`{FINISH}`; otherwise go on writing its files."
    )
