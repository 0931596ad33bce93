"""Honest check decisions: the headline counts failures, warnings and checks that did not
run ("all passed" only when all did), a phase shows its stored results with their age
after a resume or an undo, and "no suite yet" is not a check that failed to run."""

from __future__ import annotations

from datetime import timedelta

from backend_agent.core.checks import NO_SUITE, CheckResult
from backend_agent.engine import checking

from .checks_support import StaticProvider
from .helpers import generate, start
from .test_checks_sql import USERS
from .test_wizard_checks import panel
from .wizard_support import SIZE, settle, wizard

BROKEN = {
    "app/a.py": "import os\n",  # F401: broken, a failure
    "app/b.py": "import sys, os\n\nprint(sys, os)\n",  # E401: style, a warning
    "tests/test_a.py": "import module_nobody_installed as m\n\n\ndef test_a():\n    assert m\n",
}


def test_the_headline_counts_failures_warnings_and_what_did_not_run(repo, pg_env):
    with start(repo, provider=StaticProvider(BROKEN)) as session:
        generate(session, "service-layer")
        list(session.check())
        record = session.record()
        assert checking.headline(record) == "1 failed, 1 warning, tests not run"
        passing, left = checking.sort_by_checks(record)
        assert passing == []
        assert left["app/b.py"].startswith("checks did not run: tests: not run: the suite needs")
        assert checking.stored_status(record).endswith("(checked just now)")


def test_all_passed_means_every_check_that_applies_ran_and_passed(repo, pg_env):
    with start(repo, provider=StaticProvider({"migrations/0001_users.sql": USERS})) as session:
        generate(session, "data-model")
        list(session.check())
        record = session.record()
        assert [r.message for r in record.checks.phase if r.check == "tests"] == [NO_SUITE]
        assert checking.headline(record) == "all passed"
        assert checking.sort_by_checks(record)[0] == ["migrations/0001_users.sql"]
        record.checks.phase.append(CheckResult(check="tests", status="skipped", message="x"))
        assert checking.headline(record) == "tests not run"


async def test_the_wizard_shows_stored_results_with_their_age_after_a_resume(repo, pg_env):
    with start(repo, provider=StaticProvider({"migrations/0001_users.sql": USERS})) as session:
        generate(session, "data-model")
        list(session.check())
        record = session.record()
        record.checks.finished -= timedelta(minutes=7)
        session.save()
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Checks: all passed (checked 7 min ago)" in panel(app)
        assert "not run yet" not in panel(app)
