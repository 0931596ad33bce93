"""Why a key of the Phase screen cannot act right now, in a sentence that says what can.

A pure function of a snapshot of the screen (`Situation`), so every rule can be read and
tested without running the wizard. The footer leaves out the keys that have a reason; a
key pressed anyway shows the reason instead of doing nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from ...core.phases import PHASES

FILE_ACTIONS = {"approve", "reject", "edit", "edit_external", "reset"}
CONFLICT_ACTIONS = {"keep_yours", "edit_hunk"}
"""Only on an evolution's conflict hunk: the branch's lines and the generator's."""
HUNK_ACTIONS = {
    "approve_hunk",
    "reject_hunk",
    "reset_hunk",
    "next_hunk",
    "previous_hunk",
    *CONFLICT_ACTIONS,
}
PHASE_ACTIONS = {"approve_all", "commit", "revise", "rework_hunks", "fix", "run_checks"}
REVIEW_ACTIONS = FILE_ACTIONS | HUNK_ACTIONS | PHASE_ACTIONS | {"toggle_result"}
WHILE_BUSY = {
    "escape",
    "toggle_split",
    "toggle_whole_file",
    "toggle_rendered",
    "toggle_output",
    "toggle_files",
    "summary",
}
"""What still works while the provider or a commit runs."""
WHOLE = {"create": "new", "delete": "to be deleted"}
NO_FEEDBACK = {
    "offline": "the offline generator cannot act on feedback — edit the file yourself (e); "
    "a build started with ANTHROPIC_API_KEY set uses Claude, which can",
    "replay": "a replayed build plays back what was recorded and cannot act on feedback",
}


@dataclass(frozen=True)
class Situation:
    number: int
    """The phase's number; `last` is the last phase's."""
    last: int
    status: str
    """The phase record's status: pending, generating, proposed, committing, committed."""
    proposed: bool
    busy: str | None = None
    """What runs right now ("generating with offline…"), None when idle."""
    path: str | None = None
    """The selected file (None: the rationale)."""
    action: str | None = None
    """create, modify or delete, for the selected file."""
    hunks: bool = False
    """The selected file is shown hunk by hunk, ready for decisions."""
    conflict: bool = False
    """The hunk under the cursor is an evolution's conflict (yours | the generator's)."""
    result_view: bool = False
    rendered: bool = False
    split: bool = False
    whole_file: bool = False
    rework_ready: bool = False
    has_failures: bool = False
    committed_any: bool = False
    test_output: bool = False
    cannot_use_feedback: str | None = None
    """Why the provider cannot act on feedback (offline, replay), None when it can."""


def situation_of(screen) -> Situation:
    """The snapshot of a Phase screen the rules read."""
    session, record, pane = screen.session, screen.record, screen.pane
    path = screen.selected_path()
    change = record.proposal.change(path) if path and record.proposal else None
    return Situation(
        number=screen.phase.number,
        last=len(PHASES),
        status=record.status,
        proposed=record.proposal is not None,
        busy=screen.busy_text if screen.busy else None,
        path=path if change is not None else None,
        action=change.action if change is not None else None,
        hunks=screen.hunks_shown(),
        conflict=screen.conflict_shown(),
        result_view=pane.result_view,
        rendered=pane.rendered,
        split=pane.diff.split,
        whole_file=pane.diff.whole_file,
        rework_ready=screen.rework_ready(),
        has_failures=screen.has_failures,
        committed_any=any(r.status == "committed" for r in session.state.phases.values()),
        test_output=pane.checks.has_output,
        cannot_use_feedback=NO_FEEDBACK.get(session.state.provider),
    )


def _name(path: str) -> str:
    return PurePosixPath(path).name


def why_not(action: str, s: Situation) -> str | None:
    """Why `action` cannot run in situation `s`; None when it can."""
    if s.busy and action not in WHILE_BUSY:
        return f"wait: {s.busy.rstrip('…')} (esc cancels)"
    if action in REVIEW_ACTIONS:
        if s.status == "committed":
            return f"phase {s.number} is committed — U undoes the commit (your decisions stay)"
        if not s.proposed:
            return "nothing is proposed yet — g asks the provider for this phase"
    rule = RULES.get(action)
    return rule(s) if rule is not None else None


def _file(s: Situation) -> str | None:
    if s.path is None:
        return "select a file first (↑ ↓ in the file list)"
    return None


def _edit(s: Situation) -> str | None:
    if s.path is not None and s.action == "delete":
        return f"{_name(s.path)} is proposed for deletion: there is nothing to edit"
    return _file(s)


def _hunk(s: Situation) -> str | None:
    if s.path is None:
        return _file(s)
    if s.action in WHOLE:
        return f"{_name(s.path)} is {WHOLE[s.action]}: it is decided whole — a approves, x rejects"
    if s.result_view:
        return "this is what will be committed — t shows the hunks to decide again"
    if not s.hunks:
        return f"{_name(s.path)} has no hunks to decide here"
    return None


def _conflict(s: Situation) -> str | None:
    if not s.conflict:
        return _hunk(s) or (
            "the hunk at ▶ is not a conflict — y and I act on the hunks where you and the "
            "generator changed the same lines (] [ move); h approves, H rejects this one"
        )
    return _hunk(s)


def _feedback(what: str):
    def rule(s: Situation) -> str | None:
        if s.cannot_use_feedback:
            return f"{what}: {s.cannot_use_feedback}"
        return None

    return rule


def _rework(s: Situation) -> str | None:
    if not s.rework_ready:
        return "no hunk is rejected — H rejects the hunk at ▶, with a comment saying what to change"
    return _feedback("cannot rework")(s)


def _fix(s: Situation) -> str | None:
    if not s.has_failures:
        return "the checks found nothing to fix"
    return _feedback("cannot ask for a fix")(s)


def _generate(s: Situation) -> str | None:
    if s.status == "committed":
        return f"phase {s.number} is committed — n goes on to the next phase"
    if s.proposed:
        return f"phase {s.number} is proposed already — r revises it with your feedback"
    return None


def _split(s: Situation) -> str | None:
    if s.split:
        return None  # turning it off always works
    if s.path is None:
        return "select a file to see its diff side by side"
    if s.action in WHOLE:
        return f"{_name(s.path)} is {WHOLE[s.action]}: there is one side only"
    return None


def _whole(s: Situation) -> str | None:
    if s.whole_file:
        return None
    if s.path is None:
        return "select a file to see it whole"
    if s.action in WHOLE:
        return f"{_name(s.path)} is {WHOLE[s.action]}: it is shown whole already"
    return None


def _rendered(s: Situation) -> str | None:
    if s.path is None or not s.path.endswith(".md"):
        return "m shows Markdown files rendered; select a .md file"
    if s.action == "delete":
        return f"{_name(s.path)} is to be deleted: there is nothing to render"
    return None


RULES = {
    **dict.fromkeys(("approve", "reject", "reset"), _file),
    **dict.fromkeys(("edit", "edit_external"), _edit),
    **dict.fromkeys(HUNK_ACTIONS - CONFLICT_ACTIONS, _hunk),
    **dict.fromkeys(CONFLICT_ACTIONS, _conflict),
    "toggle_result": _file,
    "revise": _feedback("cannot revise"),
    "rework_hunks": _rework,
    "fix": _fix,
    "generate": _generate,
    "undo": lambda s: None if s.committed_any else "nothing is committed yet",
    "next_phase": lambda s: (
        f"phase {s.last} is the last — s shows the summary" if s.number >= s.last else None
    ),
    "previous_phase": lambda s: "this is the first phase" if s.number <= 1 else None,
    "toggle_split": _split,
    "toggle_whole_file": _whole,
    "toggle_rendered": lambda s: None if s.rendered else _rendered(s),
    "toggle_output": lambda s: (
        None if s.test_output else "no test output yet — the tests check writes it (k runs it)"
    ),
}
