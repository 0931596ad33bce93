"""Checks from the command line: `--approve checks` approves what passes and says why the
rest is left, the JSON report carries the results per file and per phase, failed checks
exit 1, and the flags refuse combinations that cannot work."""

from __future__ import annotations

import json

from backend_agent.cli import main

from .conftest import EXAMPLES, git
from .helpers import run_cli

BOOKMARKS = str(EXAMPLES / "bookmarks.toml")
LEGACY = "-- an older schema the user already has\nCREATE TABLE users (id bigint PRIMARY KEY);\n"


def test_approve_checks_leaves_a_migration_that_fails_on_postgres(repo):
    """Through the real console script, with its own throwaway PostgreSQL: the user's repo
    already has a users table, so the proposed initial migration cannot apply."""
    (repo / "migrations").mkdir()
    (repo / "migrations" / "0000_legacy.sql").write_text(LEGACY)
    git(repo, "add", "migrations")
    git(repo, "commit", "--quiet", "-m", "legacy schema")
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
        "checks",
        "--json",
    )
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    phases = {p["id"]: p for p in report["phases"]}
    assert phases["architecture"]["status"] == phases["data-model"]["status"] == "committed"
    files = {f["path"]: f for f in phases["data-model"]["files"]}
    migration = files["migrations/0001_init.sql"]
    assert migration["review"] == "pending"
    checks = {c["check"]: c for c in migration["checks"]}
    assert checks["sql.parse"]["status"] == "pass"
    applied = checks["sql.apply"]
    assert applied["status"] == "fail" and applied["line"] and applied["column"]
    assert applied["message"].startswith('ERROR: relation "users" already exists')
    assert files["docs/data-model.md"]["review"] == "approved"
    assert {c["status"] for c in files["docs/data-model.md"]["checks"]} == {"pass"}
    [summary] = [c for c in phases["data-model"]["checks"] if c["check"] == "sql.migrations"]
    assert summary["status"] == "fail"
    assert (
        "held back migrations/0001_init.sql: sql.apply "
        f"migrations/0001_init.sql:{applied['line']}:" in (result.stderr)
    )
    assert "Traceback" not in result.stderr
    # What was left is not on the branch; what passed is.
    branch = git(repo, "ls-tree", "-r", "--name-only", "backend-agent/bookmarks").split()
    assert "docs/data-model.md" in branch and "migrations/0001_init.sql" not in branch


def test_approve_all_with_checks_reports_them_and_exits_0_when_all_pass(repo, capsys, pg_env):
    code = main(
        ["build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1-2", "--approve", "all"]
        + ["--json", "--checks", "quick"]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    [data_model] = [p for p in json.loads(out)["phases"] if p["id"] == "data-model"]
    for file in data_model["files"]:
        assert file["checks"] and {c["status"] for c in file["checks"]} == {"pass"}, file
    assert "checks: all passed" in err


def test_checks_none_cannot_decide_approve_checks(repo, capsys):
    code = main(
        ["build", "--brief", BOOKMARKS, "--repo", str(repo), "--approve", "checks"]
        + ["--checks", "none"]
    )
    assert code == 2
    assert "--approve checks decides by the checks" in capsys.readouterr().err


def test_fix_rounds_with_the_offline_provider_say_there_is_nothing_to_ask(repo, capsys, pg_env):
    (repo / "migrations").mkdir()
    (repo / "migrations" / "0000_legacy.sql").write_text(LEGACY)
    git(repo, "add", "migrations")
    git(repo, "commit", "--quiet", "-m", "legacy schema")
    code = main(
        ["build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "2", "--approve", "none"]
        + ["--fix-rounds", "2"]
    )
    err = capsys.readouterr().err
    assert code == 1
    assert "fix round 1: skipped: the offline generator cannot act on feedback" in err
    assert "fix round 2" not in err


def test_approve_checks_holds_back_files_whose_checks_did_not_run(repo, capsys, monkeypatch):
    from backend_agent.checks import postgres

    monkeypatch.setattr(postgres, "shared_server", lambda: None)
    code = main(
        ["build", "--brief", BOOKMARKS, "--repo", str(repo), "--phases", "1-2", "--approve"]
        + ["checks", "--json"]
    )
    out, err = capsys.readouterr()
    assert code == 1, err
    assert (
        "held back migrations/0001_init.sql: checks did not run: sql.apply: parsed only: "
        "no PostgreSQL available" in err
    )
    assert "held back 1 files (not committed): data-model: migrations/0001_init.sql" in err
    assert "checks: sql.apply, sql.migrations not run" in err
    report = json.loads(out)
    assert report["held_back"] == ["data-model: migrations/0001_init.sql"]
    [data_model] = [p for p in report["phases"] if p["id"] == "data-model"]
    [summary] = [c for c in data_model["checks"] if c["check"] == "sql.migrations"]
    assert summary["status"] == "skipped"
    files = {f["path"]: f["review"] for f in data_model["files"]}
    assert files["migrations/0001_init.sql"] == "pending"
    assert files["docs/data-model.md"] == "approved"  # its own checks all ran
