"""Rework of rejected hunks: the provider sees only the hunks the person rejected, with
their comments, and each file as it stands without them; it answers with new contents of
just those files.

The answer is untrusted: of its changes to a file, the engine keeps only those inside the
lines of a rejected hunk (its changed lines and their context, as the person saw it).
Anything the model changed elsewhere is left out and the summary says so, so a rework can
never alter an approved or undecided hunk. Files it leaves out keep their hunks and
decisions; files that were not asked for are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import TYPE_CHECKING

from ..core.errors import BadInput
from ..core.hunks import CONTEXT, Hunk, apply, lines, split
from ..core.proposal import FileChange, Proposal
from ..core.review import HunkReview, Review
from ..providers.base import RejectedHunk, Rework, ReworkFile

if TYPE_CHECKING:
    from .session import BuildSession

HEADING = "## Rework of rejected hunks"
"""Each rework round adds this section to the proposal's summary, its notes quoted."""

Window = tuple[int, int]
"""Lines [start, end) of a file's current content that the answer may change."""


@dataclass
class Plan:
    rework: Rework
    windows: dict[str, list[Window]] = field(default_factory=dict)

    def merge(self, answer: Proposal) -> Proposal:
        """The previous proposal with each reworked file's rejected regions taken from the
        answer; everything else as it was."""
        previous = self.rework.previous
        files = {f.path: f for f in self.rework.files}
        sent = {c.path: c for c in answer.changes}
        notes: list[str] = []
        changes: list[FileChange] = []
        for change in previous.changes:
            file = files.get(change.path)
            new = sent.pop(change.path, None) if file else None
            if file is None:
                changes.append(change)
            elif new is None or new.action != "modify":
                why = "sent no new version" if new is None else f"answered with {new.action}"
                notes.append(f"{change.path}: the model {why}; its hunks are as they were")
                changes.append(change)
            else:
                content, outside = within(file.current, new.content, self.windows[change.path])
                if outside:
                    spans = ", ".join(_lines(i1, i2) for i1, i2 in outside)
                    notes.append(
                        f"{change.path}: left out what the model changed outside the rejected "
                        f"hunks ({spans}); those lines are kept as they were"
                    )
                changes.append(change.model_copy(update={"content": content}))
        notes += [f"{path}: not asked for in this rework; left out" for path in sent]
        summary = f"{previous.summary.rstrip()}\n\n{HEADING}\n\n"
        summary += answer.summary.strip() or "(no summary)"
        if notes:
            summary += "\n\n" + "\n".join(f"> {note}" for note in notes)
        questions = previous.questions + [
            q for q in answer.questions if q not in previous.questions
        ]
        return previous.model_copy(
            update={"summary": summary + "\n", "changes": changes, "questions": questions}
        )


def last_notes(proposal: Proposal) -> list[str]:
    """What the last rework left out or could not do, from the proposal's summary."""
    if HEADING not in proposal.summary:
        return []
    latest = proposal.summary.rsplit(HEADING, 1)[1]
    return [line[2:] for line in latest.splitlines() if line.startswith("> ")]


def rejected_counts(session: BuildSession) -> dict[str, int]:
    """Files of the current proposal with rejected hunks, and how many."""
    record = session.record()
    counts = {}
    for change in record.proposal.changes if record.proposal else []:
        review = record.review(change.path)
        count = sum(1 for r in review.hunks.values() if r.decision == "rejected")
        if change.action == "modify" and count:
            counts[change.path] = count
    return counts


def plan(session: BuildSession) -> Plan:
    """What to ask for; BadInput when there is nothing to rework or no way to."""
    record = session.record()
    if record.proposal is None:
        raise BadInput("there is no proposal yet; generate the phase first")
    if record.status == "committed":
        raise BadInput("this phase is committed; undo it to rework its hunks")
    counts = rejected_counts(session)
    if not counts:
        raise BadInput(
            "no hunk is rejected, so there is nothing to rework",
            hint="reject the hunks to redo, with a comment saying what to change",
        )
    why = session.provider.cannot_rework()
    if why:
        raise BadInput(why)
    result = Plan(Rework(previous=record.proposal, files=[]))
    for path in counts:
        change, review = session.change(path), record.review(path)
        base = session.base_content(path)
        if base is None:
            raise BadInput(f"{path} is no longer on the branch; generate the phase again")
        file, windows = _file(change, review, base)
        if file.hunks:
            result.rework.files.append(file)
            result.windows[path] = windows
    if not result.rework.files:
        raise BadInput("the rejected hunks are no longer in the proposal; nothing to rework")
    return result


def _file(change: FileChange, review: Review, base: str) -> tuple[ReworkFile, list[Window]]:
    target = review.target(change)
    hunks = split(base, target)
    rejected = [h for h in hunks if review.hunks.get(h.id, HunkReview()).decision == "rejected"]
    kept = {h.index for h in hunks} - {h.index for h in rejected}
    current = apply(base, target, hunks, kept)
    old, new = lines(base), lines(target)
    shown, windows = [], []
    for hunk in rejected:
        start, end = max(hunk.base_start - CONTEXT, 0), min(hunk.base_end + CONTEXT, len(old))
        windows.append((_moved(start, hunks, kept), _moved(end, hunks, kept)))
        diff = _unified(hunk, old, new, start, end)
        comment = review.hunks[hunk.id].comment.strip()
        shown.append(RejectedHunk(header=hunk.header, diff=diff, comment=comment))
    return ReworkFile(path=change.path, current=current, hunks=shown), windows


def _moved(position: int, hunks: list[Hunk], applied: set[int]) -> int:
    """A line position of the base file, in the file with the `applied` hunks applied.
    Positions inside a rejected hunk's lines are never inside an applied hunk's regions."""
    shift = 0
    for hunk in hunks:
        if hunk.index in applied:
            for _, i1, i2, j1, j2 in hunk.regions:
                if i2 <= position:
                    shift += (j2 - j1) - (i2 - i1)
    return position + shift


def _unified(hunk: Hunk, old: list[str], new: list[str], start: int, end: int) -> str:
    out = [hunk.header]
    position = start
    for _, i1, i2, j1, j2 in hunk.regions:
        out += [" " + line for line in old[position:i1]]
        out += ["-" + line for line in old[i1:i2]]
        out += ["+" + line for line in new[j1:j2]]
        position = i2
    out += [" " + line for line in old[position:end]]
    return "\n".join(line.rstrip("\r\n") for line in out)


def within(current: str, answer: str, windows: list[Window]) -> tuple[str, list[Window]]:
    """`current` with the answer's changes that fall inside a window; the line ranges of
    the ones that do not, which are left out."""
    a, b = lines(current), lines(answer)
    out: list[str] = []
    outside: list[Window] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal" or any(lo <= i1 and i2 <= hi for lo, hi in windows):
            out.extend(b[j1:j2])
        else:
            out.extend(a[i1:i2])
            outside.append((i1, i2))
    return "".join(out), outside


def _lines(start: int, end: int) -> str:
    if end - start <= 1:
        return f"line {start + 1}" if end > start else f"after line {start}"
    return f"lines {start + 1}-{end}"
