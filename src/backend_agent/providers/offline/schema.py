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
    writable: bool = True

    @property
    def sql(self) -> str:
        return sql_ident(self.name)

    @property
    def attr(self) -> str:
        return py_ident(self.api)

    @property
    def required(self) -> bool:
        """Must a create request carry it? (NOT NULL and no default.)"""
        return self.writable and not self.nullable and self.default is None


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
    public_flag: str | None = None
    """Column whose true value makes a row of an owned table readable by anyone."""

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

    @property
    def all_tables(self) -> list[Table]:
        return ([self.users] if self.users else []) + self.tables

    def table(self, entity_name: str) -> Table:
        if entity_name == "User" and self.users:
            return self.users
        return next(t for t in self.tables if t.entity and t.entity.name == entity_name)
