"""Checks through the engine: results beside each file in the state and the report, bound
to content (an edit makes them stale until the file is re-checked), secrets holding files
back from approve-all, approve-what-passes, and the fix loop."""

from __future__ import annotations

import pytest

from backend_agent.core.checks import CheckOptions, ChecksDone, ChecksUpdated
from backend_agent.core.errors import BadInput
from backend_agent.core.phases import phase
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.engine.report import build_report, has_problems

from .checks_support import StaticProvider
from .helpers import generate, start
from .test_checks_sql import BOOKMARKS_BAD_FK, USERS

PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
DATA_MODEL = "docs/data-model.md"


def report_files(session, phase_id: str) -> dict[str, dict]:
    report = build_report(session)
    [found] = [p for p in report["phases"] if p["id"] == phase_id]
    return {f["path"]: f for f in found["files"]}


def test_the_offline_phases_pass_their_checks_and_the_report_shows_them(repo, pg_env):
    with start(repo) as session:
        for phase_id in ("architecture", "data-model"):
            generate(session, phase_id)
            events = list(session.check())
            assert isinstance(events[-1], ChecksDone) and events[-1].failures == []
            assert {e.stage for e in events if isinstance(e, ChecksUpdated)} >= {"files"}
            session.approve_all()
            session.commit()
        files = report_files(session, "data-model")
        checks = {c["check"]: c for c in files["migrations/0001_init.sql"]["checks"]}
        assert checks["sql.parse"]["status"] == checks["sql.apply"]["status"] == "pass"
        assert checks["secrets"]["status"] == "pass"
        adr_checks = {c["check"] for c in files["docs/adr/0005-schema-conventions.md"]["checks"]}
        assert adr_checks == {"secrets", "adr.structure", "adr.numbering", "links"}
        assert not has_problems(build_report(session))
    # The results are part of the saved state.
    with BuildSession.open(repo) as again:
        record = again.record("data-model")
        assert record.checks is not None and record.checks.server
        assert again.check_results("migrations/0001_init.sql", "data-model")[0].check == "secrets"


def test_an_edit_makes_results_stale_until_the_file_is_checked_again(repo, pg_env):
    with start(repo) as session:
        generate(session, "data-model")
        list(session.check())
        assert {c["status"] for c in report_files(session, "data-model")[DATA_MODEL]["checks"]} == {
            "pass"
        }
        broken = session.content(DATA_MODEL) + "\nSee [the runbook](runbooks/restore.md).\n"
        session.edit(DATA_MODEL, broken)
        [stale] = report_files(session, "data-model")[DATA_MODEL]["checks"]
        assert stale["status"] == "skipped" and "edited after the checks ran" in stale["message"]
        list(session.check_file(DATA_MODEL))
        [link] = [
            c
            for c in report_files(session, "data-model")[DATA_MODEL]["checks"]
            if c["check"] == "links"
        ]
        assert link["status"] == "fail" and link["line"] == broken.count("\n")
        assert "docs/runbooks/restore.md" in link["message"]
        assert has_problems(build_report(session))
        # Other files keep their results from the full run.
        sql = report_files(session, "data-model")["migrations/0001_init.sql"]["checks"]
        assert {c["check"] for c in sql} >= {"sql.apply"}


def test_approve_all_skips_a_file_with_a_private_key_until_approved_alone(repo):
    files = {"app/main.py": "print('hello')\n", "deploy/id_ed25519": PEM}
    with start(repo, provider=StaticProvider(files)) as session:
        generate(session, "service-layer")
        assert session.held_back() == {"deploy/id_ed25519": "a private key at line 1"}
        assert session.approve_all() == ["app/main.py"]
        change = session.change("deploy/id_ed25519")
        assert session.review("deploy/id_ed25519").state(change) == "pending"
        session.approve("deploy/id_ed25519")  # one by one, the person decides
        assert session.review("deploy/id_ed25519").state(change) == "approved"


def test_headless_approve_all_leaves_the_secret_file_and_says_why(repo, pg_env):
    files = {"app/main.py": "print('hello')\n", "deploy/id_ed25519": PEM}
    said: list[str] = []
    with start(repo, provider=StaticProvider(files)) as session:
        run_phases(session, [phase(1)], "all", said.append, checks=CheckOptions(tests=False))
        assert session.record("architecture").status == "committed"
        assert session.worktree.read("deploy/id_ed25519") is None
        assert session.worktree.read("app/main.py") == "print('hello')\n"
    text = "\n".join(said)
    assert "held back deploy/id_ed25519: a private key at line 1: approve it one by one" in text
    assert "FAIL deploy/id_ed25519:1:1 [secrets] a private key" in text


def test_approve_checked_approves_what_passes_and_says_why_the_rest_is_left(repo, pg_env):
    files = {
        "migrations/0001_users.sql": USERS,
        "migrations/0002_bookmarks.sql": BOOKMARKS_BAD_FK,
        "app/broken.py": "def f(:\n    pass\n",
    }
    with start(repo, provider=StaticProvider(files)) as session:
        generate(session, "data-model")
        approved, left = session.approve_checked()  # nothing checked yet: nothing to go by
        assert approved == [] and set(left.values()) == {"not checked: run the checks first"}
        list(session.check(options=CheckOptions(tests=False)))
        approved, left = session.approve_checked()
        assert approved == ["migrations/0001_users.sql"]
        assert left["app/broken.py"].startswith("python.compile app/broken.py:1:7: SyntaxError")
        assert left["migrations/0002_bookmarks.sql"] == (
            'sql.apply migrations/0002_bookmarks.sql:7:44: ERROR: relation "folders" does not '
            "exist (SQLSTATE 42P01)"
        )


def test_the_offline_provider_has_nothing_to_fix_and_says_so(repo, pg_env):
    with start(repo) as session:
        generate(session, "data-model")
        session.edit("migrations/0001_init.sql", "CREATE TABL x ();\n")
        list(session.check(options=CheckOptions(tests=False)))
        assert "migrations/0001_init.sql:1:8 [sql.parse]" in session.fix_feedback()
        with pytest.raises(BadInput, match="offline generator cannot act on feedback"):
            list(session.fix())
        said: list[str] = []
        run_phases(
            session, [phase(2)], "none", said.append, checks=CheckOptions(tests=False), fix_rounds=2
        )
    assert any(
        "fix round 1: skipped: the offline generator cannot act on feedback" in s for s in said
    )


def test_a_fix_round_sends_the_failures_and_shows_what_changed(repo, pg_env):
    fixed = BOOKMARKS_BAD_FK.replace("REFERENCES folders (id)", "REFERENCES users (id)")
    provider = StaticProvider(
        {"migrations/0001_users.sql": USERS, "migrations/0002_bookmarks.sql": BOOKMARKS_BAD_FK},
        revise=lambda feedback: {
            "migrations/0001_users.sql": USERS,
            "migrations/0002_bookmarks.sql": fixed,
        },
    )
    said: list[str] = []
    with start(repo, provider=provider) as session:
        outcome = run_phases(
            session,
            [phase(1)],
            "checks",
            said.append,
            checks=CheckOptions(tests=False),
            fix_rounds=3,
        )
        assert outcome.committed == ["architecture"]
        assert session.worktree.read("migrations/0002_bookmarks.sql") == fixed
    [feedback] = provider.feedback  # one round was enough
    assert '- migrations/0002_bookmarks.sql:7:44 [sql.apply] ERROR: relation "folders"' in feedback
    text = "\n".join(said)
    assert "fix round 1/3: asking static to fix 2 problems" in text
    assert "changed: migrations/0002_bookmarks.sql" in text
    assert text.count("checks: all passed") == 1
