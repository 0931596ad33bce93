"""A database's schema as comparable data (tables, columns, constraints, indexes, triggers,
functions), and migration files applied the way the generated runner applies them."""

from __future__ import annotations

import psycopg

NO_TRANSACTION = "-- migrate: no-transaction"

QUERIES = {
    "columns": """
        SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
               pg_get_expr(d.adbin, d.adrelid)
        FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = 'public' AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
          AND c.relname <> 'schema_migrations'""",
    "constraints": """
        SELECT c.relname, k.conname, k.contype, pg_get_constraintdef(k.oid), k.convalidated
        FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relname <> 'schema_migrations'""",
    "indexes": """
        SELECT tablename, indexname, indexdef FROM pg_indexes
        WHERE schemaname = 'public' AND tablename <> 'schema_migrations'""",
    "triggers": """
        SELECT c.relname, t.tgname, pg_get_triggerdef(t.oid)
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal""",
    "functions": """
        SELECT p.proname, regexp_replace(p.prosrc, '\\s+', ' ', 'g') FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'""",
}


def catalog(url: str) -> dict[str, set[tuple]]:
    with psycopg.connect(url) as conn:
        return {name: set(conn.execute(sql).fetchall()) for name, sql in QUERIES.items()}


def apply_files(url: str, files: list[tuple[str, str]]) -> None:
    """Each file in its own transaction, or outside one under the no-transaction marker."""
    with psycopg.connect(url, autocommit=True) as conn:
        for _path, sql in files:
            if sql.splitlines()[:1] == [NO_TRANSACTION]:
                conn.execute(sql)
            else:
                with conn.transaction():
                    conn.execute(sql)


def differences(a: dict[str, set[tuple]], b: dict[str, set[tuple]]) -> dict[str, tuple]:
    return {k: (sorted(a[k] - b[k]), sorted(b[k] - a[k])) for k in a if a[k] != b[k]}
