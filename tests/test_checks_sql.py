"""SQL checks on a real PostgreSQL: syntax errors from PostgreSQL's own parser, semantic
errors from applying the branch's migrations and the proposed ones in order to a throwaway
database — each at file:line:column with the server's message."""

from __future__ import annotations

import textwrap
import threading

import psycopg

from backend_agent.checks import postgres, sql
from backend_agent.core.checks import ChecksDone

from .checks_support import StaticProvider
from .conftest import git
from .helpers import generate, start

USERS = textwrap.dedent(
    """\
    -- the users
    CREATE TABLE users (
        id    bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email text NOT NULL UNIQUE
    );
    """
)
BOOKMARKS_BAD_FK = textwrap.dedent(
    """\
    CREATE TABLE bookmarks (
        id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        url     text NOT NULL
    );

    ALTER TABLE bookmarks
        ADD COLUMN folder_id bigint REFERENCES folders (id);
    """
)


def results(session, path: str) -> dict[str, object]:
    return {r.check: r for r in session.check_results(path)}


def test_a_syntax_error_is_reported_at_line_and_column_with_postgres_words():
    text = "CREATE TABLE a (id int);\n\nCREATE TABL b (id int);\n"
    result, parsed = sql.parse("migrations/0002_b.sql", text)
    assert parsed is None
    assert (result.status, result.line, result.column) == ("fail", 3, 8)
    assert result.message == 'syntax error at or near "TABL"'
    assert result.where("migrations/0002_b.sql") == "migrations/0002_b.sql:3:8"


def test_a_foreign_key_to_a_missing_table_fails_where_the_table_is_named(repo, pg_env):
    provider = StaticProvider(
        {"migrations/0001_users.sql": USERS, "migrations/0002_bookmarks.sql": BOOKMARKS_BAD_FK}
    )
    with start(repo, provider=provider) as session:
        generate(session, "data-model")
        events = list(session.check())
        good = results(session, "migrations/0001_users.sql")
        bad = results(session, "migrations/0002_bookmarks.sql")
        assert good["sql.parse"].status == "pass" and good["sql.apply"].status == "pass"
        applied = bad["sql.apply"]
        assert (applied.status, applied.line, applied.column) == ("fail", 7, 44)
        assert applied.message == 'ERROR: relation "folders" does not exist (SQLSTATE 42P01)'
        [summary] = [r for r in session.record().checks.phase if r.check == "sql.migrations"]
        assert summary.status == "fail"
        assert summary.message.startswith("migrations stop at migrations/0002_bookmarks.sql:7:44")
        done = events[-1]
        assert isinstance(done, ChecksDone)
        assert ("migrations/0002_bookmarks.sql", applied) in done.failures
        # Checks never touch the branch: no commit, no file in the worktree.
        assert git(session.worktree.path, "status", "--porcelain") == ""
        assert not (session.worktree.path / "migrations").exists()


def test_an_unknown_type_is_located_and_later_migrations_are_not_applied(repo, pg_env):
    provider = StaticProvider(
        {
            "migrations/0001_a.sql": "CREATE TABLE a (\n    id int,\n    tint colour NOT NULL\n);\n",
            "migrations/0002_b.sql": "CREATE TABLE b (id int);\n",
        }
    )
    with start(repo, provider=provider) as session:
        generate(session, "data-model")
        list(session.check())
        first = results(session, "migrations/0001_a.sql")["sql.apply"]
        assert (first.status, first.line, first.column) == ("fail", 3, 10)
        assert 'type "colour" does not exist' in first.message
        second = results(session, "migrations/0002_b.sql")["sql.apply"]
        assert second.status == "skipped"
        assert second.message == "not applied: migrations/0001_a.sql failed"


def test_the_branch_migrations_run_first_in_numeric_order(repo, pg_env):
    provider = StaticProvider({"migrations/0001_users.sql": USERS})
    with start(repo, provider=provider) as session:
        generate(session, "architecture")
        session.approve_all()
        session.commit()
        provider.files = {
            "migrations/0010_bookmarks.sql": "CREATE TABLE bookmarks (\n"
            "    id bigint PRIMARY KEY,\n    owner bigint NOT NULL REFERENCES users (id)\n);\n",
            "migrations/0002_index.sql": "CREATE INDEX users_email_idx ON users (email);\n",
        }
        generate(session, "data-model")
        list(session.check())
        for path in provider.files:
            assert results(session, path)["sql.apply"].status == "pass", path
        [summary] = [r for r in session.record().checks.phase if r.check == "sql.migrations"]
        assert summary.status == "pass"
        assert summary.message.endswith("0001_users.sql, 0002_index.sql, 0010_bookmarks.sql")


def test_each_check_gets_a_fresh_database_that_is_dropped_after(repo, pg_env):
    def check_databases() -> list[str]:
        with psycopg.connect(pg_env.admin_url()) as conn:
            rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'ba_check%'")
            return [row[0] for row in rows]

    before = check_databases()
    with start(repo, provider=StaticProvider({"migrations/0001_users.sql": USERS})) as session:
        generate(session, "data-model")
        list(session.check())
        list(session.check())  # a second run: no "relation users already exists"
        assert results(session, "migrations/0001_users.sql")["sql.apply"].status == "pass"
    assert check_databases() == before


def test_without_a_server_sql_is_parsed_only_and_says_so(repo, monkeypatch):
    monkeypatch.setattr(postgres, "shared_server", lambda: None)
    with start(repo, provider=StaticProvider({"migrations/0001_users.sql": USERS})) as session:
        generate(session, "data-model")
        list(session.check())
        found = results(session, "migrations/0001_users.sql")
        assert found["sql.parse"].status == "pass"
        assert found["sql.apply"].status == "skipped"
        assert found["sql.apply"].message.startswith("parsed only: no PostgreSQL available")


def test_a_migration_postgres_refuses_in_a_transaction_is_applied_outside_one(pg_server):
    text = "CREATE TABLE t (x text);\nCREATE INDEX CONCURRENTLY t_x ON t (x);\n"
    _, concurrently = sql.parse("migrations/0001_t.sql", text)
    _, again = sql.parse("migrations/0002_t.sql", "CREATE INDEX t_x ON t (x);\n")
    with pg_server.database() as url:
        found, failed = sql.apply(url, [concurrently, again], threading.Event())
    assert found["migrations/0001_t.sql"].status == "warn"
    assert "outside a transaction" in found["migrations/0001_t.sql"].message
    # It really was applied: the next migration trips over its index.
    assert failed == "migrations/0002_t.sql"
    assert found[failed].message.startswith('ERROR: relation "t_x" already exists')
