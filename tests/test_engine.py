"""BuildSession: reviews bound to content, commits of exactly what was approved,
persistence after every action, resume, and one process per build."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

from backend_agent.core.errors import BadInput, Conflict
from backend_agent.core.events import Progress, ProposalReady, TextDelta
from backend_agent.engine import BuildSession

from .conftest import git
from .helpers import generate, start

REQ = "docs/requirements.md"
ARCH = "docs/architecture.md"


@pytest.fixture
def session(repo):
    with start(repo) as session:
        generate(session, "architecture")
        yield session


def saved(session: BuildSession) -> dict:
    return json.loads(BuildSession.state_path(session.repo, session.state.build).read_text())


def test_generate_streams_text_progress_and_ends_with_the_proposal(repo):
    with start(repo) as session:
        events = generate(session, "architecture")
    assert any(isinstance(e, TextDelta) and "Architecture for bookmarks" in e.text for e in events)
    paths = [e.path for e in events if isinstance(e, Progress) and e.path]
    assert REQ in paths and "docs/adr/0001-record-architecture-decisions.md" in paths
    assert isinstance(events[-1], ProposalReady)
    assert [c.path for c in events[-1].proposal.changes] == paths


def test_approval_is_bound_to_the_content_it_approved(session):
    change = session.change(REQ)
    session.approve(REQ)
    assert session.review(REQ).state(change) == "approved"
    session.edit(REQ, change.content + "\nOne more line.\n")
    assert session.review(REQ).state(change) == "edited"
    session.approve(REQ)
    assert session.review(REQ).state(change) == "approved"
    assert session.content(REQ).endswith("One more line.\n")
    # Editing back to the proposal drops the edit; the approval was of other content.
    session.edit(REQ, change.content)
    assert session.review(REQ).state(change) == "pending"


def test_a_tampered_approval_hash_does_not_count(session):
    session.approve(REQ)
    session.record().reviews[REQ].approved_hash = "0" * 64
    assert REQ not in [c.path for c in session.record().approved()]


def test_reject_with_comment_and_reset(session):
    session.reject(ARCH, "too long")
    review = session.review(ARCH)
    assert review.state(session.change(ARCH)) == "rejected" and review.comment == "too long"
    session.reset(ARCH)
    assert session.review(ARCH).state(session.change(ARCH)) == "pending"
    assert session.review(ARCH).comment == ""


def test_bulk_operations(session):
    session.reject(ARCH, "no")
    approved = session.approve_all()
    assert ARCH not in approved and REQ in approved  # approve-all leaves rejections alone
    # ARCH is already rejected: reject-all reports only what it changed.
    assert len(session.reject_all("start over")) == len(session.proposal.changes) - 1
    session.reset_all()
    states = {session.review(c.path).state(c) for c in session.proposal.changes}
    assert states == {"pending"}


def test_commit_contains_exactly_the_approved_content(session):
    session.approve(REQ)
    session.edit(ARCH, "# edited by a person\n")
    session.approve(ARCH)
    session.reject("docs/adr/0002-use-monolith.md", "not yet")
    sha = session.commit()
    files = git(session.worktree.path, "show", "--name-only", "--format=", sha).split()
    assert sorted(files) == [ARCH, REQ]
    assert session.worktree.read(ARCH) == "# edited by a person\n"
    assert session.record("architecture").status == "committed"
    assert session.state.current == "data-model"
    assert "Backend-Agent-Rejected: 1" in git(session.worktree.path, "log", "-1")


def test_commit_with_an_edited_message_keeps_the_trailers(session):
    session.approve_all()
    session.commit("architecture: my own words\n\nWhy we did it.")
    message = git(session.worktree.path, "log", "-1", "--format=%B")
    assert message.startswith("architecture: my own words\n\nWhy we did it.\n\n")
    assert "Backend-Agent-Phase: architecture" in message


def test_commit_refuses_when_nothing_is_approved_or_the_message_is_empty(session):
    with pytest.raises(BadInput, match="nothing is approved"):
        session.commit()
    session.approve(REQ)
    with pytest.raises(BadInput, match="empty"):
        session.commit("   ")


def test_every_action_is_saved_before_it_returns(session):
    session.approve(REQ)
    assert saved(session)["phases"]["architecture"]["reviews"][REQ]["decision"] == "approved"
    session.edit(ARCH, "draft\n")
    assert saved(session)["phases"]["architecture"]["reviews"][ARCH]["edited_content"] == "draft\n"
    session.reject(ARCH, "why")
    assert saved(session)["phases"]["architecture"]["reviews"][ARCH]["comment"] == "why"


def test_resume_restores_phase_proposal_reviews_and_edits(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve(REQ)
        session.edit(ARCH, "my edit\n")
        session.reject("docs/adr/0003-use-postgresql.md", "prefer sqlite")
    with BuildSession.open(repo) as again:
        assert again.state.current == "architecture"
        assert again.review(REQ).state(again.change(REQ)) == "approved"
        assert again.content(ARCH) == "my edit\n"
        assert again.review("docs/adr/0003-use-postgresql.md").comment == "prefer sqlite"


def test_revision_keeps_decisions_on_unchanged_files(session):
    session.approve(REQ)
    session.reject(ARCH, "shorter please")
    events = list(session.revise("make it shorter"))
    assert any("cannot act on feedback" in e.text for e in events if isinstance(e, TextDelta))
    assert session.review(REQ).state(session.change(REQ)) == "approved"
    assert session.review(ARCH).comment == "shorter please"
    assert session.record().rounds == 2


def test_generate_is_refused_on_a_committed_phase(session):
    session.approve_all()
    session.commit()
    with pytest.raises(BadInput, match="already committed"):
        generate(session, "architecture")


def test_unknown_path_and_missing_proposal_are_clear_errors(repo):
    with start(repo) as session:
        with pytest.raises(BadInput, match="no proposal yet"):
            session.approve_all()
        generate(session, "architecture")
        with pytest.raises(BadInput, match="not part of the current proposal"):
            session.approve("nope.md")


def test_builds_are_listed(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
    (summary,) = BuildSession.list(repo)
    assert summary.build == "bookmarks" and summary.committed == ["architecture"]
    assert summary.phase == "data-model" and summary.provider == "offline"


def test_a_build_name_in_use_is_refused(repo):
    with start(repo):
        pass
    with pytest.raises(Conflict, match="already exists"):
        start(repo)


HOLD = textwrap.dedent(
    """
    import sys, time
    from backend_agent.engine import BuildSession
    session = BuildSession.open(sys.argv[1])
    print("holding", flush=True)
    time.sleep(60)
    """
)


def test_second_process_gets_exit_4_naming_the_holder_and_a_dead_holders_lock_is_taken(repo):
    with start(repo):
        pass
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(repo)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(Conflict) as caught:
            BuildSession.open(repo)
        assert caught.value.exit_code == 4
        assert f"process {holder.pid}" in caught.value.message
    finally:
        holder.kill()
        holder.wait()
    with BuildSession.open(repo) as session:  # the kernel dropped the dead process's lock
        assert session.state.build == "bookmarks"


def test_a_commit_that_landed_before_a_crash_is_recorded_on_resume(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        # Simulate a crash between git commit and the state write.
        record = session.record()
        record.parent, record.status = session.worktree.head(), "committing"
        session.save()
        sha = session.worktree.commit(
            {c.path: c.content.encode() for c in record.proposal.changes},
            session.commit_message() + "\n" + session.commit_trailers(),
            session.repo.author(),
        )
    with BuildSession.open(repo) as again:
        assert again.record("architecture").status == "committed"
        assert again.record("architecture").commit == sha
        assert again.state.current == "data-model"


def test_a_commit_that_did_not_land_is_retried_with_its_approvals(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        record = session.record()
        record.parent, record.status = session.worktree.head(), "committing"
        session.save()
        (session.worktree.path / REQ).parent.mkdir(parents=True)
        (session.worktree.path / REQ).write_text("half written")
        lock = session.worktree.git_dir() / "index.lock"
        lock.write_text("")  # a git killed mid-commit leaves this behind
    with BuildSession.open(repo) as again:
        record = again.record("architecture")
        assert record.status == "proposed" and len(record.approved()) == 6
        assert not (again.worktree.path / REQ).exists()
        again.commit()
        assert again.worktree.read(REQ) == again.change(REQ, "architecture").content
