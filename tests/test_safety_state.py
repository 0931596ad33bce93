"""The build state as untrusted input, and the branch checked against it before any work:
a state pointing at the user's branch is refused without a write; committed phases that
left the branch stop the build with two real ways on."""

from __future__ import annotations

import json

import pytest

from .conftest import git
from .helpers import user_view
from .safety_support import HEADLESS, cli, committed, state_file

BRANCH = "backend-agent/bookmarks"


def test_a_state_naming_the_users_branch_is_refused_and_nothing_moves(repo, capsys):
    # case 3: resume "committed … on main", undo reset main
    committed(repo, 1)
    path = state_file(repo)
    state = json.loads(path.read_text())
    state["branch"] = "main"
    path.write_text(json.dumps(state))
    git(repo, "worktree", "remove", "--force", state["worktree"])
    git(repo, "checkout", "-q", "--detach")
    before, saved = user_view(repo), path.read_bytes()
    main_tip = git(repo, "rev-parse", "refs/heads/main")

    for args in (["resume", *HEADLESS], ["undo"]):
        code, _, err = cli(capsys, *args, "--repo", str(repo))
        assert code == 2, err
        assert f"the build state {path} cannot be used: branch: 'main'" in err
        assert "never commits to another branch" in err
        assert user_view(repo) == before
        assert path.read_bytes() == saved
        assert git(repo, "rev-parse", "refs/heads/main") == main_tip


WRONG_SHAPES = [
    (lambda s: {}, "build"),
    (lambda s: [s], "(top level)"),
    (lambda s: {**s, "phases": "architecture"}, "phases"),
    (lambda s: {**s, "phases": None}, "phases"),
    (lambda s: {**s, "current": 3}, "current"),
    (lambda s: {**s, "current": "deploy"}, "current"),
    (lambda s: {**s, "worktree": "/tmp/elsewhere"}, "worktree"),
    (lambda s: {**s, "worktree": s["worktree"] + "/../../../../.."}, "worktree"),
    (lambda s: {**s, "branch": "backend-agent/../main"}, "branch"),
    (lambda s: {**s, "build": "other"}, "build"),
    (lambda s: {**s, "version": 9}, "version"),
    (
        lambda s: {
            **s,
            "phases": {
                **s["phases"],
                "architecture": {**s["phases"]["architecture"], "commit": "HEAD~1"},
            },
        },
        "phases.architecture.commit",
    ),
    (
        lambda s: {
            **s,
            "phases": {
                **s["phases"],
                "data-model": {
                    **s["phases"]["data-model"],
                    "status": "proposed",
                    "proposal": {
                        "summary": "x",
                        "changes": [
                            {
                                "path": "../../hooks/pre-commit",
                                "action": "create",
                                "kind": "code",
                                "content": "x",
                            }
                        ],
                    },
                },
            },
        },
        "phases.data-model.proposal.changes.0.path",
    ),
]


@pytest.mark.parametrize(("change", "key"), WRONG_SHAPES, ids=[k for _, k in WRONG_SHAPES])
def test_a_state_of_the_wrong_shape_is_a_clear_refusal(repo, capsys, change, key):
    # case 5: pydantic ValidationError tracebacks on resume/undo before
    committed(repo, 1)
    path = state_file(repo)
    path.write_text(json.dumps(change(json.loads(path.read_text()))))
    before, saved = user_view(repo), path.read_bytes()
    tip = git(repo, "rev-parse", BRANCH)
    for args in (["resume", "bookmarks", "--approve", "all"], ["undo", "bookmarks"]):
        code, _, err = cli(capsys, *args, "--repo", str(repo))
        assert code == 2, err
        assert f"the build state {path} cannot be used: {key}:" in err
        assert "backend-agent changed nothing" in err
    code, _, err = cli(capsys, "builds", "--repo", str(repo))
    assert code == 0 and f"cannot be used: the build state {path}" in err
    assert "no builds" not in err
    assert path.read_bytes() == saved and user_view(repo) == before
    assert git(repo, "rev-parse", BRANCH) == tip


def test_a_state_nested_too_deeply_is_refused(repo, capsys):
    committed(repo, 1)
    path = state_file(repo)
    path.write_text("[" * 100_000 + "]" * 100_000)
    code, _, err = cli(capsys, "resume", "--approve", "all", "--repo", str(repo))
    assert code == 2 and "nested too deeply" in err


def test_a_deleted_branch_stops_the_build_instead_of_starting_over(repo, capsys):
    # case 2: the branch was recreated from the user's HEAD, phases 1-2 silently gone
    commits = committed(repo, 2)
    git(repo, "update-ref", "-d", f"refs/heads/{BRANCH}")
    saved, before = state_file(repo).read_bytes(), user_view(repo)
    code, _, err = cli(capsys, "resume", *HEADLESS, "--repo", str(repo))
    assert code == 4, err
    assert f"branch {BRANCH} is gone (deleted)" in err
    assert f"1 architecture ({commits['architecture'][:10]})" in err
    assert f"2 data-model ({commits['data-model'][:10]})" in err
    assert "ambiguous argument" not in err
    assert "--restore-branch" in err and "--restart-from architecture" in err
    assert state_file(repo).read_bytes() == saved and user_view(repo) == before
    assert git(repo, "branch", "--list", BRANCH) == ""
    _, _, err = cli(capsys, "builds", "--repo", str(repo))  # not listed as intact
    assert "no longer on backend-agent/bookmarks: architecture, data-model" in err
    _, out, _ = cli(capsys, "builds", "--json", "--repo", str(repo))
    assert json.loads(out)[0]["lost"] == ["architecture", "data-model"]

    code, _, err = cli(
        capsys,
        "resume",
        "--restore-branch",
        "--approve",
        "all",
        "--phases",
        "3",
        "--checks",
        "none",
        "--repo",
        str(repo),
    )
    assert code == 0, err
    assert f"restored {BRANCH} to {commits['data-model'][:10]}" in err
    log = git(repo, "log", "--format=%s", BRANCH).splitlines()
    assert [line.split(":")[0] for line in log[:3]] == [
        "service-layer",
        "data-model",
        "architecture",
    ]
    adrs = git(repo, "ls-tree", "--name-only", f"{BRANCH}:docs/adr").split()
    assert len(adrs) == len(set(a[:4] for a in adrs)), "ADR numbers go on, never restart"
    assert user_view(repo) == before
    _, out, _ = cli(capsys, "builds", "--json", "--repo", str(repo))
    assert json.loads(out)[0]["lost"] == []


def test_a_branch_reset_in_the_worktree_can_restart_the_lost_phases(repo, capsys):
    # case 2: `git reset --hard HEAD~1` in the worktree dropped phase 2
    commits = committed(repo, 2)
    worktree = repo / ".git/backend-agent/worktrees/bookmarks"
    git(worktree, "reset", "-q", "--hard", "HEAD~1")
    code, _, err = cli(capsys, "resume", *HEADLESS, "--repo", str(repo))
    assert code == 4, err
    assert f"(now at {commits['architecture'][:10]}) no longer holds what was committed" in err
    assert "--restart-from data-model` builds phases 2-6 again from the branch as it is" in err

    code, _, err = cli(
        capsys, "resume", "--restart-from", "1", "--repo", str(repo), "--approve", "all"
    )
    assert code == 2 and "phase 1 (architecture) is still on" in err
    assert "--restart-from data-model" in err

    code, _, err = cli(
        capsys,
        "resume",
        "--restart-from",
        "data-model",
        "--phases",
        "2",
        *HEADLESS,
        "--repo",
        str(repo),
    )
    assert code == 0, err
    assert "phases 2-6 start again" in err
    tip = git(repo, "rev-parse", BRANCH).strip()  # (the same id as before within a second)
    assert git(repo, "rev-parse", f"{tip}~1").strip() == commits["architecture"]
    assert git(repo, "log", "-1", "--format=%s", tip).startswith("data-model:")
    code, out, err = cli(capsys, "builds", "--repo", str(repo), "--json")
    assert json.loads(out)[0]["committed"] == ["architecture", "data-model"]


async def test_the_wizard_lists_the_phases_a_branch_lost(repo):
    from .wizard_support import SIZE, settle, wizard

    committed(repo, 2)
    git(repo / ".git/backend-agent/worktrees/bookmarks", "reset", "-q", "--hard", "HEAD~1")
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        choices = app.screen.query_one("#welcome-choices")
        line = str(choices.get_option_at_index(1).prompt)
        assert "architecture · lost from its branch: data-model" in line


def test_restore_is_refused_once_git_collected_the_commits(repo, capsys):
    committed(repo, 1)
    git(repo, "update-ref", "-d", f"refs/heads/{BRANCH}")
    worktree = repo / ".git/backend-agent/worktrees/bookmarks"
    git(repo, "worktree", "remove", "--force", str(worktree))
    git(repo, "reflog", "expire", "--expire=now", "--all")
    git(repo, "gc", "-q", "--prune=now")
    code, _, err = cli(capsys, "resume", "--approve", "all", "--repo", str(repo))
    assert code == 4 and "--restore-branch" not in err and "--restart-from architecture" in err
    code, _, err = cli(
        capsys, "resume", "--restore-branch", "--repo", str(repo), "--approve", "all"
    )
    assert code == 2 and "is no longer in the repository" in err
    code, _, err = cli(
        capsys,
        "resume",
        "--restart-from",
        "architecture",
        "--phases",
        "1",
        *HEADLESS,
        "--repo",
        str(repo),
    )
    assert code == 0, err
    assert git(repo, "rev-parse", f"{BRANCH}~1").strip() == git(repo, "rev-parse", "HEAD").strip()


def test_restore_never_drops_commits_someone_added(repo, capsys):
    committed(repo, 2)
    worktree = repo / ".git/backend-agent/worktrees/bookmarks"
    git(worktree, "reset", "-q", "--hard", "HEAD~1")
    (worktree / "mine.txt").write_text("mine\n")
    git(worktree, "add", "mine.txt")
    git(worktree, "commit", "-qm", "my own work")
    tip = git(repo, "rev-parse", BRANCH)
    code, _, err = cli(
        capsys, "resume", "--restore-branch", "--approve", "all", "--repo", str(repo)
    )
    assert code == 2 and "putting it back would drop them" in err
    assert git(repo, "rev-parse", BRANCH) == tip


def test_an_intact_branch_has_nothing_to_restore(repo, capsys):
    committed(repo, 1)
    code, _, err = cli(
        capsys, "resume", "--restore-branch", "--approve", "all", "--repo", str(repo)
    )
    assert code == 2 and "nothing to restore or restart" in err
