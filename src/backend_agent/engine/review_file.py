"""Scripted reviews: a JSON file of per-file and per-hunk decisions, applied headless.

The whole file is checked against the proposal before any decision is applied, so a typo
in the last entry cannot leave the review half done.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ..core.errors import BadInput
from ..core.phases import phase
from ..core.review import Review
from . import hunk_review
from .session import BuildSession

Verb = Literal["approve", "reject", "reset"]


class HunkDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    index: int
    decision: Verb
    comment: str = ""


class FileDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    path: str
    decision: Verb | None = None
    comment: str = ""
    hunks: list[HunkDecision] = []


class ReviewFile(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    phase: str | None = None
    files: list[FileDecision]


EXAMPLE = """{
  "phase": "service-layer",
  "files": [
    {"path": "app/main.py", "decision": "approve"},
    {"path": "docs/notes.md", "decision": "reject", "comment": "not needed"},
    {"path": "app/service.py", "hunks": [{"index": 0, "decision": "approve"},
                                         {"index": 1, "decision": "reject", "comment": "why"}]}
  ]
}"""


def load(path: Path) -> ReviewFile:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"review file {path} does not exist") from None
    except RecursionError:
        raise BadInput(f"review file {path} is nested too deeply to be a review") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise BadInput(f"review file {path} is not readable JSON: {exc}") from None
    try:
        return ReviewFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise BadInput(
            f"review file {path} has problems:\n  " + "\n  ".join(problems),
            hint=f"the format is:\n{EXAMPLE}",
        ) from None


def apply_review(session: BuildSession, review: ReviewFile) -> list[str]:
    """Check every entry, then apply them all at once with one save: a mistake in the last
    entry, or a signal part-way, leaves the review as it was. Returns one line per decision."""
    target = phase(review.phase) if review.phase else session.phase
    record = session.record(target.id)
    if record.status == "committed":
        raise BadInput(
            f"phase {target.number} ({target.id}) is committed ({(record.commit or '')[:10]}); "
            "its decisions are part of that commit",
            hint=f"undo the commit first (`backend-agent undo`) to decide phase {target.number} "
            "again, or name another phase in the review file",
        )
    if record.proposal is None:
        raise BadInput(f"phase {target.id} has no proposal to review yet")
    changes = {c.path: c for c in record.proposal.changes}
    _check_entries(review, changes, target.id)
    hunked = [entry.path for entry in review.files if entry.hunks]
    bases = session.worktree.read_many(hunked)
    for number, entry in enumerate(review.files):
        count = len(
            hunk_review.hunks_of(
                changes[entry.path], record.review(entry.path), bases.get(entry.path)
            )
        )
        for hunk in entry.hunks:
            if not 0 <= hunk.index < count:
                raise BadInput(
                    f"{_where(number, entry)}: there is no hunk {hunk.index} (it has {count})"
                )
    done, decided = [], {}
    for entry in review.files:
        change = changes[entry.path]
        decided[entry.path] = result = _decided(session, change, record.review(entry.path), entry)
        for hunk in entry.hunks:
            verb = {"approve": "approved", "reject": "rejected", "reset": "pending"}[hunk.decision]
            hunk_review.decide(change, result, bases[entry.path], hunk.index, verb, hunk.comment)
            done.append(f"{hunk.decision} {entry.path} hunk {hunk.index}")
        if entry.decision:
            done.append(f"{entry.decision} {entry.path}")
    session.replace_reviews(target.id, decided)
    return done


def _check_entries(review: ReviewFile, changes: dict, phase_id: str) -> None:
    """Each file once, in the proposal, with a file decision or hunk decisions (not both),
    each hunk once."""
    seen: dict[str, int] = {}
    for number, entry in enumerate(review.files):
        where = _where(number, entry)
        if entry.path in seen:
            raise BadInput(
                f"{where}: the file is decided at files[{seen[entry.path]}] too; give each file "
                "once, with one decision (or its hunks)"
            )
        seen[entry.path] = number
        if entry.path not in changes:
            raise BadInput(f"{where}: not part of the {phase_id} proposal")
        if entry.decision and entry.hunks:
            raise BadInput(f"{where}: give a file decision or hunk decisions, not both")
        if not entry.decision and not entry.hunks:
            raise BadInput(f"{where}: give a decision (approve, reject, reset) or hunks")
        indices = [hunk.index for hunk in entry.hunks]
        twice = next((i for i in indices if indices.count(i) > 1), None)
        if twice is not None:
            raise BadInput(f"{where}: hunk {twice} is decided more than once; decide it once")


def _where(number: int, entry: FileDecision) -> str:
    return f"files[{number}] ({entry.path})"


def _decided(session: BuildSession, change, review: Review, entry: FileDecision) -> Review:
    """A new Review for the entry's file decision (the old one is left as it is)."""
    if entry.decision == "reset":
        return Review()
    result = review.model_copy(update={"hunks": dict(review.hunks)})
    if entry.decision == "approve":
        session.decide_approve(change, result)
    elif entry.decision == "reject":
        session.decide_reject(change, result, entry.comment)
    return result
