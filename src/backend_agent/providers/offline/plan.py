"""The relational plan of a brief: every table, column, constraint and index, decided once.

Phase 2 writes it as SQL and phase 3 writes code against it, so both read this one plan
and cannot disagree about a name or a rule. The pieces it is made of are in `schema`.
"""

from __future__ import annotations

import json
from datetime import date, datetime

from ...core.brief import Brief, Entity, EntityField, Relation
from ...core.errors import BadInput
from .naming import plural, py_ident, snake, sql_ident
from .schema import (
    EMAIL_MAX,
    EMAIL_PATTERN,
    URL_MAX,
    URL_PATTERN,
    VERBS,
    Access,
    Column,
    ForeignKey,
    Index,
    Link,
    Plan,
    Table,
    Unique,
    constraint_name,
    sql_string,
)

ROLES_TABLE = "user_roles"


def _literal(value: object, kind: str) -> str:
    if kind == "bool":
        return "TRUE" if value else "FALSE"
    if kind in ("int", "decimal"):
        return str(value)
    if kind == "json":
        return sql_string(json.dumps(value, sort_keys=True)) + "::jsonb"
    if isinstance(value, datetime | date):
        return sql_string(value.isoformat())
    return sql_string(str(value))


def _sql_type(f: EntityField) -> str:
    if f.type == "decimal":
        if f.precision:
            return f"numeric({f.precision}, {f.scale or 0})"
        return "numeric"
    return {
        "string": "text",
        "text": "text",
        "int": "integer",
        "bool": "boolean",
        "date": "date",
        "datetime": "timestamptz",
        "uuid": "uuid",
        "url": "text",
        "email": "text",
        "enum": "text",
        "json": "jsonb",
    }[f.type]


def length_limits(f: EntityField) -> tuple[int | None, int | None]:
    """(min, max) characters of a text-like field: `min`/`max` on string and text fields
    count characters, and url and email fields have a ceiling even when the brief has none."""
    if f.type not in ("string", "text", "url", "email"):
        return None, None
    limit = f.max_length or (
        URL_MAX if f.type == "url" else EMAIL_MAX if f.type == "email" else None
    )
    if f.type in ("string", "text") and f.max is not None:
        limit = min(int(f.max), limit) if limit else int(f.max)
    low = int(f.min) if f.type in ("string", "text") and f.min is not None else None
    return low, limit


def _checks(table: str, f: EntityField) -> tuple[tuple[str, str], ...]:
    col = sql_ident(f.name)
    out: list[tuple[str, str]] = []

    def add(suffix: str, expression: str) -> None:
        out.append((constraint_name(table, f.name, suffix), expression))

    if f.type in ("string", "text") and f.required:
        add("not_blank", f"btrim({col}) <> ''")
    if f.type in ("string", "text", "url", "email"):
        low, limit = length_limits(f)
        if limit:
            add("length", f"char_length({col}) <= {limit}")
        if low is not None:
            add("min_length", f"char_length({col}) >= {low}")
        if f.type == "url":
            add("format", f"{col} ~ {sql_string(URL_PATTERN)}")
        if f.type == "email":
            add("format", f"{col} ~ {sql_string(EMAIL_PATTERN)}")
    elif f.type in ("int", "decimal"):
        if f.min is not None:
            add("min", f"{col} >= {f.min:g}" if isinstance(f.min, float) else f"{col} >= {f.min}")
        if f.max is not None:
            add("max", f"{col} <= {f.max:g}" if isinstance(f.max, float) else f"{col} <= {f.max}")
    elif f.type == "enum":
        values = ", ".join(sql_string(v) for v in f.values or [])
        add("values", f"{col} IN ({values})")
    return tuple(out)


SERVER_FILL = {"datetime": "now()", "date": "current_date", "uuid": "gen_random_uuid()"}


def _field_column(table: str, f: EntityField) -> Column:
    default = None if f.default is None else _literal(f.default, f.type)
    server = f.set_by == "server"
    if server and default is None:
        default = SERVER_FILL[f.type]
    # A field with a default is never NULL: the default fills it when a client omits it.
    nullable = not f.required and default is None
    if f.type == "bool":
        # Three-valued booleans surprise everyone; a flag is false until set.
        nullable, default = False, default or "FALSE"
    moves = tuple((a, b) for a, targets in (f.transitions or {}).items() for b in targets)
    return Column(
        name=f.name,
        api=f.name,
        kind=f.type,
        sql_type=_sql_type(f),
        nullable=nullable,
        default=default,
        checks=_checks(table, f),
        source=f,
        # A state machine's rows start in its default state; clients move them with updates.
        create=not server and f.transitions is None,
        update=not server and not f.immutable,
        transitions=moves,
    )


_RULE = {"cascade": "CASCADE", "restrict": "RESTRICT", "set-null": "SET NULL"}


def _system_columns(name: str) -> tuple[Column, Column, Column]:
    return (
        Column("id", "id", "id", "uuid", False, "gen_random_uuid()", create=False, update=False),
        Column(
            "created_at",
            "created_at",
            "timestamp",
            "timestamptz",
            False,
            "now()",
            create=False,
            update=False,
        ),
        Column(
            "updated_at",
            "updated_at",
            "timestamp",
            "timestamptz",
            False,
            "now()",
            create=False,
            update=False,
        ),
    )


def _users_table(brief: Brief) -> Table:
    table = Table(name="users", entity=brief.entity("User"), class_name="User", singular="user")
    ident, created, updated = _system_columns("users")
    email = Column(
        "email",
        "email",
        "email",
        "text",
        False,
        checks=(
            (constraint_name("users", "email", "format"), f"email ~ {sql_string(EMAIL_PATTERN)}"),
            (constraint_name("users", "email", "length"), f"char_length(email) <= {EMAIL_MAX}"),
        ),
        create=False,
        update=False,
    )
    columns = [ident, email]
    if brief.stack.auth in ("jwt", "session", "api-key"):
        columns.append(
            Column(
                "password_hash",
                "password_hash",
                "secret",
                "text",
                False,
                create=False,
                update=False,
            )
        )
    extra = brief.entity("User")
    for f in extra.fields if extra else []:
        if f.transitions or f.immutable or f.set_by == "server":
            raise BadInput(
                f"User.{f.name}: the offline generator keeps the fields of accounts plain "
                "(no transitions, immutable or set_by); people change them at /auth/me",
                hint=f"drop the rule from User.{f.name}, or keep the value on an entity of "
                "its own owned by the user",
            )
        columns.append(_field_column("users", f))
    table.columns = [*columns, created, updated]
    table.uniques.append(Unique("users_email_key", ("lower(email)",), ("email",)))
    return table


def build_plan(brief: Brief) -> Plan:
    """Decide the relational shape of a brief. Deterministic: same brief, same plan."""
    users = _users_table(brief) if brief.stack.auth != "none" else None
    renamed: list[tuple[str, str, str]] = []
    tables: dict[str, Table] = {}
    for entity in brief.entities:
        if entity.name == "User":
            continue
        singular = snake(entity.name)
        name = plural(singular)
        table = Table(
            name=name,
            entity=entity,
            class_name=entity.name,
            singular=singular,
            owned=entity.owned_by_user,
        )
        table.access, table.public_when = _rules(brief, entity)
        tables[entity.name] = table
    by_name = {**tables, **({"User": users} if users else {})}

    many_to_one: dict[str, list[Relation]] = {}
    for relation in brief.relations:
        if relation.kind == "many-to-one":
            if relation.from_ == "User":
                raise BadInput(
                    f"relation User -> {relation.to}: the offline generator keeps user accounts "
                    "to email, password and the User entity's own fields",
                    hint=f"turn it around: a many-to-one from {relation.to} to User, or a "
                    f"many-to-many between User and {relation.to}",
                )
            many_to_one.setdefault(relation.from_, []).append(relation)

    for entity_name, table in tables.items():
        entity = table.entity
        assert entity is not None
        ident, created, updated = _system_columns(table.name)
        columns = [ident]
        if table.owned:
            fk = ForeignKey(
                "owner_id",
                "users",
                "CASCADE",
                constraint_name(table.name, "owner_id", "fkey"),
                "User",
            )
            columns.append(
                Column(
                    "owner_id",
                    "owner_id",
                    "owner",
                    "uuid",
                    False,
                    references=fk,
                    create=False,
                    update=False,
                )
            )
        for relation in many_to_one.get(entity_name, []):
            target = by_name[relation.to]
            column = f"{target.singular}_id"
            fk = ForeignKey(
                column,
                target.name,
                _RULE[relation.delete_rule],
                constraint_name(table.name, column, "fkey"),
                relation.to,
            )
            columns.append(
                Column(column, column, "reference", "uuid", not relation.required, references=fk)
            )
        columns.extend(_field_column(table.name, f) for f in entity.fields)
        table.columns = [*columns, created, updated]
        table.guards = tuple(c for c in table.columns if c.immutable or c.transitions)
        references = brief.reference_names(entity.name)
        for group in entity.unique:
            api = tuple(references.get(c, c) for c in group)
            # A set naming a relation holds across owners (a seat is sold once, whoever
            # buys it); a set of plain fields holds per owner on owned tables.
            across = any(c in references for c in group)
            cols = (("owner_id",) if table.owned and not across else ()) + api
            table.uniques.append(
                Unique(
                    constraint_name(table.name, *group, "key"),
                    tuple(sql_ident(c) for c in cols),
                    api,
                )
            )
        _plan_indexes(table)
        for f in entity.fields:
            if sql_ident(f.name) != f.name or py_ident(f.name) != f.name:
                renamed.append(
                    (
                        f"{entity.name}.{f.name}",
                        f.name,
                        f"SQL {sql_ident(f.name)}, Python `{py_ident(f.name)}`",
                    )
                )
        if sql_ident(entity.name.lower()) != entity.name.lower():
            renamed.append(
                (
                    f"entity {entity.name}",
                    entity.name,
                    f"table {table.name}, foreign keys {table.singular}_id",
                )
            )

    ordered, deferred = _creation_order(list(tables.values()))
    links = []
    for relation in brief.relations:
        if relation.kind != "many-to-many":
            continue
        left, right = by_name[relation.from_], by_name[relation.to]
        links.append(
            Link(
                name=f"{left.name}_{right.name}",
                left=left,
                left_column=f"{left.singular}_id",
                right=right,
                right_column=f"{right.singular}_id",
                relation=relation,
            )
        )
    roles = tuple(r.name for r in brief.roles)
    if roles and ROLES_TABLE in {t.name for t in ordered}:
        raise BadInput(
            f"an entity's table is named {ROLES_TABLE}, which holds the accounts' roles",
            hint="rename the entity",
        )
    return Plan(
        brief=brief,
        users=users,
        tables=ordered,
        links=links,
        deferred=deferred,
        renamed=renamed,
        roles=roles,
    )


def _rules(brief: Brief, entity: Entity) -> tuple[Access, tuple]:
    """Who may do what with an entity's rows, and which rows plain readers see. An owned
    entity with a bool `is_public` and no rules of its own keeps the v1 convention: its
    public rows are readable by anyone."""
    groups = brief.access(entity)
    public = dict(entity.public_when or {})
    flag = entity.field("is_public")
    if (
        entity.owned_by_user
        and not entity.access
        and not public
        and flag is not None
        and flag.type == "bool"
    ):
        public = {"is_public": [True]}
        groups = {**groups, "read": frozenset({"anyone"})}
    access = Access(**{verb: groups[verb] for verb in VERBS})
    return access, tuple((name, tuple(values)) for name, values in public.items())


def _plan_indexes(table: Table) -> None:
    """An index for every foreign key, every `indexed` field and the list order, unless a
    unique constraint or another index already starts with the same columns."""
    indexes: list[Index] = []

    def covered(first: str) -> bool:
        return any(u.columns[0] == first for u in table.uniques) or any(
            i.columns[0] == first and i.where is None for i in indexes
        )

    if table.owned:
        indexes.append(
            Index(
                constraint_name(table.name, "owner_id", "created_at", "idx"),
                ("owner_id", "created_at DESC", "id DESC"),
                "lists a person's rows newest first (keyset pagination); covers the owner_id "
                "foreign key",
            )
        )
    else:
        indexes.append(
            Index(
                constraint_name(table.name, "created_at", "idx"),
                ("created_at DESC", "id DESC"),
                "lists rows newest first (keyset pagination)",
            )
        )
    public = table.public_sql()
    if public:
        indexes.append(
            Index(
                constraint_name(table.name, "public", "idx"),
                ("created_at DESC", "id DESC"),
                "readers who see only public rows list them newest first",
                where=public,
            )
        )
    for column in table.columns:
        fk = column.references
        if fk and not covered(column.sql):
            indexes.append(
                Index(
                    constraint_name(table.name, column.name, "idx"),
                    (column.sql,),
                    f"foreign key to {fk.table}: joins, and the {fk.on_delete} check when a "
                    f"{fk.table} row is deleted",
                )
            )
    for column in table.columns:
        f = column.source
        if not (f and f.indexed):
            continue
        if public == column.sql:
            continue  # a flag: served by the partial index above
        if table.owned:
            indexes.append(
                Index(
                    constraint_name(table.name, "owner_id", column.name, "idx"),
                    ("owner_id", column.sql),
                    f"`{f.name}` is marked indexed; every query is scoped to the owner first",
                )
            )
        elif not covered(column.sql):
            indexes.append(
                Index(
                    constraint_name(table.name, column.name, "idx"),
                    (column.sql,),
                    f"`{f.name}` is marked indexed in the brief",
                )
            )
    table.indexes = indexes


def _creation_order(tables: list[Table]) -> tuple[list[Table], list[tuple[Table, ForeignKey]]]:
    """Tables in an order where each inline foreign key points at an existing table; keys
    that close a cycle are deferred to ALTER TABLE after every table exists."""
    done: list[Table] = []
    names = {t.name for t in tables}
    created = {"users"}
    deferred: list[tuple[Table, ForeignKey]] = []
    pending = list(tables)
    while pending:
        for table in pending:
            needs = {fk.table for fk in table.foreign_keys if fk.table in names} - {table.name}
            if needs <= created:
                break
        else:
            # A cycle: take the first table and defer its unmet keys.
            table = pending[0]
            for fk in table.foreign_keys:
                if fk.table not in created and fk.table != table.name and fk.table in names:
                    deferred.append((table, fk))
        pending.remove(table)
        done.append(table)
        created.add(table.name)
    return done, deferred
