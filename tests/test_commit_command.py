"""`backend-agent commit`: the wizard's commit, headless, after a scripted review. The
message and trailers tell partial files the truth, and a check of a file with a rejected
hunk sees the content that would be committed (a name the rejected hunk defined is
undefined there: a failure, not a style warning)."""

from __future__ import annotations

import json

import pytest

from backend_agent.core.checks import CheckOptions
from backend_agent.engine import BuildSession

from .conftest import git
from .helpers import generate, run_cli, start


@pytest.fixture
def hardening(repo):
    """A build with phases 1-4 committed and phase 5 proposed (app/main.py: two hunks, an
    import and its use)."""
    with start(repo) as session:
        for phase in ("architecture", "data-model", "service-layer", "infrastructure"):
            generate(session, phase)
            session.approve_all()
            session.commit()
        generate(session, "hardening")
        assert len(session.hunks("app/main.py")) == 2
        paths = [c.path for c in session.proposal.changes]
    return repo, paths


def commit(repo, *args):
    return run_cli("commit", "--repo", str(repo), *args)


def review(repo, tmp_path, files):
    path = tmp_path / "review.json"
    path.write_text(json.dumps({"phase": "hardening", "files": files}))
    result = run_cli("review", "apply", str(path), "--repo", str(repo))
    assert result.returncode == 0, result.stderr


def test_commit_refuses_undecided_files_and_commits_once_all_are_decided(hardening, tmp_path):
    repo, paths = hardening
    with BuildSession.open(repo) as session:
        head = session.worktree.head()
    review(repo, tmp_path, [{"path": paths[0], "decision": "approve"}])
    refused = commit(repo)
    assert refused.returncode == 2
    undecided = f"{len(paths) - 1} files of phase 5 (hardening) are not decided yet: "
    assert undecided in refused.stderr
    assert "review apply" in refused.stderr and "nothing was committed" in refused.stderr
    files = [{"path": p, "decision": "approve"} for p in paths if p != "app/main.py"]
    files.append(
        {
            "path": "app/main.py",
            "hunks": [
                {"index": 0, "decision": "reject", "comment": "not this import"},
                {"index": 1, "decision": "approve"},
            ],
        }
    )
    review(repo, tmp_path, files)
    with BuildSession.open(repo) as session:
        assert session.worktree.head() == head  # the refusal left the branch alone
        list(session.check(options=CheckOptions(tests=False)))
        found = session.check_results("app/main.py")
        [broken] = [r for r in found if r.check == "python.ruff" and r.status == "fail"]
        assert broken.message.startswith("F821 Undefined name `install_hardening`")
    done = commit(repo, "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    sha = report["committed"]["commit"]
    assert report["committed"]["phase"] == "hardening"
    assert [p["status"] for p in report["phases"]][4] == "committed"
    message = git(repo, "log", "-1", "--format=%B", sha)
    assert "- modify app/main.py (1 of 2 hunks)" in message
    assert "- modify app/settings.py:" in message or "- modify app/settings.py\n" in message
    assert "Backend-Agent-Hunks-Rejected: 1\n" in message
    assert "Backend-Agent-Rejected: 0\n" in message
    assert "install_hardening(" in git(repo, "show", f"{sha}:app/main.py")
    again = commit(repo)
    assert again.returncode == 2
    assert "there is no proposal" in again.stderr or "has no proposal yet" in again.stderr


def test_commit_with_a_message_and_nothing_approved(hardening, tmp_path):
    repo, paths = hardening
    review(repo, tmp_path, [{"path": p, "decision": "reject"} for p in paths])
    nothing = commit(repo)
    assert nothing.returncode == 2 and "nothing is approved in phase 5" in nothing.stderr
    review(repo, tmp_path, [{"path": paths[0], "decision": "approve"}])
    done = commit(repo, "--message", "hardening: only the first file\n\nby hand")
    assert done.returncode == 0, done.stderr
    message = git(repo, "log", "-1", "--format=%B", "backend-agent/bookmarks")
    assert message.startswith("hardening: only the first file\n\nby hand\n\n")
    assert f"Backend-Agent-Rejected: {len(paths) - 1}\n" in message


def test_commit_on_a_committed_phase_says_so(repo):
    with start(repo) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        session.goto("architecture")
    result = commit(repo, "--json")
    assert result.returncode == 2
    assert "phase 1 (architecture) is already committed" in result.stderr
    assert json.loads(result.stdout)["error"]["exit_code"] == 2
