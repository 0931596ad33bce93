"""The project's own test suite, run on the proposal applied to a scratch copy: failures
traced to the test file and line, output streamed as events, a throwaway database in
DATABASE_URL, cancel and timeout that take the whole process group down."""

from __future__ import annotations

import sys
import textwrap
import threading
import time

import pytest

from backend_agent.core.checks import CheckOptions, CheckOutput
from backend_agent.engine import BuildSession

from .checks_support import StaticProvider
from .conftest import git
from .helpers import generate, start

PYPROJECT = '[project]\nname = "calc"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\n'
CALC = "def add(a, b):\n    return a - b\n"
TEST_CALC = textwrap.dedent(
    """\
    from calc import add


    def test_add():
        total = add(2, 3)
        assert total == 5


    def test_zero():
        assert add(0, 0) == 0
    """
)


def tiny_project(**extra: str) -> dict[str, str]:
    return {
        "pyproject.toml": PYPROJECT,
        "src/calc.py": CALC,
        "tests/test_calc.py": TEST_CALC,
        **extra,
    }


def run_checks(session, **options) -> list:
    return list(session.check(options=CheckOptions(**options)))


def phase_result(session, check: str = "tests"):
    [found] = [r for r in session.record().checks.phase if r.check == check]
    return found


def test_a_failing_generated_test_fails_at_its_line_with_the_output_streamed(repo, pg_env):
    with start(repo, provider=StaticProvider(tiny_project())) as session:
        generate(session, "service-layer")
        events = run_checks(session)
        summary = phase_result(session)
        assert summary.status == "fail" and summary.message.startswith("1 failed, 1 passed")
        [failure] = [r for r in session.check_results("tests/test_calc.py") if r.check == "tests"]
        assert (failure.status, failure.line) == ("fail", 6)
        assert failure.message == "test_add failed: assert -1 == 5"
        output = [e.line for e in events if isinstance(e, CheckOutput)]
        assert any("FAILED tests/test_calc.py::test_add" in line for line in output)
        # The code under test has no failure of its own: only the test file is blamed.
        assert "tests" not in {r.check for r in session.check_results("src/calc.py")}
        # Nothing of the run is left in the worktree.
        assert git(session.worktree.path, "status", "--porcelain", "--ignored") == ""


def test_the_fixed_suite_passes(repo, pg_env):
    files = tiny_project()
    files["src/calc.py"] = CALC.replace("a - b", "a + b")
    with start(repo, provider=StaticProvider(files)) as session:
        generate(session, "service-layer")
        run_checks(session)
        assert phase_result(session).status == "pass"
        assert phase_result(session).message.startswith("2 passed in ")


def test_the_suite_gets_a_throwaway_database_in_database_url(repo, pg_env):
    test_db = textwrap.dedent(
        """\
        import os

        import psycopg


        def test_database():
            with psycopg.connect(os.environ["DATABASE_URL"]) as conn:
                name = conn.execute("SELECT current_database()").fetchone()[0]
            assert name.startswith("ba_tests_")
        """
    )
    with start(repo, provider=StaticProvider({"tests/test_db.py": test_db})) as session:
        generate(session, "service-layer")
        run_checks(session)
        assert phase_result(session).status == "pass", phase_result(session).message


@pytest.mark.parametrize("where", ["tests/test_api.py", "tests/conftest.py"])
def test_a_suite_needing_uninstalled_packages_is_reported_not_run(repo, pg_env, where):
    files = {
        "tests/test_api.py": "def test_x():\n    pass\n",
        where: "import fastapi_not_installed_anywhere\n\n\ndef test_x():\n    pass\n",
    }
    with start(repo, provider=StaticProvider(files)) as session:
        generate(session, "service-layer")
        run_checks(session)
        result = phase_result(session)
        assert result.status == "skipped"
        assert "needs fastapi_not_installed_anywhere" in result.message
        assert "--test-command" in result.message


SLOW = "import time\n\n\ndef test_slow():\n    print('started', flush=True)\n    time.sleep(60)\n"


def test_a_test_run_can_be_cancelled_mid_way(repo, pg_env):
    cancel = threading.Event()
    with start(repo, provider=StaticProvider({"tests/test_slow.py": SLOW})) as session:
        generate(session, "service-layer")
        started = time.monotonic()
        for event in session.check(
            options=CheckOptions(test_command=f"{sys.executable} -u -m pytest -s -q"), cancel=cancel
        ):
            if isinstance(event, CheckOutput) and "started" in event.line:
                cancel.set()
        assert time.monotonic() - started < 20
        result = phase_result(session)
        assert (result.status, result.message) == ("skipped", "cancelled by the person")
        assert session.record().checks.cancelled


def test_a_hanging_suite_is_stopped_at_the_timeout_and_fails(repo, pg_env):
    with start(repo, provider=StaticProvider({"tests/test_slow.py": SLOW})) as session:
        generate(session, "service-layer")
        started = time.monotonic()
        run_checks(session, test_timeout=2)
        assert time.monotonic() - started < 20
        result = phase_result(session)
        assert result.status == "fail" and "timed out after 2 s" in result.message


def test_a_custom_test_command_is_judged_by_its_exit_code(repo, pg_env):
    with start(repo, provider=StaticProvider({"Makefile": "test:\n\tfalse\n"})) as session:
        generate(session, "service-layer")
        run_checks(session, test_command="sh -c 'echo one; echo two; exit 3'")
        result = phase_result(session)
        assert result.status == "fail"
        assert result.message == "`sh -c 'echo one; echo two; exit 3'` exited with 3: one | two"
        run_checks(session, test_command="true")
        assert phase_result(session).status == "pass"


def test_quick_checks_leave_the_suite_alone(repo, pg_env):
    with start(repo, provider=StaticProvider(tiny_project())) as session:
        generate(session, "service-layer")
        events = run_checks(session, tests=False)
        assert not [e for e in events if isinstance(e, CheckOutput)]
        assert "tests" not in {r.check for r in session.record().checks.phase}


def test_the_test_command_given_once_is_the_builds_from_then_on(repo, pg_env):
    with start(repo, provider=StaticProvider({"Makefile": "test:\n\tfalse\n"})) as session:
        generate(session, "service-layer")
        run_checks(session, test_command="sh -c 'exit 4'")
    with BuildSession.open(repo) as again:  # e.g. the wizard, later
        assert again.state.test_command == "sh -c 'exit 4'"
        run_checks(again)
        assert phase_result(again).message.startswith("`sh -c 'exit 4'` exited with 4")
        run_checks(again, test_command="")  # back to finding pytest: there is no suite
        assert again.state.test_command is None
        assert phase_result(again).message.startswith("no test suite in the project yet")


def test_a_test_command_running_pytest_is_traced_to_files_like_the_default(repo, pg_env):
    command = f"{sys.executable} -m pytest -x"
    with start(repo, provider=StaticProvider(tiny_project())) as session:
        generate(session, "service-layer")
        run_checks(session, test_command=command)
        [failure] = [r for r in session.check_results("tests/test_calc.py") if r.check == "tests"]
        assert (failure.status, failure.line) == ("fail", 6)
    with start(repo, provider=StaticProvider({"app/x.py": "X = 1\n"}), build="other") as session:
        generate(session, "service-layer")
        run_checks(session, test_command=command)  # no tests yet: not a failure
        assert phase_result(session).status == "warn"
        assert phase_result(session).message == "pytest collected no tests"
