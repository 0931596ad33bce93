"""The user's repository as it is: other worktrees, sparse checkout, an fsmonitor, a branch
named like our folder of branches, a path that is not UTF-8, locks a kill left behind.
Where the promise is "unchanged", the whole fingerprint is compared (`user_view`)."""

from __future__ import annotations

import os

from backend_agent.engine import BuildSession

from .conftest import git
from .helpers import generate, run_cli, start, user_view
from .safety_support import BRIEF, HEADLESS, build_args, cli, committed, resume_headless

BRANCH = "backend-agent/bookmarks"


def test_another_worktree_on_an_unmounted_drive_keeps_its_metadata(repo, tmp_path, capsys):
    # case 1: git worktree prune would drop .git/worktrees/wt while its drive is away
    usb = tmp_path / "usb"
    git(repo, "worktree", "add", "-q", str(usb / "wt"), "-b", "onusb")
    (usb / "wt" / "work.txt").write_text("uncommitted work\n")
    git(usb / "wt", "add", "work.txt")
    (tmp_path / "usb").rename(tmp_path / "usb-off")  # the drive is unplugged
    before = user_view(repo)
    assert before["worktrees"], "the fingerprint holds the other worktree's metadata"

    code, _, err = cli(
        capsys,
        *build_args(repo),
        "--phases",
        "1-2",
        *HEADLESS,
    )
    assert code == 0, err
    git(repo, "worktree", "remove", "--force", str(repo / ".git/backend-agent/worktrees/bookmarks"))
    code, _, err = cli(
        capsys, *resume_headless(repo, "3")
    )  # brings our worktree back: again no prune
    assert code == 0, err
    assert user_view(repo) == before

    (tmp_path / "usb-off").rename(tmp_path / "usb")  # plugged in again
    status = git(usb / "wt", "status", "--porcelain")
    assert status == "A  work.txt\n"
    assert git(usb / "wt", "rev-parse", "--abbrev-ref", "HEAD").strip() == "onusb"


def test_a_removed_worktree_folder_of_ours_is_re_registered_without_prune(repo):
    committed(repo, 1)
    import shutil

    shutil.rmtree(repo / ".git/backend-agent/worktrees/bookmarks")  # gone, still registered
    with BuildSession.open(repo) as session:
        assert (session.worktree.path / "docs" / "requirements.md").exists()
    listed = git(repo, "worktree", "list", "--porcelain")
    assert listed.count("backend-agent/worktrees/bookmarks") == 1


def test_a_moved_or_copied_repository_builds_on_in_its_own_worktree(repo, capsys):
    # the state records our worktree's absolute path: after `mv` it named a folder that is
    # gone (recreated outside the repository), after `cp -a` the original's worktree
    import shutil

    commits = committed(repo, 1)
    moved = repo.parent / "moved"
    repo.rename(moved)
    code, _, err = cli(capsys, *resume_headless(moved, "2"))
    assert code == 0, err
    assert not repo.exists()
    ours = moved / ".git/backend-agent/worktrees/bookmarks"
    assert f"worktree {ours}\n" in git(moved, "worktree", "list", "--porcelain")
    assert git(moved, "rev-parse", f"{BRANCH}~1").strip() == commits["architecture"]

    copy = repo.parent / "copy"
    shutil.copytree(moved, copy, symlinks=True)
    original = user_view(moved), git(moved, "rev-parse", BRANCH)
    code, _, err = cli(capsys, *resume_headless(copy, "3"))
    assert code == 0, err
    assert (user_view(moved), git(moved, "rev-parse", BRANCH)) == original
    assert git(copy, "log", "-1", "--format=%s", BRANCH).startswith("service-layer:")
    assert str(moved) not in git(copy, "worktree", "list", "--porcelain")


def test_sparse_checkout_of_the_user_builds_every_file(repo, capsys):
    # case 6: our worktree inherited the sparse config and every phase failed
    (repo / "lib").mkdir()
    (repo / "lib" / "code.py").write_text("x = 1\n")
    git(repo, "add", "lib")
    git(repo, "commit", "-qm", "lib")
    git(repo, "sparse-checkout", "set", "lib")
    before = user_view(repo)
    sparse = (repo / ".git" / "info" / "sparse-checkout").read_bytes()

    code, out, err = cli(
        capsys,
        *build_args(repo),
        "--phases",
        "1-2",
        *HEADLESS,
    )
    assert code == 0, err
    assert "sparse-checkout" not in err
    files = git(repo, "ls-tree", "-r", "--name-only", "backend-agent/bookmarks").split()
    assert "docs/requirements.md" in files and any(f.startswith("migrations/") for f in files)
    worktree = repo / ".git/backend-agent/worktrees/bookmarks"
    assert (worktree / "README.md").exists() and (worktree / "docs/data-model.md").exists()
    assert user_view(repo) == before
    assert (repo / ".git" / "info" / "sparse-checkout").read_bytes() == sparse


def test_a_worktree_made_sparse_earlier_gets_every_file_back(repo):
    committed(repo, 1)
    worktree = repo / ".git/backend-agent/worktrees/bookmarks"
    git(worktree, "update-index", "--skip-worktree", "README.md")
    (worktree / "README.md").unlink()
    with BuildSession.open(repo) as session:
        assert (session.worktree.path / "README.md").exists()
        assert "S " not in git(worktree, "ls-files", "-t")


def test_the_users_fsmonitor_never_runs_for_us(repo, tmp_path, capsys):
    ran = tmp_path / "fsmonitor-ran"
    hook = tmp_path / "fsmonitor.sh"
    hook.write_text(f"#!/bin/sh\necho run >> {ran}\nexit 1\n")
    hook.chmod(0o755)
    git(repo, "config", "core.fsmonitor", str(hook))
    code, _, err = cli(
        capsys,
        *build_args(repo),
        "--phases",
        "1-2",
        "--approve",
        "all",
        "--checks",
        "quick",
    )
    assert code == 0, err
    code, _, err = cli(capsys, "undo", "--repo", str(repo))
    assert code == 0, err
    assert not ran.exists(), f"the fsmonitor ran {len(ran.read_text().split())} times"


def test_a_user_branch_named_backend_agent_is_a_clear_conflict(repo, capsys):
    # case 7: git's raw "cannot lock ref" before
    git(repo, "branch", "backend-agent")
    before = user_view(repo)
    code, _, err = cli(capsys, *build_args(repo))
    assert code == 4
    assert "your branch 'backend-agent' blocks 'backend-agent/bookmarks'" in err
    assert "git branch -m backend-agent backend-agent-old" in err
    assert "fatal" not in err and "cannot lock ref" not in err
    assert user_view(repo) == before
    assert not (repo / ".git" / "backend-agent").exists()


def test_stale_head_lock_and_index_lock_of_our_worktree_are_cleared(repo, capsys):
    # case 7: a kill left HEAD.lock (only index.lock was cleared)
    with start(repo) as session:
        generate(session, "architecture")
        admin = session.worktree.git_dir()
    (admin / "HEAD.lock").write_text("")
    (admin / "index.lock").write_text("")
    (repo / ".git/refs/heads/backend-agent/bookmarks.lock").write_text("")
    code, _, err = cli(capsys, *resume_headless(repo, "1"))
    assert code == 0, err
    assert "Unable to create" not in err
    assert git(repo, "log", "-1", "--format=%s", "backend-agent/bookmarks").startswith(
        "architecture:"
    )


def test_a_repository_path_that_is_not_utf8_is_refused_clearly(tmp_path):
    # case 5: UnicodeDecodeError before
    folder = os.fsencode(tmp_path) + b"/bad\xffrepo"
    os.mkdir(folder)
    git(os.fsdecode(folder), "init", "-q")
    result = run_cli("build", "--brief", BRIEF, "--repo", os.fsdecode(folder))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert "is not valid UTF-8" in result.stderr and "\\xff" in result.stderr
    assert "rename or move the folder" in result.stderr
    assert not os.path.exists(folder + b"/.git/backend-agent")
