"""The checks in the wizard: run on sight in a worker, a mark beside each file and the
results in a panel, re-run for a file after an in-place edit, test output streamed into a
log, escape cancels, approve-all leaves a file with a secret, and "ask to fix" explains
why the offline generator cannot."""

from __future__ import annotations

from textual.widgets import Log, Static

from backend_agent.ui.widgets.file_list import FileList

from .checks_support import StaticProvider
from .helpers import generate, start
from .test_checks_engine import PEM
from .test_checks_sql import BOOKMARKS_BAD_FK, USERS
from .test_checks_testrun import tiny_project
from .wizard_support import SIZE, settle, wizard

BAD = "migrations/0002_bookmarks.sql"


def proposed(repo, files: dict[str, str], phase: str = "data-model") -> None:
    with start(repo, provider=StaticProvider(files)) as session:
        generate(session, phase)


async def select_path(pilot, path: str) -> None:
    files = pilot.app.screen.query_one(FileList)
    ids = [files.get_option_at_index(i).id for i in range(files.option_count)]
    files.highlighted = ids.index(path)
    await pilot.pause()


def panel(app) -> str:
    return str(app.screen.query_one("#checks", Static).render())


def prompt(app, path: str) -> str:
    return str(app.screen.query_one(FileList).get_option(path).prompt)


async def test_results_beside_each_file_and_approve_all_leaving_the_secret(repo, pg_env):
    proposed(repo, {"migrations/0001_users.sql": USERS, BAD: BOOKMARKS_BAD_FK, "deploy/key": PEM})
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)  # the checks ran on sight, in a worker
        assert "✗1" in prompt(app, BAD) and "✗1" in prompt(app, "deploy/key")
        assert "●" in prompt(app, "migrations/0001_users.sql")
        await select_path(pilot, BAD)
        text = panel(app)
        assert "Checks: 3 failed" in text
        assert f"sql.apply  {BAD}:7:44" in text and 'relation "folders" does not exist' in text
        await pilot.press("A")
        await settle(pilot)
        record = app.session.record()
        states = {c.path: record.review(c.path).state(c) for c in record.proposal.changes}
        assert states == {
            "migrations/0001_users.sql": "approved",
            BAD: "approved",
            "deploy/key": "pending",
        }
        assert any("Not approved with the rest" == n.title for n in app._notifications)


async def test_an_edit_is_checked_again_after_a_pause(repo, pg_env):
    proposed(repo, {"migrations/0001_users.sql": USERS})
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_path(pilot, "migrations/0001_users.sql")
        assert "Checks: all passed" in panel(app)
        await pilot.press("e")
        await pilot.pause()
        editor = app.screen.query_one("#editor")
        editor.move_cursor(editor.document.end)
        await pilot.press(*"SELEC 1;")
        await pilot.pause(0.6)  # the edit is saved…
        assert "○" in prompt(app, "migrations/0001_users.sql")
        await pilot.pause(1.2)  # …and checked again
        await settle(pilot)
        await pilot.press("escape")
        await settle(pilot)
        text = panel(app)
        assert "sql.parse  migrations/0001_users.sql:6:1" in text
        assert 'syntax error at or near "SELEC"' in text


async def test_test_output_is_one_line_until_opened_and_stays_open(repo, pg_env):
    proposed(repo, tiny_project(), phase="architecture")
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.screen.query_one("#check-log", Log)
        assert any("FAILED tests/test_calc.py::test_add" in line for line in log.lines)
        line = str(app.screen.query_one("#test-line", Static).render())
        assert line.startswith("Test output: 1 failed, 1 passed") and "(o shows it)" in line
        assert not log.display  # the diff keeps the room on a small terminal
        await select_path(pilot, "tests/test_calc.py")
        assert "tests  tests/test_calc.py:6" in panel(app)
        assert app.screen.query_one("#diff").size.height >= 10
        await pilot.press("o")
        await pilot.pause()
        assert log.display and "(o hides it)" in str(app.screen.query_one("#test-line").render())
        await pilot.press("n", "p")  # another phase and back: still wanted open
        await settle(pilot)
        assert app.screen.pane.checks.output_open


SLOW = "import time\n\n\ndef test_slow():\n    print('started', flush=True)\n    time.sleep(60)\n"


async def test_escape_cancels_the_running_checks(repo, pg_env):
    proposed(repo, {"tests/test_slow.py": SLOW}, phase="architecture")
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(400):
            await pilot.pause(0.05)
            if app.screen.query("#checks") and "running pytest" in panel(app):
                break
        assert "running pytest" in panel(app)
        await pilot.pause(0.5)  # the suite is running its slow test
        await pilot.press("escape")
        await settle(pilot)
        [result] = [r for r in app.session.record().checks.phase if r.check == "tests"]
        assert result.status == "skipped" and result.message == "cancelled by the person"
        assert "Checks: cancelled" in panel(app)


async def test_ask_to_fix_with_the_offline_provider_says_why_not(repo, pg_env):
    with start(repo) as session:
        generate(session, "data-model")
        session.edit("migrations/0001_init.sql", "CREATE TABL x ();\n")
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await pilot.pause()
        assert any(
            "offline generator cannot act on feedback" in n.message for n in app._notifications
        )
        assert app.session.record().rounds == 1  # nothing was regenerated
