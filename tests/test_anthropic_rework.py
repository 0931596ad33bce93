"""Rework of rejected hunks against the fake Anthropic API: only the rejected hunks and
their comments are sent, only their regions change, approved hunks stay approved."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from backend_agent.cli import main
from backend_agent.core.errors import BadInput
from backend_agent.core.events import Event, ProposalReady, UsageReport
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine.rework import last_notes
from backend_agent.providers import create_provider
from backend_agent.providers.base import ProposalRequest, Provider

from .conftest import EXAMPLES, git
from .fakes.anthropic_server import answer_reply
from .fakes.builds import build_handler, create, finish
from .fakes.claude import _writes
from .helpers import generate, start

BASE = "".join(f"line {n}\n" for n in range(1, 41))
NEW = (
    BASE.replace("line 2\n", "line two\n")
    .replace("line 20\n", "line twenty\n")
    .replace("line 38\n", "line 38\nline 38.5\n")
)
"""Three hunks: @@ -1,5 @@ (line two), @@ -17,7 @@ (line twenty), @@ -36,5 @@ (38.5)."""


def proposal(notes: str, *, extra: list[tuple] = ()):
    """The phase's first answer: notes.txt rewritten, a new file, and finish."""
    files = [
        {"path": "notes.txt", "kind": "doc", "why": "w"},
        {"path": "docs/new.md", "kind": "doc"},
    ]
    blocks = [create("notes.txt", notes), create("docs/new.md", "NEW-FILE-MARKER\n"), *extra]
    return answer_reply([*blocks, finish("## Notes\n\nRename the lines.", files)])


def rework(
    current: str,
    wanted: str,
    summary: str = "Kept 20 as a number, as asked.",
    *,
    path="notes.txt",
    extra=(),
):
    """A rework answer: the edits that turn `current` (what the model was shown) into
    `wanted`, then finish."""
    edits = [op.block() for op in _writes("toolu_rework", path, current, wanted, "doc", "")]
    return answer_reply([*edits, *extra, finish(summary)])


@pytest.fixture
def session(repo, fake_anthropic):
    (repo / "notes.txt").write_text(BASE)
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    fake_anthropic.script(proposal(NEW))
    provider = create_provider("anthropic", None, max_retries=0, timeout_s=10)
    with start(repo, provider=provider) as session:
        generate(session, "architecture")
        yield session


def decisions(session) -> list[str]:
    return [r.decision for _, r in session.hunks("notes.txt")]


def test_a_rework_changes_only_the_rejected_hunk_and_keeps_the_decisions(session, fake_anthropic):
    session.approve_hunk("notes.txt", 0)
    session.reject_hunk("notes.txt", 1, "keep 20 as a number")
    session.approve("docs/new.md")  # hunk 2 stays undecided
    assert session.rejected_hunks() == {"notes.txt": 1}
    current = BASE.replace("line 2\n", "line two\n").replace("line 38\n", "line 38\nline 38.5\n")
    fake_anthropic.script(rework(current, current.replace("line 20\n", "line 20 (twenty)\n")))

    events = list(session.rework_hunks())

    assert isinstance(events[-1], ProposalReady) and any(isinstance(e, UsageReport) for e in events)
    hunks = session.hunks("notes.txt")
    assert [h.header for h, _ in hunks] == [
        "@@ -1,5 +1,5 @@",
        "@@ -17,7 +17,7 @@",
        "@@ -36,5 +36,6 @@",
    ]
    assert decisions(session) == ["approved", "pending", "pending"]
    record = session.record()
    notes = record.proposal.change("notes.txt")
    assert notes.content == NEW.replace("line twenty\n", "line 20 (twenty)\n")
    assert record.review("notes.txt").state(notes) == "pending"
    new = record.proposal.change("docs/new.md")
    assert record.review("docs/new.md").state(new) == "approved"
    assert record.rounds == 2 and session.rejected_hunks() == {}
    assert record.proposal.summary.startswith("## Notes\n\nRename the lines.")
    assert (
        "## Rework of rejected hunks\n\nKept 20 as a number, as asked." in record.proposal.summary
    )
    assert session.state.usage.output_tokens == sum(
        u["output_tokens"] for u in fake_anthropic.usages
    )

    # what was sent: the same conversation, then only the rejected hunk and its comment
    first, second = (r.body for r in fake_anthropic.requests)
    assert second["system"] == first["system"] and second["messages"][0] == first["messages"][0]
    assistant, ask = second["messages"][1], second["messages"][2]
    assert assistant["role"] == "assistant" and assistant["content"][-1]["name"] == "finish_phase"
    text = ask["content"][-1]["text"]
    assert "Rejected hunk 1 of 1. My comment: keep 20 as a number" in text
    assert (
        "@@ -17,7 +17,7 @@\n line 17\n line 18\n line 19\n-line 20\n+line twenty\n line 21" in text
    )
    assert text.count("@@ ") == 1  # no other hunk
    assert "+line two" not in text and "+line 38.5" not in text
    assert f'<file path="notes.txt">\n{current}\n</file>' in text  # without the rejected hunk
    assert "line twenty" not in text.split("Its current content")[1]
    assert "NEW-FILE-MARKER" not in text
    assert second["output_config"] == {"effort": "high"}  # a revision's effort

    session.approve_hunk("notes.txt", 1)
    session.approve_hunk("notes.txt", 2)
    sha = session.commit()
    assert git(session.worktree.path, "show", f"{sha}:notes.txt") == notes.content


def test_what_the_model_changed_outside_the_rejected_hunks_is_left_out(session, fake_anthropic):
    session.approve_hunk("notes.txt", 0)
    session.reject_hunk("notes.txt", 1, "keep 20 as a number")
    session.approve_hunk("notes.txt", 2)
    current = session.content("notes.txt")
    answer = (
        current.replace("line two\n", "line TWO\n")  # an approved hunk
        .replace("line 20\n", "line 20 (twenty)\n")  # the rejected one
        .replace("line 30\n", "line thirty\n")  # no hunk at all
    )
    fake_anthropic.script(rework(current, answer))
    list(session.rework_hunks())

    notes = session.change("notes.txt")
    assert notes.content == NEW.replace("line twenty\n", "line 20 (twenty)\n")
    assert decisions(session) == ["approved", "pending", "approved"]
    summary = session.proposal.summary
    assert last_notes(session.proposal) == [
        "notes.txt: left out what the model changed outside the rejected hunks (line 2, "
        "line 30); those lines are kept as they were"
    ]
    assert summary.count("> ") == 1


def test_files_the_model_left_out_or_added_keep_their_state(repo, fake_anthropic):
    (repo / "notes.txt").write_text(BASE)
    (repo / "other.txt").write_text(BASE)
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "two files")
    fake_anthropic.script(proposal(NEW, extra=[create("other.txt", NEW)]))
    provider = create_provider("anthropic", None, max_retries=0, timeout_s=10)
    with start(repo, provider=provider) as session:
        generate(session, "architecture")
        session.reject_hunk("notes.txt", 0, "no")
        session.reject_hunk("other.txt", 2, "not this either")
        current = session.content("notes.txt")
        fake_anthropic.script(
            rework(
                current,
                current.replace("line 2\n", "line 2 (two)\n"),
                extra=[create("docs/new.md", "X\n")],
            )
        )
        list(session.rework_hunks())

        text = fake_anthropic.requests[1].user_texts()[-1]
        assert "## notes.txt" in text and "## other.txt" in text
        assert "My comment: not this either" in text
        assert session.change("notes.txt").content.startswith("line 1\nline 2 (two)\n")
        assert session.change("other.txt").content == NEW  # left out: as it was
        assert [r.decision for _, r in session.hunks("other.txt")] == [
            "pending",
            "pending",
            "rejected",
        ]
        assert session.change("docs/new.md").content == "NEW-FILE-MARKER\n"
        summary = session.proposal.summary
        assert "other.txt: the model sent no new version" in summary
        assert "docs/new.md: not asked for in this rework; left out" in summary


def test_nothing_rejected_is_nothing_to_rework(session, fake_anthropic):
    session.reject("docs/new.md", "whole files are revised, not reworked")
    with pytest.raises(BadInput, match="no hunk is rejected"):
        list(session.rework_hunks())
    assert len(fake_anthropic.requests) == 1


class Modifies(Provider):
    """A provider without a model, like the offline generator."""

    name = "offline"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        change = FileChange(path="notes.txt", action="modify", content=NEW, kind="doc")
        yield ProposalReady(Proposal(summary="s", changes=[change]))


def test_a_provider_without_a_model_says_it_cannot_rework(repo):
    (repo / "notes.txt").write_text(BASE)
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    with start(repo, provider=Modifies()) as session:
        generate(session, "architecture")
        session.reject_hunk("notes.txt", 1, "no")
        with pytest.raises(BadInput, match="the offline provider cannot rework hunks"):
            list(session.rework_hunks())
        assert decisions(session) == ["pending", "rejected", "pending"]
    offline = create_provider("offline")
    assert "cannot act on your comments" in offline.cannot_rework()


def test_review_rework_on_the_command_line(repo, fake_anthropic, tmp_path, capsys):
    (repo / "notes.txt").write_text(BASE)
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    fake_anthropic.script(proposal(NEW))
    args = ["--repo", str(repo), "--checks", "none"]
    assert main(["build", "--brief", str(EXAMPLES / "bookmarks.toml"), "--phases", "6", *args]) == 0
    review = tmp_path / "review.json"
    review.write_text(
        json.dumps(
            {
                "files": [
                    {
                        "path": "notes.txt",
                        "hunks": [
                            {"index": 0, "decision": "approve"},
                            {"index": 1, "decision": "reject", "comment": "keep 20 as a number"},
                        ],
                    }
                ]
            }
        )
    )
    assert main(["review", "apply", str(review), "--repo", str(repo)]) == 0
    capsys.readouterr()
    fake_anthropic.handler = build_handler()  # answers a rework as a model would

    assert main(["review", "rework", "--repo", str(repo), "--json"]) == 0
    out, err = capsys.readouterr()
    assert "reworking 1 rejected hunk(s) of notes.txt with anthropic" in err
    assert "notes.txt: hunks 0 approved, 1 pending, 2 pending" in err
    assert "out; cost $" in err
    (phase,) = [p for p in json.loads(out)["phases"] if p["id"] == "documentation"]
    (notes,) = [f for f in phase["files"] if f["path"] == "notes.txt"]
    assert [h["state"] for h in notes["hunks"]] == ["approved", "pending", "pending"]
    assert phase["rounds"] == 2
    content = git(repo, "show", "HEAD:notes.txt")  # the user's branch is untouched
    assert content == BASE

    assert main(["review", "rework", "--repo", str(repo)]) == 2  # nothing rejected any more
    assert "no hunk is rejected" in capsys.readouterr().err


def test_a_persons_edit_is_the_base_of_the_rework(session, fake_anthropic):
    edited = NEW.replace("line 10\n", "line ten, by hand\n")
    session.edit("notes.txt", edited)
    assert len(session.hunks("notes.txt")) == 4
    session.approve_hunk("notes.txt", 1)  # the person's own line
    session.reject_hunk("notes.txt", 2, "keep 20 as a number")
    current = edited.replace("line twenty\n", "line 20\n")
    fake_anthropic.script(rework(current, current.replace("line 20\n", "line 20 (xx)\n")))
    list(session.rework_hunks())

    text = fake_anthropic.requests[1].user_texts()[-1]
    assert "line ten, by hand" in text and "-line 20\n+line twenty" in text
    notes = session.change("notes.txt")
    assert notes.content == edited.replace("line twenty\n", "line 20 (xx)\n")
    assert session.review("notes.txt").edited_content is None  # the edit is in the proposal
    assert decisions(session) == ["pending", "approved", "pending", "pending"]
