"""The vocabulary of the relational plan: tables, columns, keys, indexes and links.

`plan.build_plan` decides them from a brief; phase 2 writes them as SQL and phases 3-5
write code against them, so every generated file uses the same names and rules.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ...core.brief import Brief, Entity, EntityField, Relation
from .naming import py_ident, sql_ident

URL_MAX = 2048
EMAIL_MAX = 320
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
URL_PATTERN = r"^https?://[^\s]+$"


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def constraint_name(*parts: str) -> str:
    """PostgreSQL truncates identifiers at 63 bytes; keep names unique when that happens."""
    name = "_".join(parts)
    if len(name) <= 63:
        return name
    digest = hashlib.sha1(name.encode()).hexdigest()[:8]
    return f"{name[:54]}_{digest}"


@dataclass(frozen=True)
class ForeignKey:
    column: str
    table: str
    on_delete: str  # CASCADE | RESTRICT | SET NULL
    constraint: str
    target_entity: str


@dataclass(frozen=True)
class Column:
    name: str
    """SQL name, unquoted (use `.sql` in statements)."""
    api: str
    """The name in JSON requests and responses: the brief's own word."""
    kind: str
    """Brief field type, or one of: id, owner, reference, timestamp."""
    sql_type: str
    nullable: bool
    default: str | None = None
    checks: tuple[tuple[str, str], ...] = ()
    """(constraint name, expression) pairs."""
    source: EntityField | None = None
    references: ForeignKey | None = None
    create: bool = True
    """May a create request carry it? (Not for server-set fields, nor a state machine's.)"""
    update: bool = True
    """May an update request carry it? (Not for immutable or server-set fields.)"""
    transitions: tuple[tuple[str, str], ...] = ()
    """(from, to) changes allowed, when the brief gives the field transitions."""

    @property
    def sql(self) -> str:
        return sql_ident(self.name)

    @property
    def attr(self) -> str:
        return py_ident(self.api)

    @property
    def writable(self) -> bool:
        """Does a client write it at all?"""
        return self.create or self.update

    @property
    def required(self) -> bool:
        """Must a create request carry it? (NOT NULL and no default.)"""
        return self.create and not self.nullable and self.default is None

    @property
    def immutable(self) -> bool:
        """Set on create and never changed: the database refuses a change too."""
        return self.create and not self.update

    @property
    def server_set(self) -> bool:
        return self.source is not None and self.source.set_by == "server"


VERBS = ("create", "read", "update", "delete")


@dataclass(frozen=True)
class Access:
    """Who may use each verb on a table: `anyone`, `signed-in`, `owner` or role names."""

    create: frozenset[str]
    read: frozenset[str]
    update: frozenset[str]
    delete: frozenset[str]

    def groups(self, verb: str) -> frozenset[str]:
        return getattr(self, verb)

    def needs_user(self, verb: str) -> bool:
        """Does the verb answer 401 to an anonymous caller?"""
        return "anyone" not in self.groups(verb)

    def per_caller(self, verb: str) -> bool:
        """Does the service decide per caller (owner or role), beyond signed in or not?"""
        return not {"anyone", "signed-in"} & self.groups(verb)

    @property
    def roles(self) -> frozenset[str]:
        out: set[str] = set()
        for verb in VERBS:
            out |= self.groups(verb) - {"anyone", "signed-in", "owner"}
        return frozenset(out)

    @property
    def managers(self) -> frozenset[str]:
        """Groups that may change rows: they see every row they may change."""
        return self.update | self.delete


OPEN = Access(*(frozenset({"anyone"}),) * 4)


@dataclass(frozen=True)
class Index:
    name: str
    columns: tuple[str, ...]
    """Already-quoted column expressions, e.g. ('owner_id', 'created_at DESC')."""
    why: str
    where: str | None = None


@dataclass(frozen=True)
class Unique:
    name: str
    columns: tuple[str, ...]
    brief_columns: tuple[str, ...]


@dataclass
class Table:
    name: str
    entity: Entity | None
    class_name: str
    singular: str
    columns: list[Column] = field(default_factory=list)
    uniques: list[Unique] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    owned: bool = False
    access: Access = OPEN
    public_when: tuple[tuple[str, tuple[str | bool, ...]], ...] = ()
    """(column, values): rows matching every pair are the ones plain readers see."""
    guards: tuple[Column, ...] = ()
    """Columns a trigger guards on UPDATE: immutable ones and those with transitions."""

    @property
    def sql(self) -> str:
        return sql_ident(self.name)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    @property
    def foreign_keys(self) -> list[ForeignKey]:
        return [c.references for c in self.columns if c.references]

    @property
    def fields(self) -> list[Column]:
        """Columns a client writes: the brief's fields and many-to-one references."""
        return [c for c in self.columns if c.writable]

    @property
    def creatable(self) -> list[Column]:
        return [c for c in self.columns if c.create]

    @property
    def updatable(self) -> list[Column]:
        return [c for c in self.columns if c.update]

    def public_sql(self, alias: str | None = None) -> str | None:
        """SQL true for the rows `public_when` makes public; None when it is not set."""
        if not self.public_when:
            return None
        prefix = f"{alias}." if alias else ""
        parts = []
        for name, values in self.public_when:
            column = prefix + self.column(name).sql
            if self.column(name).kind == "bool":
                if len(set(values)) == 1:
                    parts.append(column if values[0] else f"NOT {column}")
            elif len(values) == 1:
                parts.append(f"{column} = {sql_string(str(values[0]))}")
            else:
                parts.append(f"{column} IN ({', '.join(sql_string(str(v)) for v in values)})")
        return " AND ".join(parts) or "TRUE"


@dataclass(frozen=True)
class Link:
    """A many-to-many join table between two tables."""

    name: str
    left: Table
    left_column: str
    right: Table
    right_column: str
    relation: Relation

    @property
    def sql(self) -> str:
        return sql_ident(self.name)


@dataclass
class Plan:
    brief: Brief
    users: Table | None
    tables: list[Table]
    """Entity tables (users excluded) in creation order."""
    links: list[Link]
    deferred: list[tuple[Table, ForeignKey]]
    """Foreign keys added after all tables exist, because the references form a cycle."""
    renamed: list[tuple[str, str, str]]
    """(where, brief name, how it is written) for every reserved word we had to handle."""
    roles: tuple[str, ...] = ()
    """The brief's roles, held in the `user_roles` table."""

    @property
    def all_tables(self) -> list[Table]:
        return ([self.users] if self.users else []) + self.tables

    def table(self, entity_name: str) -> Table:
        if entity_name == "User" and self.users:
            return self.users
        return next(t for t in self.tables if t.entity and t.entity.name == entity_name)
