"""The migration lint: every rule on the statement that breaks it, with the safe way, and
nothing on what the offline generator writes for an evolution."""

from __future__ import annotations

import pytest

from backend_agent.checks.migration_lint import NO_TRANSACTION, lint, results

EXISTING = "migrations/0002_change.sql"


def _rules(sql: str, path: str = EXISTING) -> list[tuple[int, str]]:
    return [(f.line, f.rule) for f in lint([(path, sql)])]


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("ALTER TABLE products ADD COLUMN w integer NOT NULL;", "adding-required-field"),
        (
            "ALTER TABLE products ADD COLUMN k uuid DEFAULT gen_random_uuid();",
            "adding-field-with-volatile-default",
        ),
        (
            "ALTER TABLE products ADD COLUMN c uuid REFERENCES categories (id);",
            "adding-constraint-with-column",
        ),
        ("ALTER TABLE products ALTER COLUMN w SET NOT NULL;", "setting-not-null"),
        ("ALTER TABLE products ALTER COLUMN w TYPE bigint;", "changing-column-type"),
        ("ALTER TABLE products ADD CONSTRAINT c CHECK (w > 0);", "constraint-missing-not-valid"),
        (
            "ALTER TABLE products ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES x (id);",
            "constraint-missing-not-valid",
        ),
        ("ALTER TABLE products ADD CONSTRAINT u UNIQUE (sku);", "adding-unique-constraint"),
        ("CREATE INDEX i ON products (w);", "require-concurrent-index-creation"),
        ("DROP INDEX i;", "require-concurrent-index-deletion"),
        ("CREATE INDEX CONCURRENTLY i ON products (w);", "concurrently-in-transaction"),
        ("ALTER TABLE products DROP COLUMN w;", "dropping-data"),
        ("DROP TABLE products;", "dropping-data"),
    ],
)
def test_each_rule_names_the_statement(sql, rule):
    assert _rules("-- a comment\n\n" + sql) == [(3, rule)]
    (result,) = results([(EXISTING, sql)])[EXISTING]
    assert result.check == "sql.lint" and rule in result.message and "safe:" in result.message
    assert result.status == ("warn" if rule == "dropping-data" else "fail")


def test_the_safe_forms_pass():
    expand = "\n".join(
        [
            "ALTER TABLE products ADD COLUMN w integer;",
            "ALTER TABLE products ALTER COLUMN w SET DEFAULT 0;",
            "ALTER TABLE products ADD CONSTRAINT w_nn CHECK (w IS NOT NULL) NOT VALID;",
            "ALTER TABLE products ADD CONSTRAINT f FOREIGN KEY (c) REFERENCES x (id) NOT VALID;",
            "ALTER TABLE shipments RENAME COLUMN a TO b;",
            "CREATE TABLE reviews (id uuid PRIMARY KEY, p uuid REFERENCES products (id));",
            "CREATE INDEX reviews_p_idx ON reviews (p);",
        ]
    )
    index = f"{NO_TRANSACTION}\nCREATE INDEX CONCURRENTLY products_w_idx ON products (w);\n"
    backfill = "\n".join(
        [
            "UPDATE products SET w = 0 WHERE w IS NULL;",
            "ALTER TABLE products VALIDATE CONSTRAINT w_nn;",
            "ALTER TABLE products ALTER COLUMN w SET NOT NULL;",
            "ALTER TABLE products DROP CONSTRAINT w_nn;",
            "ALTER TABLE products ADD CONSTRAINT u UNIQUE USING INDEX u;",
        ]
    )
    files = [("m/0002_a.sql", expand), ("m/0003_b.sql", index), ("m/0004_c.sql", backfill)]
    assert lint(files) == []
    assert all(r.status == "pass" for found in results(files).values() for r in found)


def test_set_not_null_needs_the_check_validated_first():
    sql = (
        "ALTER TABLE products ADD CONSTRAINT w_nn CHECK (w IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE products ALTER COLUMN w SET NOT NULL;\n"
    )
    assert _rules(sql) == [(2, "setting-not-null")]


def test_a_no_transaction_file_holds_one_statement():
    sql = f"{NO_TRANSACTION}\nCREATE INDEX CONCURRENTLY a ON t (x);\nCREATE INDEX CONCURRENTLY b ON t (y);\n"
    assert _rules(sql) == [(3, "no-transaction-file-with-several-statements")]
