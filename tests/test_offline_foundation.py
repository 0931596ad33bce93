"""Offline phases 1-2: documents specific to the brief, and a schema PostgreSQL accepts."""

from __future__ import annotations

import re
from datetime import date

import psycopg
import pytest

from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.phases import phase
from backend_agent.providers.base import ProposalRequest
from backend_agent.providers.offline import OfflineProvider
from backend_agent.providers.offline.phase2 import migration_sql
from backend_agent.providers.offline.plan import build_plan

from .conftest import EXAMPLES

DAY = date(2026, 1, 15)


class Branch:
    """A branch reader over a dict, as the engine's worktree would be."""

    def __init__(self, files: dict[str, str] | None = None) -> None:
        self.content = files or {}

    def files(self) -> list[str]:
        return sorted(self.content)

    def read_many(self, paths):
        return {p: self.content[p] for p in paths if p in self.content}


def propose(brief, phase_id: str, branch: Branch | None = None):
    request = ProposalRequest(
        phase=phase(phase_id),
        brief=brief,
        build=brief.project.name,
        branch=branch or Branch(),
        started=DAY,
    )
    return list(OfflineProvider().propose(request))[-1].proposal


def files(brief, phase_id: str, branch: Branch | None = None) -> dict[str, str]:
    return {c.path: c.content for c in propose(brief, phase_id, branch).changes}


TRICKY = """
[project]
name = "tricky"
summary = "Reserved words, cycles and every delete rule"
[stack]
auth = "api-key"
[[entities]]
name = "Order"
owned_by_user = true
fields = [
  { name = "from", type = "string", max_length = 20 },
  { name = "class", type = "enum", values = ["a", "b"], default = "a" },
  { name = "select", type = "int", min = 0 },
  { name = "json", type = "json" },
  { name = "when", type = "datetime" },
]
[[entities]]
name = "Group"
fields = [ { name = "user", type = "email", required = true } ]
[[entities]]
name = "Person"
fields = [ { name = "table", type = "decimal", precision = 6, scale = 3, max = 999.5 } ]
[[entities]]
name = "User"
fields = [ { name = "display_name", type = "string", max_length = 80 } ]
[[relations]]
kind = "many-to-one"
from = "Order"
to = "Group"
on_delete = "set-null"
[[relations]]
kind = "many-to-one"
from = "Group"
to = "Person"
required = true
on_delete = "cascade"
[[relations]]
kind = "many-to-one"
from = "Person"
to = "Order"
[[relations]]
kind = "many-to-one"
from = "Order"
to = "User"
required = true
on_delete = "restrict"
[[relations]]
kind = "many-to-many"
from = "Person"
to = "Group"
"""


@pytest.mark.parametrize("name", ["bookmarks", "shop"])
def test_phase1_writes_requirements_architecture_and_madr_adrs(name):
    brief = load_brief(EXAMPLES / f"{name}.toml")
    out = files(brief, "architecture")
    assert {"docs/requirements.md", "docs/architecture.md"} <= set(out)
    adrs = sorted(p for p in out if p.startswith("docs/adr/"))
    assert [p[9:13] for p in adrs] == ["0001", "0002", "0003", "0004"]
    assert adrs[0] == "docs/adr/0001-record-architecture-decisions.md"
    for path in adrs:
        text = out[path]
        assert text.startswith("---\nstatus: accepted\ndate: 2026-01-15\n")
        for section in (
            "## Context and Problem Statement",
            "## Considered Options",
            "## Decision Outcome",
            "### Consequences",
        ):
            assert section in text, (path, section)
    # Specific to the brief: its entities and targets, not a template with a name swapped.
    for entity in brief.entities:
        assert entity.name in out["docs/requirements.md"]
    if brief.targets.p99_latency_ms:
        assert f"{brief.targets.p99_latency_ms} ms" in out["docs/requirements.md"]


def test_architecture_choice_follows_the_brief():
    bookmarks = files(load_brief(EXAMPLES / "bookmarks.toml"), "architecture")
    shop = files(load_brief(EXAMPLES / "shop.toml"), "architecture")
    assert "docs/adr/0002-use-monolith.md" in bookmarks
    assert "docs/adr/0002-use-modular-monolith.md" in shop
    assert "the brief asks for a modular monolith" in shop["docs/adr/0002-use-modular-monolith.md"]
    assert "43 minutes of downtime" in bookmarks["docs/requirements.md"]  # 99.9% of 30 days


def test_adr_numbering_continues_after_the_branch():
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    branch = Branch({f"docs/adr/000{n}-x.md": "" for n in range(1, 5)})
    out = files(brief, "data-model", branch)
    assert sorted(p for p in out if p.startswith("docs/adr/")) == [
        "docs/adr/0005-schema-conventions.md",
        "docs/adr/0006-forward-only-sql-migrations.md",
    ]


def test_the_same_brief_gives_byte_identical_files():
    brief = load_brief(EXAMPLES / "shop.toml")
    for phase_id in ("architecture", "data-model"):
        assert files(brief, phase_id) == files(load_brief(EXAMPLES / "shop.toml"), phase_id)


def test_offline_generator_says_clearly_that_it_needs_entities():
    from backend_agent.core.errors import BadInput

    brief = parse_brief('[project]\nname = "empty"\n')
    with pytest.raises(BadInput, match=r"needs \[\[entities\]\]"):
        propose(brief, "architecture")


def apply(pg_server, sql: str) -> dict:
    """Apply a migration to a fresh database and read back what PostgreSQL made of it."""
    with pg_server.database() as url, psycopg.connect(url) as conn:
        conn.execute(sql)
        fks = conn.execute(
            """
            SELECT c.conrelid::regclass::text, a.attname, c.confdeltype
            FROM pg_constraint c JOIN pg_attribute a
              ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
            WHERE c.contype = 'f'
            """
        ).fetchall()
        index_heads = conn.execute(
            """
            SELECT i.indrelid::regclass::text, a.attname
            FROM pg_index i JOIN pg_attribute a
              ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
            """
        ).fetchall()
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
            )
        ]
        return {"fks": fks, "index_heads": set(index_heads), "tables": tables, "conn_url": url}


@pytest.mark.parametrize("name", ["bookmarks", "shop"])
def test_phase2_migration_applies_and_indexes_every_foreign_key(pg_server, name):
    brief = load_brief(EXAMPLES / f"{name}.toml")
    out = files(brief, "data-model")
    assert set(out) >= {"migrations/0001_init.sql", "docs/data-model.md"}
    found = apply(pg_server, out["migrations/0001_init.sql"])
    for table, column, _ in found["fks"]:
        assert (table, column) in found["index_heads"], f"no index on {table}.{column}"
    expected = {"users"} | {t.name for t in build_plan(brief).tables}
    assert expected <= set(found["tables"])
    if name == "bookmarks":
        assert "bookmarks_tags" in found["tables"]
        rules = {(t, c): rule for t, c, rule in found["fks"]}
        assert rules[("bookmarks", "owner_id")] == "c"  # ON DELETE CASCADE


def test_reserved_words_cycles_and_delete_rules_apply(pg_server):
    brief = parse_brief(TRICKY)
    sql = migration_sql(build_plan(brief))
    found = apply(pg_server, sql)
    rules = {(t, c): rule for t, c, rule in found["fks"]}
    assert rules[("orders", "group_id")] == "n"  # SET NULL
    assert rules[("groups", "person_id")] == "c"  # CASCADE
    assert rules[("orders", "user_id")] == "r"  # RESTRICT
    assert rules[("people", "order_id")] == "n"  # optional relation defaults to SET NULL
    assert {"orders", "groups", "people", "people_groups", "api_keys"} <= set(found["tables"])
    for word in ("from", "select", "table", "user", "when"):
        assert f'"{word}"' in sql, word
    assert '"class"' not in sql  # reserved in Python, not in SQL
    assert re.search(r"ALTER TABLE \w+ ADD CONSTRAINT", sql), "the cycle needs a deferred key"
    data_model = files(brief, "data-model")
    adr = next(v for k, v in data_model.items() if "reserved-words" in k)
    assert "`from`" in adr and "`class`" in adr


def test_constraints_from_the_brief_hold_in_the_database(pg_server):
    brief = load_brief(EXAMPLES / "shop.toml")
    sql = migration_sql(build_plan(brief))
    with pg_server.database() as url, psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql)
        user = conn.execute(
            "INSERT INTO users (email, password_hash) VALUES ('a@b.co', 'x') RETURNING id"
        ).fetchone()[0]
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO users (email, password_hash) VALUES ('A@B.CO', 'x')")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute("INSERT INTO products (sku, name, price) VALUES ('s', 'n', -1)")
        with pytest.raises(psycopg.errors.CheckViolation):
            conn.execute(
                "INSERT INTO products (sku, name, price, status) VALUES ('s', 'n', 1, 'gone')"
            )
        product = conn.execute(
            "INSERT INTO products (sku, name, price) VALUES ('s', 'n', 1.5) RETURNING id, status"
        ).fetchone()
        assert product[1] == "draft"
        order = conn.execute(
            "INSERT INTO orders (owner_id) VALUES (%s) RETURNING id", (user,)
        ).fetchone()[0]
        conn.execute(
            "INSERT INTO order_items (owner_id, order_id, product_id, quantity, unit_price) "
            "VALUES (%s, %s, %s, 2, 1.5)",
            (user, order, product[0]),
        )
        with pytest.raises(psycopg.errors.ForeignKeyViolation):
            conn.execute("DELETE FROM products")  # RESTRICT: it was ordered
        conn.execute(
            'INSERT INTO shipments (owner_id, order_id, carrier, "from") '
            "VALUES (%s, %s, 'dhl', 'Berlin')",
            (user, order),
        )
        conn.execute("DELETE FROM orders")
        assert conn.execute("SELECT count(*) FROM order_items").fetchone()[0] == 0  # CASCADE
        assert conn.execute("SELECT order_id FROM shipments").fetchone()[0] is None  # SET NULL
