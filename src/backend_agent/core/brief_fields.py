"""The fields of a brief's entities: types, options and the rules (brief v2) a field states
about itself — transitions, immutability, values only the server sets, renames.

Each rule is checked here against the field alone; rules that need the rest of the brief
(roles, relations) are checked by `Brief`.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

PROJECT_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
ENTITY_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{0,62}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
ENUM_VALUE = re.compile(r"^[A-Za-z0-9_\-. ]{1,63}$")

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
#: Types the server can fill by itself (the time of creation, a random id).
SERVER_FILLED = frozenset({"date", "datetime", "uuid"})


class BriefRuleError(ValueError):
    """A rule of the brief broken at `loc`, relative to the model that checks it."""

    def __init__(self, message: str, *loc: str | int) -> None:
        super().__init__(message)
        self.loc = loc


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=False)


class EntityField(Strict):
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
    transitions: dict[str, list[str]] | None = None
    """enum fields: from each value, the values a change may go to; others answer 409."""
    immutable: bool = False
    """Set when the row is created, never changed afterwards."""
    set_by: Literal["client", "server"] = "client"
    """`server`: clients never send it; the service fills it (`now` for dates)."""
    renamed_from: str | None = None
    """In an evolved brief: the field's earlier name (a rename, not a drop and an add)."""

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
        self._check_values()
        self._check_limits()
        if self.default is not None:
            self._check_default()
        self._check_rules()
        return self

    def _check_values(self) -> None:
        if self.type == "enum":
            if not self.values:
                raise BriefRuleError(
                    f'enum field {self.name!r} needs values = ["a", "b", ...]', "type"
                )
            if len(set(self.values)) != len(self.values):
                raise BriefRuleError(f"enum field {self.name!r} lists a value twice", "values")
            bad = [v for v in self.values if not ENUM_VALUE.match(v)]
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

    def _check_limits(self) -> None:
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

    def _check_rules(self) -> None:
        """transitions, immutable, set_by and renamed_from, each alone and together."""
        name = self.name
        if self.renamed_from is not None:
            if not FIELD_NAME.match(self.renamed_from):
                raise BriefRuleError(
                    f"renamed_from {self.renamed_from!r} of {name!r} is not a field name "
                    "(snake_case)",
                    "renamed_from",
                )
            if self.renamed_from == name:
                raise BriefRuleError(
                    f"field {name!r} is renamed_from itself; drop renamed_from", "renamed_from"
                )
        if self.set_by == "server":
            if self.required:
                raise BriefRuleError(
                    f"field {name!r} is set by the server, so a client cannot be required to "
                    "send it; drop required",
                    "required",
                )
            if self.immutable:
                raise BriefRuleError(
                    f"field {name!r} is set by the server; immutable is for fields a client "
                    "sets once — drop one of them",
                    "immutable",
                )
            if self.type in SERVER_FILLED and self.default is not None:
                raise BriefRuleError(
                    f"the server fills {self.type} field {name!r} itself (the time of "
                    "creation, or a random id); drop its default",
                    "default",
                )
            if self.type not in SERVER_FILLED and self.default is None:
                raise BriefRuleError(
                    f"the server has no value of its own for {self.type} field {name!r}: give it "
                    "a default (it keeps it until code you add changes it), or let clients set "
                    "it",
                    "set_by",
                )
        if self.transitions is None:
            return
        if self.type != "enum":
            raise BriefRuleError(
                f"'transitions' are for enum fields, and {name!r} is {self.type}", "transitions"
            )
        if self.default is None:
            raise BriefRuleError(
                f"enum field {name!r} has transitions, so it needs a default: the state every "
                "new row starts in",
                "transitions",
            )
        if self.immutable or self.set_by == "server":
            raise BriefRuleError(
                f"field {name!r} has transitions, so clients change it; it cannot also be "
                + ("immutable" if self.immutable else "set by the server"),
                "transitions",
            )
        values = self.values or []
        for state, targets in self.transitions.items():
            for value in (state, *targets):
                if value not in values:
                    raise BriefRuleError(
                        f"transitions of {name!r} name {value!r}, which is not one of its values "
                        f"({', '.join(values)})",
                        "transitions",
                        state,
                    )
            if state in targets:
                raise BriefRuleError(
                    f"transitions of {name!r}: {state!r} lists itself (keeping a value is "
                    "always allowed)",
                    "transitions",
                    state,
                )
            if len(set(targets)) != len(targets):
                raise BriefRuleError(
                    f"transitions of {name!r}: {state!r} lists a value twice", "transitions", state
                )

    def reachable(self, start: str) -> list[str]:
        """Values a row starting at `start` can reach through the transitions, nearest first."""
        seen, todo = [start], [start]
        while todo:
            for nxt in (self.transitions or {}).get(todo.pop(0), []):
                if nxt not in seen:
                    seen.append(nxt)
                    todo.append(nxt)
        return seen
