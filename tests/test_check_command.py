"""`backend-agent check DIR`: a proposal's checks on any folder, as a CI job or an agent in
another tool runs them — exit 0 when everything passes, 1 with file:line:column when not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import EXAMPLES, git
from .helpers import offline_build, run_cli

BROKEN = """-- tags for bookmarks
CREATE TABLE tag_colours (
  tag_id bigint NOT NULL REFERENCES missing_table (id),
  colour text NOT NULL
);
"""


def bookmarks_build(repo: Path) -> Path:
    return offline_build(repo, EXAMPLES / "bookmarks.toml")


@pytest.mark.slow
def test_an_offline_builds_tree_passes_every_check_with_its_suite_run(repo, pg_env):
    # The tests check runs the generated suite in the project's own environment, made from
    # its pyproject.toml (issue #13's provisioning); nothing here points it anywhere.
    tree = bookmarks_build(repo)
    checked = run_cli("check", str(tree), "--json")
    assert checked.returncode == 0, checked.stdout[-4000:] + checked.stderr[-4000:]
    report = json.loads(checked.stdout)
    assert report["passed"] is True and report["failures"] == []
    phase = {r["check"]: r for r in report["checks"]}
    assert phase["tests"]["status"] == "pass", phase["tests"]
    assert phase["sql.migrations"]["status"] == "pass"
    assert "applied in order on a fresh database" in phase["sql.migrations"]["message"]
    checked_kinds = {r["check"] for results in report["files"].values() for r in results}
    assert {"secrets", "python.compile", "python.ruff", "adr.structure", "links"} <= (checked_kinds)
    assert "migrations/0001_init.sql" in report["files"]


def test_a_broken_migration_fails_at_its_file_line_and_column(repo, pg_env):
    tree = bookmarks_build(repo)
    # An uncommitted edit: the tree is checked as it is on disk, not as committed.
    (tree / "migrations" / "0002_tag_colours.sql").write_text(BROKEN)
    checked = run_cli("check", str(tree), "--quick")
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert (
        'migrations/0002_tag_colours.sql:3:37: FAIL [sql.apply] ERROR: relation "missing_table" '
        "does not exist" in checked.stdout
    )
    assert checked.stdout.splitlines()[-1].startswith("failed: ")
    as_json = run_cli("check", str(tree), "--quick", "--json")
    assert as_json.returncode == 1
    failures = json.loads(as_json.stdout)["failures"]
    located = [f for f in failures if f["check"] == "sql.apply"]
    assert located == [
        {
            "path": "migrations/0002_tag_colours.sql",
            "check": "sql.apply",
            "status": "fail",
            "message": located[0]["message"],
            "line": 3,
            "column": 37,
        }
    ]


def test_any_folder_outside_git_leaves_environments_and_binaries_alone(tmp_path, pg_env):
    folder = tmp_path / "service"
    (folder / ".venv" / "lib").mkdir(parents=True)
    (folder / ".venv" / "lib" / "broken.py").write_text("def (:\n")  # not the project's
    (folder / "node_modules" / "x").mkdir(parents=True)
    (folder / "node_modules" / "x" / "key.pem").write_text(
        "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n"
    )
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    (folder / "app.py").write_text("def handler(:\n    return 1\n")
    (folder / "settings.py").write_text('AWS_KEY = "AKIAIOSFODNN7ABCDEFG"\n')
    (folder / "README.md").write_text("![logo](logo.png) and [ops](docs/ops.md)\n")
    checked = run_cli("check", str(folder), "--quick", "--json")
    assert checked.returncode == 1, checked.stderr
    report = json.loads(checked.stdout)
    assert set(report["files"]) == {"app.py", "settings.py", "README.md"}
    where = {(f["path"], f["check"], f["line"]) for f in report["failures"]}
    assert ("app.py", "python.compile", 1) in where
    assert ("settings.py", "secrets", 1) in where
    assert ("README.md", "links", 1) in where
    links = [f for f in report["failures"] if f["check"] == "links"]
    assert len(links) == 1 and "docs/ops.md" in links[0]["message"]  # logo.png exists
    assert "AKIAIOSFODNN7ABCDEFG" not in checked.stdout + checked.stderr


def test_in_git_ignored_files_are_left_out_and_edits_are_in(repo):
    (repo / ".gitignore").write_text("local/\n")
    (repo / "local").mkdir()
    (repo / "local" / "scratch.py").write_text("print(\n")
    (repo / "ok.py").write_text("VALUE = 1\n")
    git(repo, "add", ".gitignore", "ok.py")
    git(repo, "commit", "-q", "-m", "code")
    assert run_cli("check", str(repo), "--quick").returncode == 0
    (repo / "ok.py").write_text("VALUE = (\n")  # not committed
    (repo / "new.py").write_text("import os\n\nprint(os.sep)\n")  # not even added
    checked = run_cli("check", str(repo), "--quick", "--json")
    assert checked.returncode == 1
    report = json.loads(checked.stdout)
    assert "local/scratch.py" not in report["files"] and "new.py" in report["files"]
    assert [(f["path"], f["check"]) for f in report["failures"]] == [("ok.py", "python.compile")]


def test_strict_counts_a_check_that_could_not_run_as_a_failure(tmp_path):
    (tmp_path / "app.py").write_text("VALUE = 1\n")  # code, but no test suite to run
    relaxed = run_cli("check", str(tmp_path))
    assert relaxed.returncode == 0, relaxed.stdout + relaxed.stderr
    assert "skipped [tests] no test suite" in relaxed.stdout
    strict = run_cli("check", str(tmp_path), "--strict")
    assert strict.returncode == 1
    assert "(--strict: a failure)" in strict.stdout.splitlines()[-1]


def test_bad_input_exits_2_with_a_message(tmp_path):
    missing = run_cli("check", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    (tmp_path / "file.txt").write_text("x")
    a_file = run_cli("check", str(tmp_path / "file.txt"))
    assert a_file.returncode == 2 and "is not a folder" in a_file.stderr
    timeout = run_cli("check", str(tmp_path), "--test-timeout", "0")
    assert timeout.returncode == 2 and "--test-timeout 0" in timeout.stderr
    for result in (missing, a_file, timeout):
        assert "Traceback" not in result.stderr
