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
from .session import BuildSession

Verb = Literal["approve", "reject", "reset"]
HunkVerb = Literal["approve", "reject", "reset", "ours", "theirs", "edit"]
"""For a conflict: `ours` keeps the branch's lines, `theirs` (= approve) takes the
proposal's, `edit` puts `text` in place of both."""


class HunkDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    index: int
    decision: HunkVerb
    comment: str = ""
    text: str | None = None


class FileDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    path: str
    decision: Verb | None = None
    comment: str = ""
    hunks: list[HunkDecision] = []


class ReviewFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
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
    """Check every entry, then apply them all; returns one line per decision made."""
    if review.phase:
        session.goto(phase(review.phase).id)
    proposal = session.proposal
    if proposal is None:
        raise BadInput(f"phase {session.state.current} has no proposal to review yet")
    for number, entry in enumerate(review.files):
        where = f"files[{number}] ({entry.path})"
        change = proposal.change(entry.path)
        if change is None:
            raise BadInput(f"{where}: not part of the {session.state.current} proposal")
        if entry.decision and entry.hunks:
            raise BadInput(f"{where}: give a file decision or hunk decisions, not both")
        if entry.hunks:
            count = len(session.hunks(entry.path))
            for hunk in entry.hunks:
                if not 0 <= hunk.index < count:
                    raise BadInput(f"{where}: there is no hunk {hunk.index} (it has {count})")
                if (hunk.decision == "edit") != (hunk.text is not None):
                    raise BadInput(
                        f"{where}: hunk {hunk.index}: 'text' goes with the decision 'edit' "
                        "(the lines that replace the hunk), and only with it"
                    )
    done = []
    actions = {"approve": session.approve, "reset": session.reset}
    for entry in review.files:
        if entry.decision == "reject":
            session.reject(entry.path, entry.comment)
        elif entry.decision:
            actions[entry.decision](entry.path)
        if entry.decision:
            done.append(f"{entry.decision} {entry.path}")
        for hunk in entry.hunks:
            if hunk.decision == "reject":
                session.reject_hunk(entry.path, hunk.index, hunk.comment)
            elif hunk.decision in ("approve", "theirs"):
                session.approve_hunk(entry.path, hunk.index)
            elif hunk.decision == "ours":
                session.keep_ours(entry.path, hunk.index)
            elif hunk.decision == "edit":
                session.edit_hunk(entry.path, hunk.index, hunk.text or "")
            else:
                session.reset_hunk(entry.path, hunk.index)
            done.append(f"{hunk.decision} {entry.path} hunk {hunk.index}")
    return done
