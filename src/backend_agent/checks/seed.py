"""A few rows in every table of a database, whatever its schema: what a new migration meets
in production, so a check can prove it keeps them (and fills what it makes required).

Values are tried per column type, with the enum values a CHECK lists; a row a constraint
refuses is retried with the next candidate for the columns of that constraint. Foreign
keys take the id of a row seeded earlier (tables are seeded parents first).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

ROWS = 3
ATTEMPTS = 40
_QUOTED = re.compile(r"'((?:[^']|'')*)'")

TABLES = """
SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname <> 'schema_migrations'
ORDER BY c.relname"""
COLUMNS = """
SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, a.atthasdef, a.attnum
FROM pg_attribute a WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum"""
CONSTRAINTS = """
SELECT conname, contype, conkey, confrelid, pg_get_constraintdef(oid)
FROM pg_constraint WHERE conrelid = %s"""


@dataclass
class _Column:
    name: str
    type: str
    nullable: bool
    defaulted: bool
    number: int
    candidates: list[object] = field(default_factory=list)
    parent: int | None = None
    """The table a foreign key on this column points at."""
    choice: int = 0


@dataclass
class Seeded:
    rows: dict[int, tuple[str, int]]
    """Table oid → (name, rows it holds)."""
    problems: list[str]


def seed(conn, per_table: int = ROWS) -> Seeded:
    """Insert up to `per_table` rows into every table (in a transaction the caller commits)."""
    tables = dict(conn.execute(TABLES).fetchall())
    parents: dict[int, set[int]] = {}
    columns: dict[int, list[_Column]] = {}
    owners: dict[int, dict[str, list[int]]] = {}
    for oid in tables:
        cols = [_Column(n, t, not nn, d, num) for n, t, nn, d, num in conn.execute(COLUMNS, (oid,))]
        by_number = {c.number: c for c in cols}
        owners[oid] = {}
        for name, kind, keys, target, definition in conn.execute(CONSTRAINTS, (oid,)):
            owners[oid][name] = list(keys or [])
            if kind == "f" and keys and len(keys) == 1:
                by_number[keys[0]].parent = target
                if target != oid:
                    parents.setdefault(oid, set()).add(target)
            if kind == "c" and keys and len(keys) == 1:
                values = [v.replace("''", "'") for v in _QUOTED.findall(definition)]
                by_number[keys[0]].candidates += values
        columns[oid] = cols
    ids: dict[int, list[object]] = {}
    problems: list[str] = []
    for oid in _parents_first(list(tables), parents):
        made = 0
        for row in range(per_table):
            if _insert(conn, tables[oid], columns[oid], owners[oid], ids, row, oid):
                made += 1
        if made == 0:
            problems.append(f"could not seed {tables[oid]}")
    counts = {
        oid: (name, conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0])
        for oid, name in tables.items()
    }
    return Seeded(counts, problems)


def count(conn, oids: list[int]) -> dict[int, tuple[str, int] | None]:
    """The rows of each table now, by oid (renames keep it); None for a dropped table."""
    names = dict(conn.execute(TABLES).fetchall())
    return {
        oid: (names[oid], conn.execute(f'SELECT count(*) FROM "{names[oid]}"').fetchone()[0])
        if oid in names
        else None
        for oid in oids
    }


def _parents_first(oids: list[int], parents: dict[int, set[int]]) -> list[int]:
    done: list[int] = []
    pending = list(oids)
    while pending:
        ready = [o for o in pending if parents.get(o, set()) <= set(done)] or pending[:1]
        for oid in ready:
            pending.remove(oid)
            done.append(oid)
    return done


def _values(column: _Column, row: int, ids: dict[int, list[object]]) -> list[object]:
    """Candidates for a column: every column without a default gets a value, so a rename
    or a backfill meets real data; a nullable one falls back to NULL."""
    found = _candidates(column, row, ids)
    return found + [None] if column.nullable and None not in found else found


def _candidates(column: _Column, row: int, ids: dict[int, list[object]]) -> list[object]:
    if column.parent is not None:
        return ids.get(column.parent, [])[row:] + ids.get(column.parent, [])[:row] or [None]
    kind = column.type
    if kind.startswith(("text", "character")):
        base = [f"seed{row}", f"seed{row}@example.com", f"https://example.com/seed{row}"]
        return column.candidates + base
    if kind in ("integer", "bigint", "smallint"):
        return [row + 1, 1, 0, 100]
    if kind.startswith("numeric"):
        return ["1.00", "0", "100"]
    if kind == "boolean":
        return [False, True]
    if kind == "date":
        return [f"2024-01-{row + 1:02d}"]
    if kind.startswith("timestamp"):
        return [f"2024-01-{row + 1:02d} 12:00:00+00"]
    if kind in ("json", "jsonb"):
        return ["{}"]
    if kind == "uuid":
        return [f"00000000-0000-4000-8000-{row:012d}"]
    return [None]


def _insert(conn, table, columns, owners, ids, row, oid) -> bool:
    import psycopg

    wanted = [c for c in columns if not c.defaulted or c.parent is not None]
    for c in wanted:
        c.choice = 0
    for _ in range(ATTEMPTS):
        values = {}
        for c in wanted:
            options = _values(c, row, ids)
            values[c.name] = options[c.choice % len(options)]
        names = ", ".join(f'"{n}"' for n in values)
        marks = ", ".join(["%s"] * len(values))
        query = (
            f'INSERT INTO "{table}" ({names}) VALUES ({marks}) RETURNING *'
            if values
            else f'INSERT INTO "{table}" DEFAULT VALUES RETURNING *'
        )
        try:
            with conn.transaction():
                inserted = conn.execute(query, list(values.values())).fetchone()
        except psycopg.errors.IntegrityError as error:
            if not _next_choice(error, wanted, owners, row):
                return False
            continue
        except psycopg.Error:
            return False
        key = next((c for c in columns if c.name == "id"), None)
        if key is not None:
            ids.setdefault(oid, []).append(inserted[key.number - 1])
        return True
    return False


def _next_choice(error, wanted: list[_Column], owners: dict[str, list[int]], row: int) -> bool:
    """Move on the candidates of the columns the refusing constraint covers."""
    keys = owners.get(error.diag.constraint_name or "", [])
    moved = [c for c in wanted if c.number in keys] or wanted
    for c in moved:
        c.choice += 1
    return any(c.choice < 12 for c in moved)
