"""THE proof of evolving: an offline six-phase build of examples/shop.toml, a hand commit
on its branch (a service file: a new function and a changed line inside a generated one;
a generated test), then `evolve` with a brief that adds a required field, a new entity
with a many-to-one relation and renames a field.

The new migrations apply on a database holding the old schema with rows in every table
(rows kept, the new required column backfilled), the lint finds nothing unsafe (and finds
a deliberately unsafe variant), the hand edits are there byte for byte, and the generated
suite with its new tests passes in the test check.
"""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from backend_agent.checks.migration_lint import lint
from backend_agent.checks.seed import count, seed
from backend_agent.core.brief import load_brief
from backend_agent.core.checks import CheckOptions
from backend_agent.core.phases import PHASES, phase
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider

from .conftest import EXAMPLES, git
from .offline_service_support import BRIEFS
from .schema_catalog import apply_files

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("generated-suites")]

SERVICE = "app/repositories/product.py"
GENERATED_LINE = "    return await cursor.fetchone() is not None\n"
CHANGED_LINE = "    found = await cursor.fetchone()  # kept by hand\n    return found is not None\n"
NEW_FUNCTION = '''

async def count_all(conn: AsyncConnection) -> int:
    """Written by hand: how many products there are, whatever the caller may see."""
    cursor = await conn.execute("SELECT count(*) AS n FROM products")
    row = await cursor.fetchone()
    return row["n"] if row else 0
'''
TEST = "tests/test_products.py"
NEW_TEST = """

def test_written_by_hand_counts_nothing_twice() -> None:
    assert len({"a", "a"}) == 1
"""


def _hand_commit(worktree: Path) -> dict[str, str]:
    service = worktree / SERVICE
    text = service.read_text()
    assert text.count(GENERATED_LINE) == 1
    service.write_text(text.replace(GENERATED_LINE, CHANGED_LINE) + NEW_FUNCTION)
    (worktree / TEST).write_text((worktree / TEST).read_text() + NEW_TEST)
    git(worktree, "commit", "-qam", "my own changes")
    return {SERVICE: service.read_text(), TEST: (worktree / TEST).read_text()}


def test_evolve_keeps_hand_edits_migrates_with_rows_and_passes_the_suite(
    repo, pg_env, tmp_path_factory
):
    say = lambda line: None  # noqa: E731
    old = load_brief(EXAMPLES / "shop.toml")
    with BuildSession.start(repo, old, provider=create_provider("offline")) as session:
        run_phases(session, list(PHASES), "all", say)
        worktree = Path(session.state.worktree)
    before_migrations = sorted(p.name for p in (worktree / "migrations").iterdir())
    mine = _hand_commit(worktree)
    quick = CheckOptions(tests=False)
    environments = tmp_path_factory.mktemp("envs")
    with BuildSession.open(repo) as session:
        evolution = session.evolve(load_brief(BRIEFS / "shop_evolved.toml"))
        assert evolution.phases == [p.id for p in PHASES]
        done = run_phases(
            session, [phase(p) for p in evolution.phases[:2]], "all", say, checks=quick
        )
        assert done.stopped is None, done.stopped
        data_model = session.record("data-model")
        new = [c for c in data_model.proposal.changes if c.path.startswith("migrations/")]
        assert [c.action for c in new] == ["create"] * len(new) and len(new) >= 2
        for change in new:
            results = data_model.checks.files[change.path].results
            lint_results = [r for r in results if r.check == "sql.lint"]
            assert [r.status for r in lint_results] == ["pass"], lint_results
            over_rows = [r for r in results if "holding" in r.message]
            assert over_rows and over_rows[0].status == "pass", results
            assert "every row kept" in over_rows[0].message
        tested = CheckOptions(tests=True, environments=environments)
        done = run_phases(session, [phase("service-layer")], "all", say, checks=tested)
        assert done.stopped is None, done.stopped
        suite = [r for r in session.record("service-layer").checks.phase if r.check == "tests"]
        assert [r.status for r in suite] == ["pass"], suite
        rest = [phase(p) for p in evolution.phases[3:]]
        assert run_phases(session, rest, "all", say).stopped is None
        assert session.state.evolution is None
    # The hand edits, byte for byte.
    service = (worktree / SERVICE).read_text()
    assert CHANGED_LINE in service and service.endswith(NEW_FUNCTION)
    assert "%(weight_grams)s" in service  # and the generator's change beside them
    assert (worktree / TEST).read_text() == mine[TEST]
    assert (worktree / "tests/test_reviews.py").exists()
    # No applied migration was edited; the new ones apply on the old schema with rows.
    migrations = sorted((worktree / "migrations").iterdir())
    first = [p for p in migrations if p.name in before_migrations]
    assert [p.read_text() for p in first] == [
        git(worktree, "show", f"HEAD~7:migrations/{p.name}") for p in first
    ]
    added = [(f"migrations/{p.name}", p.read_text()) for p in migrations if p not in first]
    assert lint(added) == []
    with pg_env.database() as url:
        apply_files(url, [(p.name, p.read_text()) for p in first])
        with psycopg.connect(url) as conn:
            seeded = seed(conn)
            conn.commit()
        apply_files(url, added)
        with psycopg.connect(url) as conn:
            now = count(conn, list(seeded.rows))
            weights = conn.execute("SELECT weight_grams FROM products").fetchall()
            renamed = conn.execute("SELECT count(tracking_number) FROM shipments").fetchone()
    assert all(now[oid][1] == rows for oid, (_, rows) in seeded.rows.items())
    assert weights == [(0,)] * 3  # backfilled from the default
    assert renamed == (3,)  # renamed with its values
    # A deliberately unsafe variant of the same change is reported.
    path, expand = added[0]
    unsafe = expand.replace(
        "ALTER TABLE products ADD COLUMN weight_grams integer;",
        "ALTER TABLE products ADD COLUMN weight_grams integer NOT NULL DEFAULT 0;\n"
        "ALTER TABLE products ALTER COLUMN weight_grams SET NOT NULL;",
    )
    assert unsafe != expand
    assert [f.rule for f in lint([(path, unsafe)])] == ["setting-not-null"]
