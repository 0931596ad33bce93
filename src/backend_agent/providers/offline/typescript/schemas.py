"""zod schemas: the brief's rules for each resource, checked at the edge.

The limits come from the same plan as the SQL CHECK constraints (`plan.length_limits`,
the patterns of `schema`), so a request the API accepts is one the database accepts too.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from ..plan import length_limits
from ..schema import EMAIL_MAX, URL_MAX, Column, Table
from ..service.api import Api, Resource
from ..service.models import INT32, out_columns
from .names import ts


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def rules(column: Column) -> str:
    """The zod type of a column a client writes, with every rule of the brief."""
    f = column.source
    kind = column.kind
    if kind in ("reference", "uuid"):
        return "uuid()"
    assert f is not None, column.name
    low, high = length_limits(f)
    if kind in ("string", "text"):
        return (
            "z.string()"
            + ('.regex(/\\S/, "must not be blank")' if f.required else "")
            + (f".min({low})" if low is not None else "")
            + (f".max({high})" if high is not None else "")
        )
    if kind == "url":
        return "url()" if high == URL_MAX else f"url({high})"
    if kind == "email":
        return "email()" if high == EMAIL_MAX else f"email({high})"
    if kind == "int":
        low_i = _number(f.min) if f.min is not None else None
        high_i = _number(f.max) if f.max is not None else None
        if low_i is None and high_i is None:
            return "int()"
        return f"int({low_i or INT32[0]}, {high_i or INT32[1]})"
    if kind == "decimal":
        parts = []
        if f.precision:
            parts += [f"precision: {f.precision}", f"scale: {f.scale or 0}"]
        if f.min is not None:
            parts.append(f'min: "{_number(f.min)}"')
        if f.max is not None:
            parts.append(f'max: "{_number(f.max)}"')
        return "decimal(" + ("{ " + ", ".join(parts) + " }" if parts else "") + ")"
    if kind == "bool":
        return "z.boolean()"
    if kind == "date":
        return "z.iso.date()"
    if kind == "datetime":
        return "z.iso.datetime({ offset: true })"
    if kind == "enum":
        return f"z.enum({ts(f.values or [])})"
    if kind == "json":
        return "z.json()"
    raise ValueError(f"no zod type for {kind}")


def shown(column: Column) -> str:
    """The zod type of a column in a response: its shape, not its rules."""
    kind = column.kind
    if kind in ("id", "owner", "reference", "uuid"):
        text = "id()"
    elif kind in ("timestamp", "datetime"):
        text = "timestamp()"
    elif kind == "int":
        text = "z.number().int()"
    elif kind == "bool":
        text = "z.boolean()"
    elif kind == "date":
        text = "z.iso.date()"
    elif kind == "enum":
        f = column.source
        text = f"z.enum({ts(f.values if f else [])})"
    elif kind == "json":
        text = "z.json()"
    else:
        text = "z.string()"
    return text + (".nullable()" if column.nullable else "")


def default_literal(column: Column) -> str | None:
    f = column.source
    if f is None or f.default is None:
        return "false" if column.kind == "bool" else None
    value = f.default
    if isinstance(value, datetime | date):
        return ts(value.isoformat())
    if f.type == "decimal":
        return ts(str(value))
    return ts(value)


def create_field(column: Column) -> str:
    text = rules(column)
    if column.nullable:
        text += ".nullable().optional()"
    else:
        default = default_literal(column)
        if default is not None:
            text += f".default({default})"
    return f"  {column.api}: {text},"


def update_field(column: Column) -> str:
    # Not-null columns refuse an explicit null: omitting them is fine, nulling them is not.
    return f"  {column.api}: {rules(column)}{'.nullable()' if column.nullable else ''}.optional(),"


def out_field(column: Column) -> str:
    return f"  {column.api}: {shown(column)},"


def helpers_used(text: str) -> list[str]:
    """The helpers of src/fields.ts a module calls (`int(`, not `.int(`)."""
    names = ("decimal", "email", "id", "int", "timestamp", "url", "uuid")
    return [n for n in names if re.search(rf"(?<![\w.]){n}\(", text)]


def filter_field(column: Column) -> str:
    """A query parameter: strings from the URL, coerced to the column's type."""
    kind = column.kind
    if kind == "int":
        text = "z.coerce.number().int()"
    elif kind == "bool":
        text = 'z.enum(["true", "false"]).transform((value) => value === "true")'
    else:
        text = rules(column)
    return f"  {column.api}: {text}.optional(),"


def resource_schemas(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    create = [create_field(c) for c in table.creatable]
    update = [update_field(c) for c in table.updatable]
    out = [out_field(c) for c in out_columns(table.columns)]
    filters = [filter_field(flt.column) for flt in resource.filters]
    if resource.mine_param:
        filters.append(
            f'  {resource.mine_param}: z.enum(["true", "false"]).transform((value) => value === "true")'
            ".default(false), // true: only rows you own"
        )
    body = "\n".join(
        [
            f"export const {name}Create = z.strictObject({{",
            *create,
            "});",
            f"export type {name}Create = z.output<typeof {name}Create>;",
            "",
            "/** Fields to change; omitted fields keep their value. */",
            f"export const {name}Update = z.strictObject({{",
            *update,
            "});",
            f"export type {name}Update = z.output<typeof {name}Update>;",
            "",
            f"export const {name}Out = z.object({{",
            *out,
            "});",
            "/** A row as the repository reads it and the response shows it. */",
            f"export type {name}Record = z.input<typeof {name}Out>;",
            "",
            "/** The list's query: a page, and the indexed fields to filter by. */",
            f"export const {name}Filters = PageQuery.extend({{",
            *filters,
            "});",
            f"export type {name}Filters = z.output<typeof {name}Filters>;",
            "",
            "export const Params = z.object({",
            f"  {resource.id_param}: id(),",
            "});",
        ]
    )
    used = helpers_used(body)
    head = [
        f"/**\n * Request and response bodies of {resource.label}.\n *\n"
        " * Unknown fields are refused (422), so a client cannot set the id, the owner or the\n"
        " * timestamps.\n */",
        'import { z } from "zod";',
        "",
    ]
    if used:
        head.append(f'import {{ {", ".join(used)} }} from "../../fields.js";')
    head += ['import { PageQuery } from "../../pagination.js";', ""]
    return "\n".join(head) + "\n" + body + "\n"


def extra_fields(users: Table) -> list[Column]:
    return [c for c in users.columns if c.source is not None]
