"""Why a key of the Phase screen cannot act, as a pure function: each rule read alone."""

from __future__ import annotations

from dataclasses import replace

import pytest

from backend_agent.ui.screens.phase_hints import NO_FEEDBACK, Situation, why_not

PROPOSED = Situation(number=2, last=6, status="proposed", proposed=True, path="a.sql")


@pytest.mark.parametrize(
    "action,situation,said",
    [
        ("approve", PROPOSED, None),
        ("approve", replace(PROPOSED, path=None), "select a file first (↑ ↓ in the file list)"),
        (
            "reject",
            replace(PROPOSED, status="committed"),
            "phase 2 is committed — U undoes the commit (your decisions stay)",
        ),
        (
            "approve_all",
            replace(PROPOSED, proposed=False, status="pending"),
            "nothing is proposed yet — g asks the provider for this phase",
        ),
        (
            "approve_hunk",
            replace(PROPOSED, path="docs/x.md", action="create"),
            "x.md is new: it is decided whole — a approves, x rejects",
        ),
        ("approve_hunk", replace(PROPOSED, action="modify", hunks=True), None),
        ("keep_yours", replace(PROPOSED, action="modify", hunks=True, conflict=True), None),
        (
            "edit_hunk",
            replace(PROPOSED, action="modify", hunks=True),
            "the hunk at ▶ is not a conflict — y and I act on the hunks where you and the "
            "generator changed the same lines (] [ move); h approves, H rejects this one",
        ),
        (
            "keep_yours",
            replace(PROPOSED, path="docs/x.md", action="create", conflict=True),
            "x.md is new: it is decided whole — a approves, x rejects",
        ),
        (
            "edit",
            replace(PROPOSED, action="delete"),
            "a.sql is proposed for deletion: there is nothing to edit",
        ),
        (
            "toggle_split",
            replace(PROPOSED, action="create"),
            "a.sql is new: there is one side only",
        ),
        ("toggle_split", replace(PROPOSED, action="create", split=True), None),
        ("toggle_whole_file", replace(PROPOSED, action="modify"), None),
        (
            "revise",
            replace(PROPOSED, cannot_use_feedback=NO_FEEDBACK["offline"]),
            "cannot revise: " + NO_FEEDBACK["offline"],
        ),
        ("fix", PROPOSED, "the checks found nothing to fix"),
        ("next_phase", replace(PROPOSED, number=6), "phase 6 is the last — s shows the summary"),
        ("previous_phase", replace(PROPOSED, number=1), "this is the first phase"),
        ("undo", PROPOSED, "nothing is committed yet"),
        ("approve", replace(PROPOSED, busy="committing…"), "wait: committing (esc cancels)"),
        ("toggle_split", replace(PROPOSED, busy="committing…", action="modify"), None),
        ("summary", replace(PROPOSED, busy="generating…"), None),
    ],
)
def test_why_a_key_cannot_act(action, situation, said):
    assert why_not(action, situation) == said
