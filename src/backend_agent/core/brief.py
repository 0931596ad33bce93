"""The build brief (`backend-brief.toml`): what a person tells the agent about the backend.

Loading is strict — unknown keys, wrong types and bad names are errors that name the key
and the line — because a silently ignored typo becomes a wrong backend much later.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator

from .brief_access import ROLE_NAME, Access, Role, check_access, effective_access
from .brief_fields import (
    ENTITY_NAME,
    FIELD_NAME,
    FIELD_TYPES,
    IMPLIED_COLUMNS,
    PROJECT_NAME,
    BriefRuleError,
    EntityField,
    FieldType,
)
from .brief_fields import Strict as _Strict
from .brief_limits import check_counts, check_depth, check_size, nested_too_deep, read_limited
from .brief_rules import required_cycle
from .errors import BadInput
from .toml_locate import locate

__all__ = [
    "ENTITY_NAME",
    "FIELD_NAME",
    "FIELD_TYPES",
    "IMPLIED_COLUMNS",
    "PROJECT_NAME",
    "ROLE_NAME",
    "Access",
    "Brief",
    "BriefRuleError",
    "Entity",
    "EntityField",
    "FieldType",
    "Relation",
    "Role",
    "effective_access",
]


class Project(_Strict):
    name: str
    summary: str = ""
    requirements: str = ""

    @model_validator(mode="after")
    def _name(self) -> Project:
        if not PROJECT_NAME.match(self.name):
            raise BriefRuleError(
                f"project name {self.name!r} is not a slug: use 2-40 lower-case letters, digits "
                "and hyphens, starting with a letter (it names the branch backend-agent/<name>)",
                "name",
            )
        return self


class Stack(_Strict):
    language: Literal["python", "typescript", "go", "auto"] = "python"
    framework: Literal["fastapi", "express", "fastify", "gin", "auto"] = "fastapi"
    database: Literal["postgresql"] = "postgresql"
    auth: Literal["jwt", "api-key", "session", "none"] = "jwt"
    architecture: Literal["auto", "monolith", "modular-monolith", "microservices", "serverless"] = (
        "auto"
    )


class Targets(_Strict):
    requests_per_second: int | None = Field(default=None, gt=0)
    p99_latency_ms: int | None = Field(default=None, gt=0)
    availability: str | None = Field(default=None, pattern=r"^\d{1,2}(\.\d+)?%$")
    data_retention_days: int | None = Field(default=None, gt=0)


class Entity(_Strict):
    name: str
    owned_by_user: bool = False
    fields: list[EntityField] = Field(min_length=1)
    unique: list[list[str]] = Field(default_factory=list)
    """Groups of fields (or many-to-one targets, snake_case) no two rows share."""
    access: Access | None = None
    public_when: dict[str, list[str | bool]] | None = None
    """The rows readers who may not change them see; the others answer 404 to them."""
    renamed_from: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Entity:
        if not ENTITY_NAME.match(self.name):
            raise BriefRuleError(
                f"entity name {self.name!r} must be PascalCase (letters and digits, starting "
                "with an upper-case letter)",
                "name",
            )
        names = [f.name for f in self.fields]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            at = len(names) - 1 - names[::-1].index(twice[0])
            raise BriefRuleError(
                f"entity {self.name} has field {twice[0]!r} more than once", "fields", at, "name"
            )
        for index, group in enumerate(self.unique):
            if not group:
                raise BriefRuleError(f"entity {self.name}: an empty unique group", "unique")
            if len(set(group)) != len(group):
                raise BriefRuleError(
                    f"entity {self.name}: unique group {group} names a column twice",
                    "unique",
                    index,
                )
        self._check_renames(names)
        self._check_public_when()
        return self

    def _check_renames(self, names: list[str]) -> None:
        if self.renamed_from is not None and (
            not ENTITY_NAME.match(self.renamed_from) or self.renamed_from == self.name
        ):
            raise BriefRuleError(
                f"renamed_from {self.renamed_from!r} of entity {self.name} must be another "
                "PascalCase name: the entity's earlier name",
                "renamed_from",
            )
        earlier: dict[str, str] = {}
        for index, f in enumerate(self.fields):
            if f.renamed_from is None:
                continue
            if f.renamed_from in names:
                raise BriefRuleError(
                    f"field {f.name!r} is renamed_from {f.renamed_from!r}, but {self.name} still "
                    f"has a field {f.renamed_from!r}",
                    "fields",
                    index,
                    "renamed_from",
                )
            if f.renamed_from in earlier:
                raise BriefRuleError(
                    f"fields {earlier[f.renamed_from]!r} and {f.name!r} are both renamed_from "
                    f"{f.renamed_from!r}",
                    "fields",
                    index,
                    "renamed_from",
                )
            earlier[f.renamed_from] = f.name

    def _check_public_when(self) -> None:
        if self.public_when is None:
            return
        if not self.public_when:
            raise BriefRuleError(
                "public_when is empty: name a field and its public values, e.g. "
                '{ status = ["published"] }',
                "public_when",
            )
        for name, values in self.public_when.items():
            f = self.field(name)
            if f is None or f.type not in ("enum", "bool"):
                raise BriefRuleError(
                    f"public_when names {name!r}, which is not an enum or bool field of "
                    f"{self.name}",
                    "public_when",
                    name,
                )
            allowed: list[str | bool] = list(f.values or []) if f.type == "enum" else [True, False]
            bad = [v for v in values if v not in allowed or type(v) is not type(allowed[0])]
            if not values or bad:
                raise BriefRuleError(
                    f"public_when.{name} must list values of the field ("
                    + ", ".join(str(v).lower() if isinstance(v, bool) else v for v in allowed)
                    + ")"
                    + (f"; {bad[0]!r} is not one" if bad else ""),
                    "public_when",
                    name,
                )
            if f.transitions is not None and not set(values) & set(f.reachable(f.default)):
                raise BriefRuleError(
                    f"public_when.{name}: no row can become public — from {f.default!r} the "
                    f"transitions never reach {', '.join(map(repr, values))}",
                    "public_when",
                    name,
                )
            if f.set_by == "server" and f.default not in values:
                raise BriefRuleError(
                    f"public_when.{name}: the server keeps {name!r} at {f.default!r}, so no row "
                    "would ever be public",
                    "public_when",
                    name,
                )

    def field(self, name: str) -> EntityField | None:
        return next((f for f in self.fields if f.name == name), None)

    def is_public(self, row: dict[str, Any]) -> bool:
        """Does a row with these values match public_when (every key, any listed value)?"""
        return all(row.get(k) in v for k, v in (self.public_when or {}).items())


class Relation(_Strict):
    kind: Literal["many-to-one", "many-to-many"]
    from_: str = Field(alias="from")
    to: str
    required: bool = False
    on_delete: Literal["cascade", "restrict", "set-null"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Relation:
        if self.kind == "many-to-many" and (self.required or self.on_delete):
            raise BriefRuleError(
                "'required' and 'on_delete' apply to many-to-one relations only", "kind"
            )
        if self.on_delete == "set-null" and self.required:
            raise BriefRuleError(
                "on_delete = 'set-null' cannot be used on a required relation", "on_delete"
            )
        return self

    @property
    def delete_rule(self) -> str:
        """The ON DELETE rule; the default keeps rows from vanishing by surprise."""
        if self.on_delete:
            return self.on_delete
        return "restrict" if self.required else "set-null"


class Brief(_Strict):
    project: Project
    stack: Stack = Field(default_factory=Stack)
    targets: Targets = Field(default_factory=Targets)
    roles: list[Role] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Brief:
        self._check_entities()
        self._check_relations()
        self._check_roles()
        self._check_rules()
        return self

    def _check_entities(self) -> None:
        seen: set[str] = set()
        for index, entity in enumerate(self.entities):
            if entity.name.lower() in seen:
                raise BriefRuleError(
                    f"entity {entity.name!r} is defined more than once", "entities", index, "name"
                )
            seen.add(entity.name.lower())
            if entity.name == "User" and self.stack.auth == "none":
                raise BriefRuleError(
                    "an entity called User extends the users of auth, but auth = 'none'",
                    "entities",
                    index,
                    "name",
                )
            if entity.owned_by_user and self.stack.auth == "none":
                raise BriefRuleError(
                    f"entity {entity.name} is owned_by_user, but auth = 'none' has no users to "
                    "own rows; choose an auth mode or set owned_by_user = false",
                    "entities",
                    index,
                    "owned_by_user",
                )
            if entity.name == "User":
                for key in ("owned_by_user", "access", "public_when"):
                    if getattr(entity, key):
                        raise BriefRuleError(
                            f"entity User only adds fields to users; it cannot have {key} "
                            "(accounts are reached through /auth/me, by their own person)",
                            "entities",
                            index,
                            key,
                        )
        current = {e.name for e in self.entities}
        earlier: set[str] = set()
        for index, entity in enumerate(self.entities):
            old = entity.renamed_from
            if old is not None and (old in current or old in earlier):
                raise BriefRuleError(
                    f"entity {entity.name} is renamed_from {old!r}, but "
                    + (f"{old} is still an entity" if old in current else "another entity is too"),
                    "entities",
                    index,
                    "renamed_from",
                )
            earlier.add(old or "")

    def _check_relations(self) -> None:
        names = {e.name for e in self.entities}
        if self.stack.auth != "none":
            names.add("User")
        pairs: set[tuple[str, str, str]] = set()
        for index, relation in enumerate(self.relations):
            for key, end in (("from", relation.from_), ("to", relation.to)):
                if end not in names:
                    raise BriefRuleError(
                        f"relation {relation.from_} -> {relation.to} names {end!r}, which is not "
                        f"an entity of this brief ({', '.join(sorted(names)) or 'none defined'})",
                        "relations",
                        index,
                        key,
                    )
            pair = (relation.kind, relation.from_, relation.to)
            if pair in pairs:
                raise BriefRuleError(
                    f"relation {relation.from_} -> {relation.to} is listed twice",
                    "relations",
                    index,
                )
            pairs.add(pair)
            if relation.kind == "many-to-one":
                source = self.entity(relation.from_)
                column = f"{_snake(relation.to)}_id"
                if source is not None and source.field(column):
                    raise BriefRuleError(
                        f"relation {relation.from_} -> {relation.to} adds column {column!r}, "
                        f"which {relation.from_} already has as a field",
                        "relations",
                        index,
                    )
            elif relation.from_ == relation.to:
                raise BriefRuleError(
                    f"many-to-many of {relation.from_} with itself is not supported",
                    "relations",
                    index,
                )

    def _check_roles(self) -> None:
        seen: set[str] = set()
        for index, role in enumerate(self.roles):
            if self.stack.auth == "none":
                raise BriefRuleError(
                    "auth = 'none' has no accounts to hold roles; choose an auth mode or drop "
                    "[[roles]]",
                    "roles",
                    index,
                    "name",
                )
            if role.name in seen:
                raise BriefRuleError(
                    f"role {role.name!r} is declared twice", "roles", index, "name"
                )
            seen.add(role.name)

    def _check_rules(self) -> None:
        """Each entity's access, and its unique groups, which may name relation targets."""
        roles = {r.name for r in self.roles}
        for index, entity in enumerate(self.entities):
            try:
                check_access(entity, roles, self.stack.auth)
            except BriefRuleError as error:
                raise BriefRuleError(str(error), "entities", index, *error.loc) from None
            targets = self.reference_names(entity.name)
            columns = [f.name for f in entity.fields] + sorted(targets)
            for group_index, group in enumerate(entity.unique):
                for column in group:
                    if column not in columns:
                        raise BriefRuleError(
                            f"entity {entity.name}: unique refers to {column!r}, which is neither "
                            f"one of its fields nor a many-to-one target of it "
                            f"({', '.join(columns)})",
                            "entities",
                            index,
                            "unique",
                            group_index,
                        )

    def reference_names(self, entity: str) -> dict[str, str]:
        """The many-to-one targets of an entity as a unique group names them (snake_case),
        each with the column it adds (`<target>_id`)."""
        return {
            _snake(r.to): f"{_snake(r.to)}_id"
            for r in self.relations
            if r.kind == "many-to-one" and r.from_ == entity
        }

    def access(self, entity: Entity) -> dict[str, frozenset[str]]:
        """Who may create, read, update and delete rows of `entity`, defaults filled in."""
        return effective_access(entity, self.stack.auth)

    @model_validator(mode="after")
    def _rows_can_be_inserted(self) -> Brief:
        found = required_cycle(self.relations)
        if found:
            raise BriefRuleError(found[1], "relations", found[0])
        return self

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def to_toml(self) -> str:
        """The brief as a person would write it (see `brief_toml`)."""
        from .brief_toml import brief_to_toml

        return brief_to_toml(self)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _describe(error: dict[str, Any]) -> str:
    kind, message = error["type"], error["msg"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required key is missing"
    if kind == "value_error":
        return message.removeprefix("Value error, ")
    if kind == "literal_error":
        return message.replace("Input should be", "must be one of")
    return message[:1].lower() + message[1:]


def _path(loc: tuple[str | int, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _brief_loc(error: dict[str, Any]) -> tuple[str | int, ...]:
    cause = (error.get("ctx") or {}).get("error")
    return tuple(error["loc"]) + tuple(getattr(cause, "loc", ()))


def parse_brief(text: str, source: str = "backend-brief.toml") -> Brief:
    """Parse and validate brief text; raise BadInput listing every problem with its line."""
    text = check_size(text, source)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(
            f"{source}: not valid TOML: {exc}",
            hint="fix the syntax at that line (strings need quotes, tables need [brackets])",
        ) from None
    except RecursionError:
        raise nested_too_deep(source) from None
    check_depth(data, source)
    check_counts(data, source)
    try:
        return Brief.model_validate(data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = _brief_loc(error)
            line = locate(text, loc)
            where = f"{source}:{line}" if line else source
            key = _path(loc) or "(top level)"
            problems.append(f"{where}: {key}: {_describe(error)}")
        raise BadInput(
            "the brief has problems:\n  " + "\n  ".join(problems),
            hint="docs/brief.md describes every key; `backend-agent brief init` writes an "
            "example to compare with",
        ) from None


def load_brief(path: str | Path) -> Brief:
    return parse_brief(read_brief_text(path), str(path))


def read_brief_text(path: str | Path) -> str:
    path = Path(path)
    if not path.exists():
        raise BadInput(
            f"brief {path} does not exist",
            hint="write one with `backend-agent brief init backend-brief.toml`",
        )
    if path.is_dir():
        raise BadInput(f"brief {path} is a directory, not a TOML file")
    return read_limited(path)


def write_brief_text(path: str | Path, text: str) -> None:
    """Save brief text as written (comments included): the Brief screen's save."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise BadInput(f"cannot write brief {path}: {exc}") from None
