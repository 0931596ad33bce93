"""The headless command line: the JSON document, exit codes, and errors without tracebacks."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from backend_agent import __version__
from backend_agent.cli import main

from .conftest import EXAMPLES, git
from .helpers import run_cli, user_view

BOOKMARKS = str(EXAMPLES / "bookmarks.toml")


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_build_done_when_command(repo, capsys):
    """The issue's acceptance command, through the real console script."""
    before = user_view(repo)
    result = run_cli(
        "build",
        "--brief",
        BOOKMARKS,
        "--repo",
        str(repo),
        "--provider",
        "offline",
        "--phases",
        "1-2",
        "--approve",
        "all",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["build"] == "bookmarks" and report["branch"] == "backend-agent/bookmarks"
    assert report["worktree"].startswith(str(repo / ".git"))
    phases = {p["id"]: p for p in report["phases"]}
    assert phases["architecture"]["status"] == phases["data-model"]["status"] == "committed"
    assert phases["service-layer"]["status"] == "pending"
    files = {f["path"]: f for f in phases["data-model"]["files"]}
    checks = files["migrations/0001_init.sql"].pop("checks")
    assert files["migrations/0001_init.sql"] == {
        "path": "migrations/0001_init.sql",
        "action": "create",
        "kind": "schema",
        "review": "approved",
        "comment": None,
        "hunks": [],
    }
    assert [(c["check"], c["status"]) for c in checks] == [
        ("secrets", "pass"),
        ("sql.parse", "pass"),
        ("sql.apply", "pass"),
    ]
    assert report["refused"] == [] and report["usage"]["input_tokens"] == 0
    log = git(repo, "log", "--format=%H %s", "backend-agent/bookmarks").splitlines()
    assert [line.split(" ", 1)[1] for line in log[:2]] == [
        "data-model: Data model for bookmarks",
        "architecture: Architecture for bookmarks",
    ]
    assert log[0].split()[0] == phases["data-model"]["commit"]
    assert user_view(repo) == before
    assert "phase 1/6 architecture" in result.stderr and "Traceback" not in result.stderr


def test_default_provider_is_offline_without_a_key_and_says_so(repo, capsys):
    code, out, err = run(
        capsys, "build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1"
    )
    assert code == 0 and out == ""
    assert "provider: offline (no ANTHROPIC_API_KEY" in err
    assert "waits for review" in err and "backend-agent resume bookmarks" in err


def test_resume_headless_continues_and_builds_lists(repo, capsys):
    run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1")
    code, out, err = run(
        capsys, "resume", "--repo", str(repo), "--approve", "all", "--phases", "1-2", "--json"
    )
    assert code == 0, err
    report = json.loads(out)
    assert [p["status"] for p in report["phases"][:2]] == ["committed", "committed"]
    code, out, _ = run(capsys, "builds", "--repo", str(repo), "--json")
    (listed,) = json.loads(out)
    assert listed["committed"] == ["architecture", "data-model"]
    code, out, _ = run(capsys, "builds", "--repo", str(repo))
    assert out.startswith("bookmarks") and "architecture, data-model" in out


def test_undo_command(repo, capsys):
    run(
        capsys,
        "build",
        "--brief",
        BOOKMARKS,
        "--repo",
        str(repo),
        "--phases",
        "1-2",
        "--approve",
        "all",
    )
    code, _, err = run(capsys, "undo", "--repo", str(repo))
    assert code == 0 and "undid phase 2 (data-model)" in err
    assert git(repo, "log", "-1", "--format=%s", "backend-agent/bookmarks").startswith(
        "architecture:"
    )


def test_rejected_files_make_exit_code_1(repo, capsys):
    from backend_agent.engine import BuildSession

    run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1")
    with BuildSession.open(repo) as session:
        session.reject("docs/architecture.md", "not this")
    code, out, _ = run(
        capsys, "resume", "--repo", str(repo), "--approve", "all", "--phases", "1", "--json"
    )
    assert code == 1
    files = {f["path"]: f for f in json.loads(out)["phases"][0]["files"]}
    assert files["docs/architecture.md"]["review"] == "rejected"
    assert files["docs/architecture.md"]["comment"] == "not this"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["build", "--brief", "missing.toml"], "does not exist"),
        (["build", "--brief", BOOKMARKS, "--phases", "7"], "there is no phase"),
        (["build", "--brief", BOOKMARKS, "--phases", "2-1"], "runs backwards"),
        (["build", "--brief", BOOKMARKS, "--approve", "maybe"], "invalid choice"),
        (["build"], "required: --brief"),
        (["nonsense", "extra"], "unexpected arguments"),
    ],
)
def test_bad_input_exits_2_with_a_message(repo, capsys, monkeypatch, args, expected):
    monkeypatch.chdir(repo)
    code, out, err = run(capsys, *args)
    assert code == 2
    assert expected in err and "Traceback" not in err


def test_not_a_repo_and_a_file_as_repo_exit_2(tmp_path, capsys):
    code, _, err = run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(tmp_path))
    assert code == 2 and "not a git repository" in err and "git init" in err
    afile = tmp_path / "file.txt"
    afile.write_text("x")
    code, _, err = run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(afile))
    assert code == 2 and "is a file, not a directory" in err


def test_malformed_brief_exits_2_naming_the_line(repo, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[project]\nname = "ok"\nflavour = "x"\n')
    code, _, err = run(capsys, "build", "--brief", str(bad), "--repo", str(repo))
    assert code == 2 and f"{bad}:3: project.flavour: unknown key" in err


def test_a_brief_without_entities_offline_is_refused_before_anything_is_made(
    repo, tmp_path, capsys
):
    """Issue 18: it made a branch and worktree, failed, left them, and named another file."""
    dog = tmp_path / "dog.toml"
    dog.write_text('[project]\nname = "dog"\nrequirements = "a dog-walking marketplace"\n')
    code, _, err = run(capsys, "brief", "check", str(dog), "--provider", "offline")
    assert code == 2 and f"{dog} has no entities" in err  # `brief check` asks what `build` asks
    code, _, err = run(capsys, "brief", "check", str(dog), "--provider", "anthropic")
    assert code == 0 and "valid (0 entities, 0 relations)" in err
    assert "the offline generator (used without ANTHROPIC_API_KEY) could not build it" in err
    before = git(repo, "branch", "--list")
    code, _, err = run(capsys, "build", "--brief", str(dog), "--build", "dog2", "--repo", str(repo))
    assert code == 2 and "needs [[entities]]" in err
    assert f"add [[entities]] to {dog}" in err and "backend-brief.toml" not in err
    assert git(repo, "branch", "--list") == before
    assert not (repo / ".git" / "backend-agent").exists()  # no worktree, no build state


def test_mid_rebase_exits_4_and_writes_nothing(repo, capsys):
    (repo / ".git" / "rebase-merge").mkdir()
    code, out, err = run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(repo), "--json")
    assert code == 4 and "middle of a rebase" in err
    assert json.loads(out)["error"]["exit_code"] == 4
    assert not (repo / ".git" / "backend-agent").exists()


def test_locked_build_exits_4(repo, capsys):
    from backend_agent.engine import BuildSession

    run(capsys, "build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys,time; from backend_agent.engine import BuildSession;"
            "s=BuildSession.open(sys.argv[1]); print('held', flush=True); time.sleep(30)",
            str(repo),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        code, _, err = run(capsys, "resume", "--repo", str(repo), "--approve", "all")
        assert code == 4 and f"process {holder.pid}" in err
    finally:
        holder.kill()
        holder.wait()
    with BuildSession.open(repo):
        pass


def test_brief_init_and_check(tmp_path, capsys):
    target = tmp_path / "backend-brief.toml"
    code, _, err = run(capsys, "brief", "init", str(target), "--example", "shop")
    assert code == 0 and target.read_text() == (EXAMPLES / "shop.toml").read_text()
    code, _, err = run(capsys, "brief", "init", str(target))
    assert code == 2 and "already exists" in err and "--force" in err
    code, _, err = run(capsys, "brief", "check", str(target))
    assert code == 0 and "valid (5 entities, 4 relations)" in err
    code, _, err = run(capsys, "brief", "init", str(tmp_path / "x.toml"), "--example", "nope")
    assert code == 2 and "bookmarks, events, shop" in err


def test_version(capsys):
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    assert capsys.readouterr().out.strip() == f"backend-agent {__version__}"


@pytest.mark.slow
@pytest.mark.xdist_group("heavy")  # runs the generated suites: not beside the load test
def test_demo_headless_builds_a_scratch_repo(tmp_path, capsys):
    target = tmp_path / "demo"
    code, _, err = run(capsys, "demo", str(target), "--headless")
    assert code == 0, err
    assert git(target, "log", "--format=%s", "main").strip() == "Start with the example brief"
    subjects = git(target, "log", "--format=%s", "backend-agent/bookmarks").splitlines()
    assert [s.split(":")[0] for s in subjects[:6]] == [
        "documentation",
        "hardening",
        "infrastructure",
        "service-layer",
        "data-model",
        "architecture",
    ]
    assert f"git -C {target} log --stat backend-agent/bookmarks" in err
