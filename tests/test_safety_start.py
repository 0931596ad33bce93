"""A build start is all or nothing: the brief is checked as `brief check` checks it before
anything is written; a failure after the branch is made removes it again; a kill leaves a
start proven ours that `build` and `resume` offer to `clean`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, git
from .helpers import run_cli, user_view
from .safety_support import HEADLESS, build_args, cli, committed, fake_git, state_file

BRANCH = "backend-agent/bookmarks"
NOTE = (
    '[project]\nname = "notes"\n[[entities]]\nname = "Note"\n'
    'fields = [{ name = "body", type = "text" }]\n'
    '[[entities]]\nname = "Folder"\nfields = [{ name = "title", type = "text" }]\n'
)
CYCLE = (
    '[[relations]]\nkind = "many-to-one"\nfrom = "Note"\nto = "Folder"\nrequired = true\n'
    '[[relations]]\nkind = "many-to-one"\nfrom = "Folder"\nto = "Note"\nrequired = true\n'
)
SELF = '[[relations]]\nkind = "many-to-one"\nfrom = "Note"\nto = "Note"\nrequired = true\n'
ONLY_USER = '[project]\nname = "notes"\n[[entities]]\nname = "User"\nfields = [{ name = "bio", type = "text" }]\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (NOTE + CYCLE, "required relations form a cycle (Folder -> Note -> Folder)"),
        (NOTE + SELF, "a required reference of Note to itself"),
        (ONLY_USER, "has no entities (besides User)"),
        ('[project]\nname = "notes"\n', "has no entities (besides User)"),
    ],
    ids=["cycle", "self", "only-user", "no-entities"],
)
def test_a_brief_build_cannot_use_fails_in_brief_check_and_before_any_branch(
    repo, tmp_path, capsys, text, message
):
    # case 4: `brief check` said valid, `build` made branch, worktree and state, then failed
    brief = tmp_path / "my-brief.toml"
    brief.write_text(text)
    before = user_view(repo)
    code, _, err = cli(capsys, "brief", "check", str(brief))
    assert code == 2 and message in err
    code, _, err = cli(capsys, "build", "--brief", str(brief), "--repo", str(repo))
    assert code == 2 and message in err
    assert user_view(repo) == before
    assert not (repo / ".git" / "backend-agent").exists()
    if "entities" in message:  # the hint names the file given, and what offline means
        assert f"add [[entities]] to {brief}" in err and "ANTHROPIC_API_KEY" in err
    brief.write_text(NOTE)  # fixed: the same name builds
    code, _, err = cli(
        capsys,
        "build",
        "--brief",
        str(brief),
        "--repo",
        str(repo),
        "--phases",
        "1",
        *HEADLESS,
    )
    assert code == 0, err


def test_brief_check_says_what_no_entities_means_for_each_provider(tmp_path, capsys):
    brief = tmp_path / "b.toml"
    brief.write_text('[project]\nname = "notes"\n')
    code, _, err = cli(capsys, "brief", "check", str(brief), "--provider", "anthropic")
    assert code == 0
    assert "valid (0 entities, 0 relations) for the anthropic provider" in err
    assert "has no entities" in err and "the offline generator" in err
    code, _, err = cli(capsys, "brief", "check", str(brief))  # no key: offline, as build would
    assert code == 2 and "the offline generator needs [[entities]]" in err


def test_a_failure_after_the_branch_is_made_removes_it_again(repo, tmp_path):
    # case 4: disk full at `git worktree add` left an orphan branch; now exit 2, nothing left
    env = fake_git(
        tmp_path / "bin",
        "worktree add",
        'echo "fatal: write error: No space left on device" >&2; exit 128',
    )
    before = user_view(repo)
    result = run_cli(*build_args(repo), env=env)
    assert result.returncode == 2, result.stderr
    assert "the disk is full" in result.stderr and "Traceback" not in result.stderr
    assert git(repo, "branch", "--list", BRANCH) == ""
    assert not list((repo / ".git/backend-agent/builds").glob("bookmarks.*[!k]"))  # only .lock
    assert "bookmarks" not in git(repo, "worktree", "list")
    assert user_view(repo) == before
    result = run_cli(
        *build_args(repo),
        "--phases",
        "1",
        *HEADLESS,
    )
    assert result.returncode == 0, result.stderr


def test_a_kill_during_the_start_leaves_an_orphan_that_is_offered_for_cleanup(repo, tmp_path):
    # case 4: kill -9 during `git worktree add`; build said "not a backend-agent build"
    started = tmp_path / "adding"
    env = fake_git(tmp_path / "bin", "worktree add", f"touch {started}; sleep 60")
    process = subprocess.Popen(
        [sys.executable, "-m", "backend_agent.cli", *build_args(repo)],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for _ in range(600):
        if started.exists():
            break
        time.sleep(0.05)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert git(repo, "branch", "--list", BRANCH).strip() == BRANCH  # the orphan

    result = run_cli(*build_args(repo))
    assert result.returncode == 4
    assert "an earlier start of this build was interrupted" in result.stderr
    assert "backend-agent clean bookmarks" in result.stderr
    result = run_cli("resume", "--repo", str(repo), "--approve", "all")
    assert result.returncode == 2 and "backend-agent clean bookmarks" in result.stderr
    result = run_cli("builds", "--repo", str(repo))
    assert "interrupted" in result.stderr

    result = run_cli("clean", "bookmarks", "--repo", str(repo))
    assert result.returncode == 0, result.stderr
    assert f"deleted branch {BRANCH}" in result.stderr
    assert git(repo, "branch", "--list", BRANCH) == ""
    result = run_cli(
        *build_args(repo),
        "--phases",
        "1",
        *HEADLESS,
    )
    assert result.returncode == 0, result.stderr


def test_clean_after_a_broken_state_keeps_what_is_not_ours(repo, capsys):
    commits = committed(repo, 1)
    code, _, err = cli(capsys, "clean", "bookmarks", "--repo", str(repo))
    assert code == 2 and "can be resumed" in err  # a working build is not cleaned
    state_file(repo).write_text("{ not json")
    code, _, err = cli(capsys, *build_args(repo), "--build", "bookmarks")
    assert code == 4  # the state is there, broken: resume/clean, never overwrite
    code, _, err = cli(capsys, "clean", "bookmarks", "--repo", str(repo))
    assert code == 0, err
    assert f"git branch {BRANCH} {commits['architecture']}` brings it back" in err
    assert "moved the broken build state aside" in err
    assert list(state_file(repo).parent.glob("bookmarks.json.broken-*"))

    git(repo, "branch", BRANCH)  # now a branch the user made, with a commit of their own
    git(repo, "checkout", "-q", BRANCH)
    (repo / "mine.txt").write_text("mine\n")
    git(repo, "add", "mine.txt")
    git(repo, "commit", "-qm", "mine")
    git(repo, "checkout", "-q", "main")
    (state_file(repo).parent / "bookmarks.starting").write_text("{}")
    code, _, err = cli(capsys, "clean", "bookmarks", "--repo", str(repo))
    assert code == 0 and f"kept branch {BRANCH}" in err and "'mine'" in err
    assert git(repo, "log", "-1", "--format=%s", BRANCH).strip() == "mine"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("# " + "x" * (3 * 1024 * 1024), "over the limit of 2 MiB for a brief"),
        (
            NOTE.replace("[[entities]]", "x = " + "[" * 600 + "]" * 600 + "\n[[entities]]", 1),
            "nested more than 32 levels deep",
        ),
        (
            '[project]\nname = "big"\n'
            + "".join(
                f'[[entities]]\nname = "T{i}"\nfields = [{{ name = "a", type = "int" }}]\n'
                for i in range(10_000)
            ),
            "10,000 entities; the limit is 300",
        ),
        (
            '[project]\nname = "big"\n'
            + "".join(
                f'[[entities]]\nname = "T{i}"\nfields = [{{ name = "a", type = "int" }}]\n'
                for i in range(120)
            ),
            "the offline generator would propose",
        ),
    ],
    ids=["3-mib", "nested", "10000-entities", "offline-120-entities"],
)
def test_briefs_past_the_limits_are_refused_with_the_limit_named(
    tmp_path, capsys, content, message
):
    # case 5 / 7: RecursionError; a 50 MB or 10,000-entity brief passed and built no tables
    brief = tmp_path / "b.toml"
    brief.write_text(content)
    code, _, err = cli(capsys, "brief", "check", str(brief))
    assert code == 2 and message in err, err


def test_brief_check_of_dev_zero_stops_at_the_limit():
    result = run_cli("brief", "check", "/dev/zero", timeout=60)
    assert result.returncode == 2 and "over the limit of 2 MiB" in result.stderr
    assert "MemoryError" not in result.stderr


def test_a_brief_with_a_byte_order_mark_is_read(tmp_path, capsys):
    brief = tmp_path / "bom.toml"
    brief.write_bytes(b"\xef\xbb\xbf" + (ROOT / "examples" / "bookmarks.toml").read_bytes())
    code, _, err = cli(capsys, "brief", "check", str(brief))
    assert code == 0 and "valid (2 entities" in err


def test_a_sentence_with_terminal_escapes_drafts_a_brief_that_checks(repo, tmp_path, capsys):
    out = tmp_path / "drafted.toml"
    sentence = "build a backend for a \x1b[31mdog\x07 walking\x00 marketplace"
    code, _, err = cli(capsys, "new", sentence, "--brief-out", str(out), "--provider", "offline")
    assert code == 0, err
    text = out.read_text()
    assert "\x1b" not in text and "\x07" not in text and "dog walking marketplace" in text
    code, _, err = cli(capsys, "brief", "check", str(out), "--provider", "anthropic")
    assert code == 0, err


def test_an_old_orphan_in_an_empty_repository_is_known_by_our_root_commit(make_repo, capsys):
    repo = make_repo(commit=False)
    committed(repo, 1)
    path = state_file(repo)
    path.unlink()  # a start from before markers existed, or a state deleted by hand
    code, _, err = cli(capsys, *build_args(repo))
    assert code == 4 and "the build it belongs to has no state any more" in err
    assert "backend-agent clean bookmarks" in err
    code, _, err = cli(capsys, "clean", "bookmarks", "--repo", str(repo))
    assert code == 0 and f"deleted branch {BRANCH}" in err and "brings it back" in err
    code, _, err = cli(capsys, *build_args(repo), "--phases", "1", *HEADLESS)
    assert code == 0, err


def test_a_branch_under_our_branch_name_is_a_clear_conflict(repo, capsys):
    git(repo, "branch", "backend-agent/bookmarks/mine")
    code, _, err = cli(capsys, *build_args(repo))
    assert code == 4 and "your branch 'backend-agent/bookmarks/mine' blocks" in err
    assert not (repo / ".git" / "backend-agent").exists()
