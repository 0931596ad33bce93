"""The build brief (`backend-brief.toml`): what a person tells the agent about the backend.

Loading is strict — unknown keys, wrong types and bad names are errors that name the key
and the line — because a silently ignored typo becomes a wrong backend much later.
"""

from __future__ import annotations

import re
import tomllib
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from .brief_limits import check_counts, check_depth, check_size, nested_too_deep, read_limited
from .brief_rules import required_cycle
from .errors import BadInput
from .toml_locate import locate

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
ENTITY_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,62}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")

FieldType = Literal[
    "string",
    "text",
    "int",
    "decimal",
    "bool",
    "date",
    "datetime",
    "uuid",
    "url",
    "email",
    "enum",
    "json",
]
FIELD_TYPES: tuple[str, ...] = FieldType.__args__  # type: ignore[attr-defined]

#: Columns every generated table has; a brief field of the same name would collide.
IMPLIED_COLUMNS = frozenset({"id", "created_at", "updated_at", "owner_id"})


class BriefRuleError(ValueError):
    """A rule of the brief broken at `loc`, relative to the model that checks it."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


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


class EntityField(_Strict):
    name: str
    type: FieldType
    required: bool = False
    default: Any = None
    indexed: bool = False
    max_length: int | None = Field(default=None, gt=0, le=10_485_760)
    min: int | float | None = None
    max: int | float | None = None
    precision: int | None = Field(default=None, ge=1, le=1000)
    scale: int | None = Field(default=None, ge=0, le=1000)
    values: list[str] | None = None

    @field_validator("default", mode="before")
    @classmethod
    def _iso_dates(cls, value: Any, info: ValidationInfo) -> Any:
        """JSON has no dates (the build state, a model's draft): an ISO string default of a
        date or datetime field is read as the date TOML would give."""
        kind = {"date": date, "datetime": datetime}.get(info.data.get("type", ""))
        if kind is not None and isinstance(value, str):
            try:
                return kind.fromisoformat(value)
            except ValueError:
                return value  # _check_default names it
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EntityField:
        if not FIELD_NAME.match(self.name):
            raise BriefRuleError(
                f"field name {self.name!r} must be snake_case: lower-case letters, digits and "
                "underscores, starting with a letter",
                "name",
            )
        if self.name in IMPLIED_COLUMNS:
            raise BriefRuleError(
                f"field name {self.name!r} is implied on every table "
                f"({', '.join(sorted(IMPLIED_COLUMNS))}); remove it or rename it",
                "name",
            )
        if self.type == "enum":
            if not self.values:
                raise BriefRuleError(
                    f'enum field {self.name!r} needs values = ["a", "b", ...]', "type"
                )
            if len(set(self.values)) != len(self.values):
                raise BriefRuleError(f"enum field {self.name!r} lists a value twice", "values")
            bad = [v for v in self.values if not re.match(r"^[A-Za-z0-9_\-. ]{1,63}$", v)]
            if bad:
                raise BriefRuleError(
                    f"enum value {bad[0]!r} of {self.name!r}: use 1-63 letters, digits, spaces, "
                    "'_', '-' or '.'",
                    "values",
                )
        elif self.values is not None:
            raise BriefRuleError(
                f"'values' is only for enum fields, and {self.name!r} is {self.type}", "values"
            )
        if self.max_length is not None and self.type not in ("string", "url", "email"):
            raise BriefRuleError(
                f"'max_length' is for string, url and email fields, not {self.type}", "max_length"
            )
        if (self.min is not None or self.max is not None) and self.type not in (
            "int",
            "decimal",
            "string",
            "text",
        ):
            raise BriefRuleError(f"'min'/'max' do not apply to {self.type} fields", "type")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise BriefRuleError(f"min ({self.min}) is greater than max ({self.max})", "min")
        if (self.precision is not None or self.scale is not None) and self.type != "decimal":
            raise BriefRuleError(
                f"'precision'/'scale' are for decimal fields, not {self.type}", "type"
            )
        if self.precision is not None and self.scale is not None and self.scale > self.precision:
            raise BriefRuleError(
                f"scale ({self.scale}) is greater than precision ({self.precision})", "scale"
            )
        if self.default is not None:
            self._check_default()
        return self

    def _check_default(self) -> None:
        value, kind = self.default, self.type
        ok = {
            "bool": isinstance(value, bool),
            "int": isinstance(value, int) and not isinstance(value, bool),
            "json": isinstance(value, dict | list | str | int | float | bool),
            "date": isinstance(value, date) and not isinstance(value, datetime),
            "datetime": isinstance(value, datetime),
        }.get(kind, isinstance(value, str))
        if kind == "decimal":
            try:
                ok = not isinstance(value, bool) and Decimal(str(value)).is_finite()
            except InvalidOperation:
                ok = False
        if kind == "enum":
            ok = value in (self.values or [])
        if not ok:
            raise BriefRuleError(f"default {value!r} does not fit a {kind} field", "default")


class Entity(_Strict):
    name: str
    owned_by_user: bool = False
    fields: list[EntityField] = Field(min_length=1)
    unique: list[list[str]] = Field(default_factory=list)

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
        for group in self.unique:
            if not group:
                raise BriefRuleError(f"entity {self.name}: an empty unique group", "unique")
            for column in group:
                if column not in names:
                    raise BriefRuleError(
                        f"entity {self.name}: unique refers to {column!r}, which is not one "
                        f"of its fields ({', '.join(names)})",
                        "unique",
                    )
        return self

    def field(self, name: str) -> EntityField | None:
        return next((f for f in self.fields if f.name == name), None)


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
    entities: list[Entity] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Brief:
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
            if entity.name == "User" and entity.owned_by_user:
                raise BriefRuleError(
                    "entity User only adds fields to users; it cannot be owned_by_user",
                    "entities",
                    index,
                    "owned_by_user",
                )
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
        return self

    @model_validator(mode="after")
    def _rows_can_be_inserted(self) -> Brief:
        found = required_cycle(self.relations)
        if found:
            raise BriefRuleError(found[1], "relations", found[0])
        return self

    def entity(self, name: str) -> Entity | None:
        return next((e for e in self.entities if e.name == name), None)

    def to_toml(self) -> str:
        """The brief as a person would write it: sections first, then each entity (fields
        one per line) and relation as its own table; options at their default left out."""
        import tomli_w

        head = self.model_dump(mode="python", include={"project", "stack"})
        targets = self.targets.model_dump(exclude_none=True)
        if targets:
            head["targets"] = targets
        parts = [tomli_w.dumps(head, multiline_strings=True)]
        for entity in self.entities:
            lines = ["[[entities]]", f"name = {_inline(entity.name)}"]
            if entity.owned_by_user:
                lines.append("owned_by_user = true")
            lines.append("fields = [")
            lines += [f"  {_inline(f.model_dump(exclude_defaults=True))}," for f in entity.fields]
            lines.append("]")
            if entity.unique:
                lines.append(f"unique = {_inline(entity.unique)}")
            parts.append("\n".join(lines) + "\n")
        for relation in self.relations:
            data = relation.model_dump(by_alias=True, exclude_defaults=True)
            lines = ["[[relations]]", f"kind = {_inline(relation.kind)}"]
            lines += [f"{key} = {_inline(value)}" for key, value in data.items() if key != "kind"]
            parts.append("\n".join(lines) + "\n")
        return "\n".join(parts)


def _inline(value: Any) -> str:
    """A TOML value on one line: inline tables and arrays, scalars as tomli-w writes them."""
    import tomli_w

    if isinstance(value, dict):
        keys = [k if re.match(r"^[A-Za-z0-9_-]+$", k) else _inline(str(k)) for k in value]
        items = (f"{k} = {_inline(v)}" for k, v in zip(keys, value.values(), strict=True))
        return "{ " + ", ".join(items) + " }"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_inline(v) for v in value) + "]"
    return tomli_w.dumps({"v": value}).split("=", 1)[1].strip()


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
