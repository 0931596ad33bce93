"""Per-hunk review through the engine: what is committed is the base plus exactly the
approved hunks, and decisions survive a revision that keeps those hunks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend_agent.core.errors import BadInput
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.providers.base import ProposalRequest, Provider

from .conftest import git
from .helpers import generate, start

BASE = "".join(f"line {n}\n" for n in range(1, 41))
NEW = (
    BASE.replace("line 2\n", "line two\n")
    .replace("line 20\n", "line twenty\n")
    .replace("line 38\n", "line 38\nline 38.5\n")
)


class Modifies(Provider):
    name = "modifies"

    def __init__(self, content: str) -> None:
        self.content = content

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(path="notes.txt", action="modify", content=self.content, kind="doc"),
            FileChange(path="new.txt", action="create", content="new\n", kind="doc"),
        ]
        yield ProposalReady(Proposal(summary="edit notes", changes=changes))


@pytest.fixture
def session(repo):
    (repo / "notes.txt").write_text(BASE)
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    provider = Modifies(NEW)
    with start(repo, provider=provider) as session:
        generate(session, "architecture")
        session.test_provider = provider
        yield session


def states(session):
    return [r.decision for _, r in session.hunks("notes.txt")]


def test_hunks_split_and_commit_only_approved_ones(session):
    hunks = session.hunks("notes.txt")
    assert [h.header for h, _ in hunks] == [
        "@@ -1,5 +1,5 @@",
        "@@ -17,7 +17,7 @@",
        "@@ -36,5 +36,6 @@",
    ]
    session.approve_hunk("notes.txt", 0)
    assert session.review("notes.txt").state(session.change("notes.txt")) == "pending"
    session.reject_hunk("notes.txt", 1, "keep 20 as a number")
    session.approve_hunk("notes.txt", 2)
    expected = BASE.replace("line 2\n", "line two\n").replace("line 38\n", "line 38\nline 38.5\n")
    assert session.content("notes.txt") == expected
    assert session.review("notes.txt").state(session.change("notes.txt")) == "approved"
    assert session.hunks("notes.txt")[1][1].comment == "keep 20 as a number"
    session.approve("new.txt")
    sha = session.commit()
    assert git(session.worktree.path, "show", f"{sha}:notes.txt") == expected
    assert "Backend-Agent-Approved: 2" in git(session.worktree.path, "log", "-1")


def test_all_rejected_hunks_reject_the_file(session):
    for index in range(3):
        session.reject_hunk("notes.txt", index)
    assert session.review("notes.txt").state(session.change("notes.txt")) == "rejected"
    assert session.content("notes.txt") == BASE


def test_approve_file_approves_pending_hunks_but_keeps_rejections(session):
    session.reject_hunk("notes.txt", 1)
    session.approve_all()
    assert states(session) == ["approved", "rejected", "approved"]
    assert "line 20\n" in session.content("notes.txt")


def test_editing_starts_from_approved_hunks_and_resplits(session):
    session.approve_hunk("notes.txt", 0)
    session.reject_hunk("notes.txt", 1)
    session.reject_hunk("notes.txt", 2)
    start_text = session.content("notes.txt")
    assert start_text == BASE.replace("line 2\n", "line two\n")
    session.edit("notes.txt", start_text.replace("line 5\n", "line five\n"))
    assert states(session) == ["pending"]  # one hunk now: lines 2-5, from the edit
    assert session.review("notes.txt").state(session.change("notes.txt")) == "edited"


def test_new_and_deleted_files_are_decided_whole(session):
    assert session.hunks("new.txt") == []
    with pytest.raises(BadInput, match="decide it as one file"):
        session.approve_hunk("new.txt", 0)
    with pytest.raises(BadInput, match="has 3 hunks; there is no hunk 7"):
        session.approve_hunk("notes.txt", 7)


def test_a_revision_keeps_decisions_of_hunks_that_did_not_change(session):
    session.approve_hunk("notes.txt", 0)
    session.reject_hunk("notes.txt", 1, "no")
    session.approve_hunk("notes.txt", 2)
    session.test_provider.content = NEW.replace("line twenty\n", "line 20 (twenty)\n")
    list(session.revise("rework the rejected hunk"))
    hunks = session.hunks("notes.txt")
    assert [r.decision for _, r in hunks] == ["approved", "pending", "approved"]
    assert session.review("notes.txt").state(session.change("notes.txt")) == "pending"
    session.approve_hunk("notes.txt", 1)
    assert "line 20 (twenty)\n" in session.content("notes.txt")


def test_decisions_survive_a_restart(session, repo):
    from backend_agent.engine import BuildSession

    session.approve_hunk("notes.txt", 2)
    session.close()
    with BuildSession.open(repo, provider=session.test_provider) as again:
        assert [r.decision for _, r in again.hunks("notes.txt")] == [
            "pending",
            "pending",
            "approved",
        ]


def test_review_file_applies_file_and_hunk_decisions(session, repo, tmp_path, capsys):
    import json

    from backend_agent.cli import main

    session.close()
    decisions = tmp_path / "review.json"
    decisions.write_text(
        json.dumps(
            {
                "phase": "architecture",
                "files": [
                    {"path": "new.txt", "decision": "approve"},
                    {
                        "path": "notes.txt",
                        "hunks": [
                            {"index": 0, "decision": "approve"},
                            {"index": 1, "decision": "reject", "comment": "keep it"},
                            {"index": 2, "decision": "approve"},
                        ],
                    },
                ],
            }
        )
    )
    code = main(["review", "apply", str(decisions), "--repo", str(repo), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "reject notes.txt hunk 1" in err
    report = json.loads(out)
    files = {f["path"]: f for f in report["phases"][0]["files"]}
    assert files["new.txt"]["review"] == "approved"
    assert files["notes.txt"]["review"] == "approved"
    assert [(h["index"], h["state"], h["comment"]) for h in files["notes.txt"]["hunks"]] == [
        (0, "approved", None),
        (1, "rejected", "keep it"),
        (2, "approved", None),
    ]
    assert files["notes.txt"]["hunks"][0]["header"] == "@@ -1,5 +1,5 @@"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"path": "nope.txt", "decision": "approve"}], "files[0] (nope.txt): not part of"),
        (
            [
                {"path": "new.txt", "decision": "approve"},
                {"path": "notes.txt", "hunks": [{"index": 9, "decision": "approve"}]},
            ],
            "files[1] (notes.txt): there is no hunk 9 (it has 3)",
        ),
        ([{"path": "new.txt", "decision": "maybe"}], "files.0.decision"),
    ],
)
def test_a_bad_review_file_changes_nothing(session, repo, tmp_path, capsys, entries, message):
    import json

    from backend_agent.cli import main

    session.close()
    decisions = tmp_path / "review.json"
    decisions.write_text(json.dumps({"files": entries}))
    assert main(["review", "apply", str(decisions), "--repo", str(repo)]) == 2
    assert message in capsys.readouterr().err
    from backend_agent.engine import BuildSession

    with BuildSession.open(repo, provider=session.test_provider) as again:
        assert again.review("new.txt").decision == "pending"


def test_a_review_file_naming_some_hunks_leaves_the_others_undecided(session):
    from backend_agent.engine.review_file import ReviewFile, apply_review

    session.reject_hunk("notes.txt", 1, "keep it")
    review = ReviewFile.model_validate(
        {"files": [{"path": "notes.txt", "hunks": [{"index": 0, "decision": "approve"}]}]}
    )
    assert apply_review(session, review) == ["approve notes.txt hunk 0"]
    assert states(session) == ["approved", "rejected", "pending"]
    assert session.review("notes.txt").decision == "pending"
