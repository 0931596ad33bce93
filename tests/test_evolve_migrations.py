"""The offline generator's migrations for a changed brief: applied after the first one they
give exactly the schema the new brief's first migration gives, keep every row, and pass
the lint."""

from __future__ import annotations

import psycopg
import pytest

from backend_agent.checks.migration_lint import lint
from backend_agent.checks.seed import count, seed
from backend_agent.core.brief import load_brief
from backend_agent.core.brief_diff import diff_briefs
from backend_agent.providers.offline.migration_delta import NO_TRANSACTION, delta
from backend_agent.providers.offline.phase2 import migration_sql
from backend_agent.providers.offline.plan import build_plan

from .conftest import EXAMPLES
from .offline_service_support import BRIEFS
from .schema_catalog import apply_files, catalog, differences


def _delta(after: str):
    before = load_brief(EXAMPLES / "shop.toml")
    brief = load_brief(BRIEFS / f"{after}.toml")
    diff = diff_briefs(before, brief)
    migration = delta(
        build_plan(before),
        build_plan(brief),
        {new: old for old, new in diff.entities_renamed},
        {(f.entity, f.name): f.old_name for f in diff.fields if f.how == "renamed"},
        2,
        "change",
    )
    return before, brief, migration


@pytest.mark.parametrize("after", ["shop_evolved", "shop_reshaped"])
def test_old_schema_plus_the_delta_is_the_new_schema_and_keeps_every_row(pg_server, after):
    before, brief, migration = _delta(after)
    first = [("migrations/0001_init.sql", migration_sql(build_plan(before)))]
    with pg_server.database() as evolved, pg_server.database() as fresh:
        apply_files(evolved, first)
        with psycopg.connect(evolved) as conn:
            seeded = seed(conn)
            conn.commit()
        assert not seeded.problems and all(rows == 3 for _, rows in seeded.rows.values())
        apply_files(evolved, migration.files)
        apply_files(fresh, [("migrations/0001_init.sql", migration_sql(build_plan(brief)))])
        assert differences(catalog(evolved), catalog(fresh)) == {}
        with psycopg.connect(evolved) as conn:
            now = count(conn, list(seeded.rows))
            if after == "shop_evolved":
                weights = conn.execute("SELECT weight_grams FROM products").fetchall()
                assert weights == [(0,)] * 3  # backfilled from the default
                renamed = conn.execute("SELECT count(tracking_number) FROM shipments")
                assert renamed.fetchone() == (3,)  # the values came along
    kept = {oid: found for oid, found in now.items() if found is not None}
    assert {seeded.rows[oid][1] for oid in kept} == {3}
    renamed = {seeded.rows[oid][0]: found[0] for oid, found in kept.items()}
    if after == "shop_reshaped":
        assert renamed["categories"] == "sections"


def test_the_evolved_shop_migration_is_expand_then_backfill_and_lints_clean():
    _, _, migration = _delta("shop_evolved")
    names = [p for p, _ in migration.files]
    assert names[0].startswith("migrations/0002_") and names[-1].endswith("_backfill.sql")
    expand = migration.files[0][1]
    assert "RENAME COLUMN tracking_code TO tracking_number" in expand
    assert "ADD COLUMN weight_grams integer;" in expand and "DROP COLUMN" not in expand
    assert "CREATE TABLE reviews" in expand
    assert migration.contract is None
    assert lint(migration.files) == []


def test_the_reshaped_shop_builds_indexes_concurrently_and_drops_in_a_contract_step():
    _, _, migration = _delta("shop_reshaped")
    concurrent = [sql for _, sql in migration.files if sql.startswith(NO_TRANSACTION)]
    assert concurrent and all(sql.count(";") == 1 for sql in concurrent)
    assert migration.contract is not None and migration.contract.endswith("_contract.sql")
    contract = dict(migration.files)[migration.contract]
    assert "DROP COLUMN description" in contract
    assert [f.rule for f in lint(migration.files)] == ["dropping-data"]


def test_a_deliberately_unsafe_variant_is_reported():
    _, _, migration = _delta("shop_evolved")
    unsafe = migration.files[0][1].replace(
        "ALTER TABLE products ADD COLUMN weight_grams integer;",
        "ALTER TABLE products ADD COLUMN weight_grams integer NOT NULL;\n"
        "CREATE INDEX products_weight_idx ON products (weight_grams);",
    )
    found = lint([(migration.files[0][0], unsafe), *migration.files[1:]])
    assert {f.rule for f in found} == {"adding-required-field", "require-concurrent-index-creation"}
    assert all(f.unsafe for f in found)
