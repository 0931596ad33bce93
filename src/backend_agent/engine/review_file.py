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
from ..core.proposal import content_hash
from ..core.review import Review
from . import hunk_review
from .session import BuildSession

Verb = Literal["approve", "reject", "reset"]
HunkVerb = Literal["approve", "reject", "reset", "ours", "theirs", "edit"]
"""For a conflict: `ours` keeps the branch's lines, `theirs` (= approve) takes the
proposal's, `edit` puts `text` in place of both."""


class HunkDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    index: int
    decision: HunkVerb
    comment: str = ""
    text: str | None = None


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
                                         {"index": 1, "decision": "reject", "comment": "why"}]},
    {"path": "app/models.py", "hunks": [{"index": 0, "decision": "ours"},
                                        {"index": 1, "decision": "edit", "text": "x = 1\\n"}]}
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
    current = {entry.path: record.reviews.get(entry.path) or Review() for entry in review.files}
    bases = session.worktree.read_many([entry.path for entry in review.files if entry.hunks])
    aparts = {}
    for number, entry in enumerate(review.files):
        if not entry.hunks:
            continue
        change, base = changes[entry.path], bases.get(entry.path)
        apart = aparts[entry.path] = session.apart(entry.path, base, target.id)
        count = len(hunk_review.hunks_of(change, current[entry.path], base, apart))
        for hunk in entry.hunks:
            if not 0 <= hunk.index < count:
                raise BadInput(
                    f"{_where(number, entry)}: there is no hunk {hunk.index} (it has {count})"
                )
    done, decided = [], {}
    for entry in review.files:
        change = changes[entry.path]
        decided[entry.path] = result = _decided(
            session, change, current[entry.path], entry, target.id
        )
        for hunk in entry.hunks:
            hunk_review.decide(
                change,
                result,
                bases[entry.path],
                hunk.index,
                *_hunk_decision(hunk),
                apart=aparts[entry.path],
            )
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
        problem = None
        if entry.path in seen:
            problem = (
                f"the file is decided at files[{seen[entry.path]}] too; give each file once, "
                "with one decision (or its hunks)"
            )
        elif entry.path not in changes:
            problem = f"not part of the {phase_id} proposal"
        elif entry.decision and entry.hunks:
            problem = "give a file decision or hunk decisions, not both"
        elif not entry.decision and not entry.hunks:
            problem = "give a decision (approve, reject, reset) or hunks"
        else:
            indices = [hunk.index for hunk in entry.hunks]
            twice = next((i for i in indices if indices.count(i) > 1), None)
            if twice is not None:
                problem = f"hunk {twice} is decided more than once; decide it once"
            odd = [h for h in entry.hunks if (h.decision == "edit") != (h.text is not None)]
            if problem is None and odd:
                problem = (
                    f"hunk {odd[0].index}: 'text' goes with the decision 'edit' (the lines "
                    "that replace the hunk), and only with it"
                )
        if problem:
            raise BadInput(f"{_where(number, entry)}: {problem}")
        seen[entry.path] = number


def _where(number: int, entry: FileDecision) -> str:
    return f"files[{number}] ({entry.path})"


def _decided(
    session: BuildSession, change, review: Review, entry: FileDecision, phase_id: str
) -> Review:
    """A new Review for the entry's file decision, as Reviewing's decide_* would make it;
    the old one is left as it is, so nothing changes until all are put in at once. Whole
    files get a fresh Review (copying pydantic models made 100,000 entries slow)."""
    if entry.decision == "reset":
        return Review()
    if entry.decision is None:  # decided hunk by hunk: the hunks not named stay as they are
        return review.model_copy(update={"hunks": dict(review.hunks)})
    kept = {"edited_content": review.edited_content}
    if entry.decision == "reject":
        return Review(decision="rejected", comment=entry.comment, **kept)
    merged = change.path in session.record(phase_id).merges  # its conflicts stay to decide
    if entry.decision == "approve" and not review.hunks and not merged:
        approved = content_hash(review.content(change))
        return Review(
            decision="approved",
            comment=review.comment,
            approved_hash=approved,
            hunk_result=review.hunk_result,
            **kept,
        )
    result = review.model_copy(update={"hunks": dict(review.hunks)})
    session.decide_approve(change, result, phase_id)
    return result


def _hunk_decision(hunk: HunkDecision) -> tuple:
    """The decision, comment, pick and text `hunk_review.decide` takes for a hunk entry,
    as Reviewing's approve_hunk, keep_ours, edit_hunk, reject_hunk and reset_hunk make them."""
    if hunk.decision == "edit":
        return "approved", "", "edit", hunk_review.whole_lines(hunk.text or "")
    if hunk.decision == "ours":
        return "approved", "", "ours", None
    if hunk.decision in ("approve", "theirs"):
        return "approved", "", None, None
    if hunk.decision == "reject":
        return "rejected", hunk.comment, None, None
    return "pending", "", None, None
