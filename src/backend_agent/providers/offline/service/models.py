"""Pydantic request and response models: the brief's rules, checked at the edge.

The limits come from the same plan as the SQL CHECK constraints, so a request the API
accepts is one the database accepts too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime

from ..plan import length_limits
from ..schema import EMAIL_MAX, EMAIL_PATTERN, URL_MAX, URL_PATTERN, Column
from .api import Api, Resource

INT32 = (-(2**31), 2**31 - 1)


@dataclass
class Imports:
    """What a generated module needs from the standard library and pydantic."""

    names: set[str] = field(default_factory=set)

    def need(self, *names: str) -> None:
        self.names.update(names)

    def stdlib(self) -> list[str]:
        groups = {
            "datetime": ["date", "datetime"],
            "decimal": ["Decimal"],
            "typing": ["Annotated", "Any", "Literal"],
            "uuid": ["UUID"],
        }
        out = []
        for module, names in groups.items():
            used = [n for n in names if n in self.names]
            if used:
                out.append(f"from {module} import {', '.join(used)}")
        return out

    def lines(self) -> list[str]:
        pyd = sorted(n for n in self.names if n in PYDANTIC)
        local = sorted(n for n in self.names if n in LOCAL)
        out = ["from __future__ import annotations", "", *self.stdlib(), ""]
        out.append(f"from pydantic import {', '.join(pyd)}")
        if local:
            out += ["", f"from . import {', '.join(local)}"]
        return out


PYDANTIC = frozenset({"AwareDatetime", "BaseModel", "ConfigDict", "Field", "JsonValue"})
LOCAL = frozenset({"EMAIL_MAX_LENGTH", "EMAIL_PATTERN", "NOT_BLANK", "URL_PATTERN"})


def py_literal(value: object) -> str:
    """Python source for a TOML value, with double-quoted strings as the formatter writes."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    return repr(value)


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def base_type(column: Column, imports: Imports) -> str:
    """The Python type of a column without its constraints."""
    kind = column.kind
    if kind in ("reference", "uuid", "id", "owner"):
        imports.need("UUID")
        return "UUID"
    if kind == "int":
        return "int"
    if kind == "decimal":
        imports.need("Decimal")
        return "Decimal"
    if kind == "bool":
        return "bool"
    if kind == "date":
        imports.need("date")
        return "date"
    if kind in ("datetime", "timestamp"):
        imports.need("AwareDatetime" if kind == "datetime" else "datetime")
        return "AwareDatetime" if kind == "datetime" else "datetime"
    if kind == "enum":
        imports.need("Literal")
        values = column.source.values if column.source else []
        return "Literal[" + ", ".join(f'"{v}"' for v in values or []) + "]"
    if kind == "json":
        imports.need("JsonValue")
        return "JsonValue"
    return "str"


def constraints(column: Column, imports: Imports) -> list[str]:
    """Keyword arguments of `Field(...)` that carry the brief's rules for one column."""
    f = column.source
    out: list[str] = []
    if f is None:
        return out
    low, high = length_limits(f)
    if f.type in ("int", "bool"):
        # JSON has numbers and booleans: "7" or "true" in their place is a client's bug.
        out.append("strict=True")
    if f.type in ("string", "text") and f.required:
        imports.need("NOT_BLANK")
        out.append("pattern=NOT_BLANK")
    if low is not None:
        out.append(f"min_length={low}")
    if high is not None:
        out.append(f"max_length={high}")
    if f.type == "url":
        imports.need("URL_PATTERN")
        out.append("pattern=URL_PATTERN")
    if f.type == "email":
        imports.need("EMAIL_PATTERN")
        out.append("pattern=EMAIL_PATTERN")
    if f.type == "int":
        out.append(f"ge={_number(f.min if f.min is not None else INT32[0])}")
        out.append(f"le={_number(f.max if f.max is not None else INT32[1])}")
    if f.type == "decimal":
        if f.precision:
            out.append(f"max_digits={f.precision}")
            out.append(f"decimal_places={f.scale or 0}")
        if f.min is not None:
            out.append(f"ge={_number(f.min)}")
        if f.max is not None:
            out.append(f"le={_number(f.max)}")
    return out


def default_literal(column: Column, imports: Imports) -> str | None:
    """The brief's default as Python source (the database has the same default)."""
    f = column.source
    if f is None or f.default is None:
        return "False" if column.kind == "bool" else None
    value = f.default
    if f.type == "decimal":
        imports.need("Decimal")
        return f'Decimal("{value}")'
    if f.type == "date" and isinstance(value, date):
        imports.need("date")
        return f'date.fromisoformat("{value.isoformat()}")'
    if f.type == "datetime" and isinstance(value, datetime):
        imports.need("datetime")
        return f'datetime.fromisoformat("{value.isoformat()}")'
    if f.type == "uuid":
        imports.need("UUID")
        return f'UUID("{value}")'
    return py_literal(value)


def annotated(column: Column, imports: Imports, *, nullable: bool, rules: bool = True) -> str:
    kinds = constraints(column, imports) if rules else []
    if column.attr != column.api:
        kinds.append(f'alias="{column.api}"')
    text = base_type(column, imports)
    if nullable:
        text += " | None"
    if kinds:
        imports.need("Annotated", "Field")
        return f"Annotated[{text}, Field({', '.join(kinds)})]"
    return text


def create_field(column: Column, imports: Imports) -> str:
    default = default_literal(column, imports)
    if column.nullable:
        return f"    {column.attr}: {annotated(column, imports, nullable=True)} = None"
    line = f"    {column.attr}: {annotated(column, imports, nullable=False)}"
    return line + (f" = {default}" if default is not None else "")


def update_field(column: Column, imports: Imports) -> str:
    # Not-null columns are typed without None: omitting them is fine, an explicit null is not.
    return f"    {column.attr}: {annotated(column, imports, nullable=column.nullable)} = None"


def out_field(column: Column, imports: Imports) -> str:
    return f"    {column.attr}: {annotated(column, imports, nullable=column.nullable, rules=False)}"


def out_columns(columns: list[Column]) -> list[Column]:
    """What a response shows: never the owner or a secret."""
    return [c for c in columns if c.kind not in ("owner", "secret")]


def models_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    imports = Imports({"BaseModel", "ConfigDict"})
    create = [create_field(c, imports) for c in table.creatable]
    update = [update_field(c, imports) for c in table.updatable]
    out = [out_field(c, imports) for c in out_columns(table.columns)]
    rules = [
        f"{c.api}: " + ", ".join(constraints(c, Imports()) or ["any value of its type"])
        for c in table.fields
        if c.source is not None and constraints(c, Imports())
    ]
    server = [c.api for c in table.columns if c.server_set]
    fixed = [c.api for c in table.columns if c.immutable]
    moving = [c.api for c in table.columns if c.transitions]
    doc = [
        f'"""Request and response bodies of {resource.label}.',
        "",
        "Unknown fields are refused (422), so a client cannot set the id, the owner or the "
        "timestamps"
        + (f", nor the fields the server sets ({', '.join(server)})" if server else "")
        + ".",
    ]
    if fixed:
        doc.append(f"Set on create only, so not in {name}Update: {', '.join(fixed)}.")
    if moving:
        doc.append(
            f"Changed only by an update, along the brief's transitions: {', '.join(moving)} "
            "(a new row starts at the default)."
        )
    if rules:
        doc.append("Rules from the brief: " + "; ".join(rules) + ".")
    doc.append('"""')
    config = '    model_config = ConfigDict(extra="forbid", protected_namespaces=())'
    lines = [
        *doc,
        "",
        *imports.lines(),
        "",
        "",
        f"class {name}Create(BaseModel):",
        config,
        "",
        *create,
        "",
        "",
        f"class {name}Update(BaseModel):",
        '    """Fields to change; omitted fields keep their value."""',
        "",
        config,
        "",
        *update,
        "",
        "",
        f"class {name}Out(BaseModel):",
        "    model_config = ConfigDict(protected_namespaces=())",
        "",
        *out,
        "",
    ]
    return "\n".join(lines)


def shared_module() -> str:
    return "\n".join(
        [
            '"""Request and response models, one module per table.',
            "",
            "The patterns are the ones the database's CHECK constraints use.",
            '"""',
            "",
            f'URL_PATTERN = r"{URL_PATTERN}"',
            f'EMAIL_PATTERN = r"{EMAIL_PATTERN}"',
            "# A required text must say something: blank or whitespace-only is refused.",
            'NOT_BLANK = r"\\S"',
            f"URL_MAX_LENGTH = {URL_MAX}",
            f"EMAIL_MAX_LENGTH = {EMAIL_MAX}",
            "",
        ]
    )
