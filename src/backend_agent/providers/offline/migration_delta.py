"""The migrations that take a database from one brief's schema to the next, safely.

Expand/contract, so the service keeps running while they apply:
* expand (one transaction): renames (a rename is a rename: tables, columns and the
  constraints, indexes and triggers named after them), new tables, new columns added
  nullable with their default set, new checks and foreign keys `NOT VALID`;
* each index on a table that already exists in a file of its own, `CREATE INDEX
  CONCURRENTLY` under the runner's no-transaction marker;
* backfill (one transaction): new required columns filled from their default, the
  constraints validated, then `SET NOT NULL` (proved by a validated check, so no scan
  under an exclusive lock), unique constraints attached to their concurrent indexes;
* contract: dropped tables and columns, in a file the person confirms on its own.
Applying old schema + these files gives the same catalog as the new brief's first
migration (a test compares them on a real server).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...core.migrations import NO_TRANSACTION
from .guards import guard_name, guard_sql, roles_sql
from .phase2 import link_sql, table_sql
from .plan import ROLES_TABLE
from .schema import Column, Index, Plan, Table, Unique, constraint_name, sql_string


@dataclass
class Delta:
    files: list[tuple[str, str]] = field(default_factory=list)
    """(path, SQL) in the order they apply."""
    contract: str | None = None
    """The path of the file that drops data, which the person confirms on its own."""
    notes: list[str] = field(default_factory=list)
    """What the migration does and why, for the evolution's ADR."""

    @property
    def empty(self) -> bool:
        return not self.files


@dataclass
class _Steps:
    expand: list[str] = field(default_factory=list)
    concurrent: list[tuple[str, str]] = field(default_factory=list)
    """(file name part, statement)."""
    backfill: list[str] = field(default_factory=list)
    contract: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def delta(
    old: Plan,
    new: Plan,
    entity_renames: dict[str, str],
    field_renames: dict[tuple[str, str], str],
    first: int,
    what: str,
) -> Delta:
    """The migrations from `old` to `new`, numbered from `first`. `entity_renames` maps a
    new entity name to its old one, `field_renames` (entity, new field) to the old field.
    Tables that already exist may be large: their indexes are built concurrently."""
    steps = _Steps()
    pairs = _pair_tables(old, new, entity_renames)
    kept_old = {ot.name for ot, _ in pairs}
    for ot, nt in pairs:
        if ot.name != nt.name:
            steps.expand.append(f"ALTER TABLE {ot.sql} RENAME TO {nt.sql};")
            steps.notes.append(f"table `{ot.name}` is renamed `{nt.name}` (its rows stay)")
    fresh = [t for t in new.all_tables if t.name not in {nt.name for _, nt in pairs}]
    for ot, nt in pairs:
        _table_changes(ot, nt, entity_renames, field_renames, steps)
    deferred = {(t.name, fk.column) for t, fk in new.deferred}
    for table in fresh:
        steps.expand.append(table_sql(table, deferred))
        steps.notes.append(f"table `{table.name}` is new")
    for table, fk in new.deferred:
        if table in fresh:
            steps.expand.append(
                f"ALTER TABLE {table.sql} ADD CONSTRAINT {fk.constraint}\n"
                f"    FOREIGN KEY ({fk.column}) REFERENCES {fk.table} (id) "
                f"ON DELETE {fk.on_delete};"
            )
    _links(old, new, entity_renames, steps)
    _roles(old, new, steps)
    for ot in old.all_tables:
        if ot.name not in kept_old:
            steps.contract.append(f"DROP TABLE {ot.sql};")
            steps.notes.append(f"table `{ot.name}` is dropped with its rows (contract step)")
    return _files(steps, first, what)


def _pair_tables(old: Plan, new: Plan, renames: dict[str, str]) -> list[tuple[Table, Table]]:
    pairs = []
    for nt in new.all_tables:
        name = nt.entity.name if nt.entity else "User"
        if nt.name == "users":
            name = "User"
        earlier = renames.get(name, name)
        try:
            ot = old.table(earlier) if earlier != "User" or old.users else None
        except StopIteration:
            ot = None
        if ot is not None:
            pairs.append((ot, nt))
    return pairs


def _old_column(
    ot: Table, nt: Table, nc: Column, renames: dict[str, str], fields: dict[tuple[str, str], str]
) -> Column | None:
    if nc.source is not None:
        entity = nt.entity.name if nt.entity else "User"
        wanted = fields.get((entity, nc.name), nc.name)
        return next((c for c in ot.columns if c.source and c.name == wanted), None)
    if nc.kind == "reference" and nc.references:
        target = renames.get(nc.references.target_entity, nc.references.target_entity)
        return next(
            (
                c
                for c in ot.columns
                if c.kind == "reference" and c.references and c.references.target_entity == target
            ),
            None,
        )
    return next((c for c in ot.columns if c.name == nc.name and c.kind == nc.kind), None)


def _suffix(table: Table, column: Column, name: str) -> str:
    prefix = f"{table.name}_{column.name}_"
    return name[len(prefix) :] if name.startswith(prefix) else name


def _table_changes(
    ot: Table,
    nt: Table,
    renames: dict[str, str],
    fields: dict[tuple[str, str], str],
    steps: _Steps,
) -> None:
    t = nt.sql
    matched: set[str] = set()
    guards_changed = False
    for nc in nt.columns:
        oc = _old_column(ot, nt, nc, renames, fields)
        if oc is None:
            _add_column(nt, nc, steps)
            guards_changed |= nc in nt.guards
            continue
        matched.add(oc.name)
        if oc.name != nc.name:
            steps.expand.append(f"ALTER TABLE {t} RENAME COLUMN {oc.sql} TO {nc.sql};")
            steps.notes.append(f"`{nt.name}.{oc.name}` is renamed `{nc.name}` (its values stay)")
            guards_changed |= nc in nt.guards
        _column_changes(ot, oc, nt, nc, steps)
        guards_changed |= (oc.immutable, oc.transitions) != (nc.immutable, nc.transitions)
    for oc in ot.columns:
        if oc.name in matched:
            continue
        if not oc.nullable:
            steps.expand.append(f"ALTER TABLE {t} ALTER COLUMN {oc.sql} DROP NOT NULL;")
        steps.contract.append(f"ALTER TABLE {t} DROP COLUMN {oc.sql};")
        steps.notes.append(
            f"`{nt.name}.{oc.name}` is no longer written (NOT NULL dropped at once); the "
            "column and its data go in the contract step"
        )
        guards_changed |= oc in ot.guards
    if ot.name != nt.name:
        steps.expand.append(f"ALTER TABLE {t} RENAME CONSTRAINT {ot.name}_pkey TO {nt.name}_pkey;")
        steps.expand.append(
            f"ALTER TRIGGER {ot.name}_set_updated_at ON {t} RENAME TO {nt.name}_set_updated_at;"
        )
    if ot.guards and (guards_changed or ot.name != nt.name):
        steps.expand.append(f"DROP TRIGGER {guard_name(ot)} ON {t};")
        steps.expand.append(f"DROP FUNCTION {guard_name(ot)}();")
    if nt.guards and (guards_changed or ot.name != nt.name or not ot.guards):
        steps.expand.append(guard_sql(nt))
    _uniques(ot, nt, renames, fields, steps)
    _indexes(ot, nt, renames, fields, steps)


def _add_column(nt: Table, nc: Column, steps: _Steps) -> None:
    t = nt.sql
    steps.expand.append(f"ALTER TABLE {t} ADD COLUMN {nc.sql} {nc.sql_type};")
    if nc.default is not None:
        steps.expand.append(f"ALTER TABLE {t} ALTER COLUMN {nc.sql} SET DEFAULT {nc.default};")
    for name, expression in nc.checks:
        _add_check(t, name, expression, steps)
    fk = nc.references
    if fk:
        steps.expand.append(
            f"ALTER TABLE {t} ADD CONSTRAINT {fk.constraint}\n"
            f"    FOREIGN KEY ({nc.sql}) REFERENCES {fk.table} (id) ON DELETE {fk.on_delete}"
            " NOT VALID;"
        )
        steps.backfill.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {fk.constraint};")
    if not nc.nullable:
        _not_null(nt, nc, steps)
    steps.notes.append(
        f"`{nt.name}.{nc.name}` is added"
        + (
            f" nullable, backfilled from its default ({nc.default}), then made NOT NULL"
            if not nc.nullable
            else ""
        )
    )


def _add_check(t: str, name: str, expression: str, steps: _Steps) -> None:
    steps.expand.append(f"ALTER TABLE {t} ADD CONSTRAINT {name} CHECK ({expression}) NOT VALID;")
    steps.backfill.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {name};")


def _not_null(nt: Table, nc: Column, steps: _Steps) -> None:
    """Backfill from the default, then NOT NULL proved by a validated check (PostgreSQL 12+
    then skips the scan that would hold an exclusive lock)."""
    t = nt.sql
    proof = constraint_name(nt.name, nc.name, "not_null")
    steps.expand.append(
        f"ALTER TABLE {t} ADD CONSTRAINT {proof} CHECK ({nc.sql} IS NOT NULL) NOT VALID;"
    )
    if nc.default is not None:
        steps.backfill.append(f"UPDATE {t} SET {nc.sql} = {nc.default} WHERE {nc.sql} IS NULL;")
    steps.backfill += [
        f"ALTER TABLE {t} VALIDATE CONSTRAINT {proof};",
        f"ALTER TABLE {t} ALTER COLUMN {nc.sql} SET NOT NULL;",
        f"ALTER TABLE {t} DROP CONSTRAINT {proof};",
    ]


def _column_changes(ot: Table, oc: Column, nt: Table, nc: Column, steps: _Steps) -> None:
    t = nt.sql
    old_checks = {_suffix(ot, oc, n): (n, e) for n, e in oc.checks}
    new_checks = {_suffix(nt, nc, n): (n, e) for n, e in nc.checks}
    for suffix, (name, expression) in new_checks.items():
        before = old_checks.get(suffix)
        if before is None:
            _add_check(t, name, expression, steps)
            continue
        if before[1].replace(oc.sql, nc.sql) != expression:
            steps.expand.append(f"ALTER TABLE {t} DROP CONSTRAINT {before[0]};")
            _add_check(t, name, expression, steps)
        elif before[0] != name:
            steps.expand.append(f"ALTER TABLE {t} RENAME CONSTRAINT {before[0]} TO {name};")
    for suffix, (name, _) in old_checks.items():
        if suffix not in new_checks:
            steps.expand.append(f"ALTER TABLE {t} DROP CONSTRAINT {name};")
    if oc.default != nc.default:
        steps.expand.append(
            f"ALTER TABLE {t} ALTER COLUMN {nc.sql} "
            + (f"SET DEFAULT {nc.default};" if nc.default is not None else "DROP DEFAULT;")
        )
    if oc.nullable and not nc.nullable:
        _not_null(nt, nc, steps)
    elif nc.nullable and not oc.nullable:
        steps.expand.append(f"ALTER TABLE {t} ALTER COLUMN {nc.sql} DROP NOT NULL;")
    ofk, nfk = oc.references, nc.references
    if ofk and nfk:
        if (ofk.table, ofk.on_delete) != (nfk.table, nfk.on_delete):
            steps.expand.append(f"ALTER TABLE {t} DROP CONSTRAINT {ofk.constraint};")
            steps.expand.append(
                f"ALTER TABLE {t} ADD CONSTRAINT {nfk.constraint}\n"
                f"    FOREIGN KEY ({nc.sql}) REFERENCES {nfk.table} (id) "
                f"ON DELETE {nfk.on_delete} NOT VALID;"
            )
            steps.backfill.append(f"ALTER TABLE {t} VALIDATE CONSTRAINT {nfk.constraint};")
        elif ofk.constraint != nfk.constraint:
            steps.expand.append(
                f"ALTER TABLE {t} RENAME CONSTRAINT {ofk.constraint} TO {nfk.constraint};"
            )


def _map_columns(
    ot: Table, nt: Table, renames: dict[str, str], fields: dict[tuple[str, str], str]
) -> dict[str, str]:
    """Old SQL column names to new ones, for comparing keys and indexes."""
    out = {}
    for nc in nt.columns:
        oc = _old_column(ot, nt, nc, renames, fields)
        if oc is not None:
            out[oc.sql] = nc.sql
    return out


def _remap(expression: str, names: dict[str, str]) -> str:
    head, _, rest = expression.partition(" ")
    return (names.get(head, head) + (" " + rest if rest else "")).strip()


def _uniques(ot, nt, renames, fields, steps: _Steps) -> None:
    names = _map_columns(ot, nt, renames, fields)
    t = nt.sql
    before = {tuple(_remap(c, names) for c in u.columns): u for u in ot.uniques}
    for unique in nt.uniques:
        earlier = before.pop(unique.columns, None)
        expression = any("(" in c for c in unique.columns)
        if earlier is not None:
            if earlier.name != unique.name:
                verb = "ALTER INDEX" if expression else f"ALTER TABLE {t} RENAME CONSTRAINT"
                target = f"{earlier.name} RENAME TO" if expression else f"{earlier.name} TO"
                steps.expand.append(f"{verb} {target} {unique.name};")
            continue
        _new_unique(nt, unique, expression, steps)
    for earlier in before.values():
        if any("(" in c for c in earlier.columns):
            steps.concurrent.append(
                (f"drop_{earlier.name}", f"DROP INDEX CONCURRENTLY {earlier.name};")
            )
        else:
            steps.expand.append(f"ALTER TABLE {t} DROP CONSTRAINT {earlier.name};")


def _new_unique(nt: Table, unique: Unique, expression: bool, steps: _Steps) -> None:
    t, columns = nt.sql, ", ".join(unique.columns)
    steps.concurrent.append(
        (unique.name, f"CREATE UNIQUE INDEX CONCURRENTLY {unique.name} ON {t} ({columns});")
    )
    if not expression:
        steps.backfill.append(
            f"ALTER TABLE {t} ADD CONSTRAINT {unique.name} UNIQUE USING INDEX {unique.name};"
        )
    steps.notes.append(f"unique `{unique.name}` is built concurrently, then attached")


def _indexes(ot, nt, renames, fields, steps: _Steps) -> None:
    names = _map_columns(ot, nt, renames, fields)
    before = {(tuple(_remap(c, names) for c in i.columns), _where(i, names)): i for i in ot.indexes}
    for index in nt.indexes:
        earlier = before.pop((index.columns, index.where), None)
        if earlier is not None:
            if earlier.name != index.name:
                steps.expand.append(f"ALTER INDEX {earlier.name} RENAME TO {index.name};")
            continue
        where = f" WHERE {index.where}" if index.where else ""
        body = f"{index.name} ON {nt.sql} ({', '.join(index.columns)}){where};"
        steps.concurrent.append((index.name, f"CREATE INDEX CONCURRENTLY {body}"))
        steps.notes.append(f"index `{index.name}` is built concurrently in a file of its own")
    for earlier in before.values():
        steps.concurrent.append(
            (f"drop_{earlier.name}", f"DROP INDEX CONCURRENTLY {earlier.name};")
        )


def _where(index: Index, names: dict[str, str]) -> str | None:
    if index.where is None:
        return None
    out = index.where
    for a, b in names.items():
        if a != b:
            out = out.replace(a, b)
    return out


def _links(old: Plan, new: Plan, renames: dict[str, str], steps: _Steps) -> None:
    def key(link, mapping):
        left = link.left.entity.name if link.left.entity else "User"
        right = link.right.entity.name if link.right.entity else "User"
        return mapping.get(left, left), mapping.get(right, right)

    before = {key(link, {}): link for link in old.links}
    for link in new.links:
        earlier = before.pop(key(link, renames), None)
        if earlier is None:
            steps.expand.append(link_sql(link))
            steps.notes.append(f"join table `{link.name}` is new")
            continue
        renames_sql = []
        if earlier.name != link.name:
            renames_sql.append(f"ALTER TABLE {earlier.sql} RENAME TO {link.sql};")
        for old_col, new_col in (
            (earlier.left_column, link.left_column),
            (earlier.right_column, link.right_column),
        ):
            if old_col != new_col:
                renames_sql.append(f"ALTER TABLE {link.sql} RENAME COLUMN {old_col} TO {new_col};")
        for a, b in (
            (f"{earlier.name}_{earlier.left_column}_fkey", f"{link.name}_{link.left_column}_fkey"),
            (
                f"{earlier.name}_{earlier.right_column}_fkey",
                f"{link.name}_{link.right_column}_fkey",
            ),
            (f"{earlier.name}_pkey", f"{link.name}_pkey"),
        ):
            if a != b:
                renames_sql.append(f"ALTER TABLE {link.sql} RENAME CONSTRAINT {a} TO {b};")
        old_idx = f"{earlier.name}_{earlier.right_column}_idx"
        new_idx = f"{link.name}_{link.right_column}_idx"
        if old_idx != new_idx:
            renames_sql.append(f"ALTER INDEX {old_idx} RENAME TO {new_idx};")
        steps.expand += renames_sql
    for earlier in before.values():
        steps.contract.append(f"DROP TABLE {earlier.sql};")
        steps.notes.append(f"join table `{earlier.name}` is dropped (contract step)")


def _roles(old: Plan, new: Plan, steps: _Steps) -> None:
    if old.roles == new.roles:
        return
    if not old.roles:
        steps.expand.append(roles_sql(new))
        steps.notes.append(f"table `{ROLES_TABLE}` is new")
        return
    name = f"{ROLES_TABLE}_role_values"
    if not new.roles:
        steps.contract.append(f"DROP TABLE {ROLES_TABLE};")
        return
    values = ", ".join(sql_string(r) for r in new.roles)
    steps.expand.append(f"ALTER TABLE {ROLES_TABLE} DROP CONSTRAINT {name};")
    steps.expand.append(
        f"ALTER TABLE {ROLES_TABLE} ADD CONSTRAINT {name} CHECK (role IN ({values})) NOT VALID;"
    )
    gone = set(old.roles) - set(new.roles)
    if gone:
        steps.contract.append(f"DELETE FROM {ROLES_TABLE} WHERE role NOT IN ({values});")
        steps.contract.append(f"ALTER TABLE {ROLES_TABLE} VALIDATE CONSTRAINT {name};")
        steps.notes.append(
            f"grants of the roles {', '.join(sorted(gone))} are deleted (contract step)"
        )
    else:
        steps.backfill.append(f"ALTER TABLE {ROLES_TABLE} VALIDATE CONSTRAINT {name};")


def _files(steps: _Steps, first: int, what: str) -> Delta:
    out = Delta(notes=steps.notes)
    number = first

    def add(part: str, statements: list[str], header: list[str], marker: bool = False) -> str:
        nonlocal number
        path = f"migrations/{number:04d}_{part}.sql"
        lines = [NO_TRANSACTION] if marker else []
        lines += [f"-- {path}", *[f"-- {h}" for h in header]]
        out.files.append((path, "\n".join([*lines, "", "\n\n".join(statements), ""])))
        number += 1
        return path

    if steps.expand:
        add(
            what,
            steps.expand,
            [
                "Expand, proposed by backend-agent (offline) for a change of the brief.",
                "One transaction: renames, new tables, new columns nullable with their",
                "defaults, new checks and foreign keys NOT VALID (no scan under a lock).",
            ],
        )
    for part, statement in steps.concurrent:
        add(
            f"{what}_{part}"[:60].rstrip("_"),
            [statement],
            [
                "One index, built without blocking writes: the runner applies this file",
                "outside a transaction (the marker above).",
            ],
            marker=True,
        )
    if steps.backfill:
        updates = [s for s in steps.backfill if s.startswith("UPDATE")]
        add(
            f"{what}_backfill"[:60],
            updates + [s for s in steps.backfill if not s.startswith("UPDATE")],
            [
                "Backfill, then constrain: new required columns filled from their",
                "defaults, constraints validated (rows are read, writes go on), NOT NULL",
                "proved by a validated check so it needs no scan.",
            ],
        )
    if steps.contract:
        out.contract = add(
            f"{what}_contract"[:60],
            steps.contract,
            [
                "Contract: drops data. Approve it only when no running code reads",
                "what it drops (the evolution's ADR says what that is).",
            ],
        )
    return out
