"""Our branch and worktree: the user's repository is never touched."""

from __future__ import annotations

import subprocess

import pytest

from backend_agent.core.errors import BadInput, Conflict
from backend_agent.engine import BuildSession

from .conftest import git
from .helpers import generate, start, user_view


def build_two_phases(session: BuildSession) -> None:
    for phase in ("architecture", "data-model"):
        generate(session, phase)
        session.approve_all()
        session.commit()


def test_user_repo_is_byte_for_byte_unchanged_after_build_and_undo(repo):
    (repo / "app.py").write_text("print('v1')\n")
    git(repo, "add", "app.py")
    git(repo, "commit", "-qm", "app")
    (repo / "stashed.txt").write_text("stash me\n")
    git(repo, "add", "stashed.txt")
    git(repo, "stash", "push", "-q", "-m", "wip")
    git(repo, "checkout", "-q", "-b", "feature")
    (repo / "staged.txt").write_text("staged\n")
    git(repo, "add", "staged.txt")
    (repo / "app.py").write_text("print('unstaged edit')\n")
    (repo / "untracked.txt").write_text("untracked\n")
    before = user_view(repo)

    with start(repo) as session:
        build_two_phases(session)
        session.undo()
    assert user_view(repo) == before
    assert git(repo, "rev-parse", "--abbrev-ref", "HEAD").strip() == "feature"
    # Our branch grew from the user's HEAD, not from main.
    base = git(repo, "rev-parse", "feature").strip()
    assert git(repo, "merge-base", "--is-ancestor", base, "backend-agent/bookmarks") == ""


def test_worktree_lives_outside_the_working_tree(repo):
    with start(repo) as session:
        worktree = session.worktree.path
        assert repo / ".git" in worktree.parents
        assert git(repo, "status", "--porcelain", "--untracked-files=all") == ""
        listed = git(repo, "worktree", "list", "--porcelain")
        assert str(worktree) in listed and "branch refs/heads/backend-agent/bookmarks" in listed


def test_phase_commits_carry_message_trailers_and_the_users_identity(repo):
    with start(repo) as session:
        build_two_phases(session)
        log = git(repo, "log", "--format=%an <%ae>|%s", "backend-agent/bookmarks")
    lines = log.splitlines()
    assert lines[0] == "Test Person <test@example.com>|data-model: Data model for bookmarks"
    assert lines[1] == "Test Person <test@example.com>|architecture: Architecture for bookmarks"
    trailers = git(repo, "log", "-1", "--format=%(trailers)", "backend-agent/bookmarks")
    assert "Backend-Agent-Phase: data-model" in trailers
    assert "Backend-Agent-Build: bookmarks" in trailers
    assert "Backend-Agent-Model: offline" in trailers
    assert "Backend-Agent-Approved: 4" in trailers


def test_empty_repository_gets_a_root_commit_on_our_branch_only(make_repo):
    repo = make_repo(commit=False)
    with start(repo) as session:
        build_two_phases(session)
    assert git(repo, "rev-list", "--count", "backend-agent/bookmarks").strip() == "3"
    with pytest.raises(subprocess.CalledProcessError):
        git(repo, "rev-parse", "--verify", "HEAD")  # the user's branch is still unborn


def test_undo_moves_only_our_branch_and_keeps_decisions(repo):
    with start(repo) as session:
        build_two_phases(session)
        tip_before = git(repo, "rev-parse", "backend-agent/bookmarks").strip()
        undone = session.undo()
        assert undone.id == "data-model"
        assert session.state.current == "data-model"
        record = session.record("data-model")
        assert record.status == "proposed" and len(record.approved()) == 4
        tip = git(repo, "rev-parse", "backend-agent/bookmarks").strip()
        assert tip == session.record("architecture").commit != tip_before
        assert not (session.worktree.path / "migrations").exists()
        session.commit()  # the kept approvals commit again
        assert session.record("data-model").status == "committed"


def test_undo_refuses_when_our_branch_moved(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        worktree = session.worktree.path
        (worktree / "manual.txt").write_text("by hand\n")
        git(worktree, "add", "manual.txt")
        git(worktree, "commit", "-qm", "manual change")
        with pytest.raises(Conflict, match="has moved"):
            session.undo()


def test_our_branch_name_taken_by_something_else_is_never_overwritten(repo):
    git(repo, "branch", "backend-agent/bookmarks")
    tip = git(repo, "rev-parse", "backend-agent/bookmarks")
    with pytest.raises(Conflict) as caught:
        start(repo)
    assert "--build" in caught.value.hint
    assert git(repo, "rev-parse", "backend-agent/bookmarks") == tip
    with start(repo, build="bookmarks-2") as session:
        assert session.state.branch == "backend-agent/bookmarks-2"


def test_missing_git_identity_is_a_clear_error(repo, hermetic, monkeypatch):
    (hermetic / ".gitconfig").write_text("")
    with pytest.raises(BadInput) as caught:
        start(repo)
    assert "user.name is not set" in caught.value.message
    assert "git config --global user.name" in caught.value.hint
    assert not (repo / ".git" / "backend-agent" / "builds" / "bookmarks.json").exists()


def test_users_hooks_do_not_run_for_our_commits(repo):
    marker = repo.parent / "hook-ran"
    hooks = repo / ".git" / "hooks"
    for hook in ("pre-commit", "commit-msg", "post-commit", "post-checkout"):
        (hooks / hook).write_text(f"#!/bin/sh\necho {hook} >> {marker}\nexit 1\n")
        (hooks / hook).chmod(0o755)
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
    assert not marker.exists()


@pytest.mark.parametrize("marker", ["MERGE_HEAD", "rebase-merge", "CHERRY_PICK_HEAD"])
def test_repository_mid_merge_or_rebase_is_refused_with_nothing_written(repo, marker):
    head = git(repo, "rev-parse", "HEAD").strip()
    target = repo / ".git" / marker
    if marker == "rebase-merge":
        target.mkdir()
    else:
        target.write_text(head + "\n")
    with pytest.raises(Conflict, match="in the middle of"):
        start(repo)
    assert not (repo / ".git" / "backend-agent").exists()
    assert "backend-agent/bookmarks" not in git(repo, "branch", "--list")


def test_not_a_repository_and_bare_repository(tmp_path):
    with pytest.raises(BadInput) as caught:
        start(tmp_path)
    assert "not a git repository" in caught.value.message and "git init" in caught.value.hint
    bare = tmp_path / "bare.git"
    git(tmp_path, "init", "--bare", "-q", str(bare))
    with pytest.raises(BadInput, match="bare repository"):
        start(bare)


def test_removed_worktree_is_recreated_on_resume(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        path = session.worktree.path
    git(repo, "worktree", "remove", "--force", str(path))
    with BuildSession.open(repo) as session:
        assert (path / "docs" / "requirements.md").exists()
        generate(session, "data-model")
        session.approve_all()
        session.commit()
