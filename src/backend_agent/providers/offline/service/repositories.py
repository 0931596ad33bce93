"""Repository modules: the SQL of one table each, written out so a reviewer can read it.

Every statement is static text with placeholders except two composed with `psycopg.sql`:
the WHERE clause of a filtered list and the SET clause of a PATCH.
"""

from __future__ import annotations

from ..schema import Table
from .api import Api, LinkEnd, Resource
from .models import out_columns
from .rules import read_condition, write_condition


def lit(text: str, *, f: bool = False) -> str:
    """A Python string literal for SQL text: single quotes when the SQL quotes identifiers."""
    prefix = "f" if f else ""
    if '"' in text and "'" not in text:
        return f"{prefix}'{text}'"
    return prefix + '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrapped(text: str, indent: int, *, f: bool = False, width: int = 96) -> list[str]:
    """SQL as adjacent string literals, split at spaces so each line fits `width`."""
    pieces: list[str] = []
    current = ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and indent + len(candidate) + 4 > width:
            pieces.append(current + " ")
            current = word
        else:
            current = candidate
    pieces.append(current)
    return [" " * indent + lit(piece, f=f and "{" in piece) for piece in pieces]


def select_list(table: Table, alias: str | None = None) -> str:
    prefix = f"{alias}." if alias else ""
    return ", ".join(prefix + c.sql for c in out_columns(table.columns))


def _restrict_sources(resource: Resource) -> list[str]:
    return sorted(
        {
            child.name
            for child, column in resource.referenced_by
            if column.references and column.references.on_delete == "RESTRICT"
        }
    )


def _execute(statement: str, params: str, *, f: bool = False, keep: str = "cursor = ") -> list[str]:
    sql_lines = wrapped(statement, 8, f=f)
    sql_lines[-1] += ","
    return [f"    {keep}await conn.execute(", *sql_lines, f"        {params},", "    )"]


def _link_functions(end: LinkEnd) -> list[str]:
    link, far = end.link, end.far
    single = far.singular
    out: list[str] = []
    if end.writes:
        insert = (
            f"INSERT INTO {link.sql} ({end.near_column}, {end.far_column}) VALUES (%s, %s) "
            "ON CONFLICT DO NOTHING"
        )
        delete = f"DELETE FROM {link.sql} WHERE {end.near_column} = %s AND {end.far_column} = %s"
        out += [
            "",
            "",
            f"async def link_{single}(conn: AsyncConnection, row_id: UUID, {single}_id: UUID) -> None:",
            *_execute(insert, f"(row_id, {single}_id)", keep=""),
            "",
            "",
            f"async def unlink_{single}(conn: AsyncConnection, row_id: UUID, {single}_id: UUID) -> bool:",
            *_execute(delete, f"(row_id, {single}_id)"),
            "    return cursor.rowcount == 1",
        ]
    columns = "t.id, t.created_at" if end.far_is_users else select_list(far, "t")
    visible = None if end.far_is_users else read_condition(far, "t")
    viewer = ", scope: Scope" if visible else ""
    conditions = [f"sql.SQL({lit(f'l.{end.near_column} = %(_row)s')})"]
    if visible:
        conditions.append(f"sql.SQL({lit(visible)})")
    params = '{"_row": row_id' + (", **scope.params()" if visible else "") + "}"
    select = f"SELECT {columns} FROM {far.sql} t JOIN {link.sql} l ON l.{end.far_column} = t.id"
    out += [
        "",
        "",
        f"async def select_{far.name}(",
        f"    conn: AsyncConnection, row_id: UUID, limit: int, after: Cursor{viewer}",
        ") -> list[dict[str, Any]]:",
        f'    """{far.name.replace("_", " ").capitalize()} linked to one row, newest first'
        + (", only those the caller may read." if visible else ".")
        + '"""',
        "    return await fetch_page(",
        "        conn,",
        *[
            ln + ("," if i == len(wrapped(select, 8)) - 1 else "")
            for i, ln in enumerate(wrapped(select, 8))
        ],
        f"        [{', '.join(conditions)}],",
        f"        {params},",
        "        limit,",
        "        after,",
        '        alias="t",',
        "    )",
    ]
    return out


def repository_module(api: Api, resource: Resource) -> str:
    table = resource.table
    owned = table.owned
    creatable = table.creatable
    names = ", ".join(c.sql for c in creatable)
    values = ", ".join(f"%({c.api})s" for c in creatable)
    json_fields = sorted(c.api for c in table.fields if c.kind == "json")
    owner_arg = ", owner_id: UUID" if owned else ""
    read, write = read_condition(table), write_condition(table)
    read_arg = ", scope: Scope" if read else ""
    write_arg = ", scope: Scope" if write else ""
    read_where = f" AND {read}" if read else ""
    write_where = f" AND {write}" if write else ""
    read_params = ", **scope.params()" if read else ""
    write_params = ", **scope.params()" if write else ""
    restrict = _restrict_sources(resource)
    scope = (
        "Every statement takes the caller's `Scope` (app/access.py) into its WHERE clause: a "
        "row the caller may not reach is never read, changed or deleted, it is simply not found."
        if read or write
        else "Every caller who reaches these statements may see every row, so they take no scope."
    )
    if owned:
        insert = f"INSERT INTO {table.sql} (owner_id, {names}) VALUES (%(_owner)s, {values}) "
    elif creatable:
        insert = f"INSERT INTO {table.sql} ({names}) VALUES ({values}) "
    else:
        insert = f"INSERT INTO {table.sql} DEFAULT VALUES "
    lines = [
        f'"""SQL for `{table.name}` ({resource.name}). {scope}"""',
        "",
        "from __future__ import annotations",
        "",
        "from datetime import datetime",
        "from typing import Any",
        "from uuid import UUID",
        "",
        "from psycopg import AsyncConnection, sql",
    ]
    if restrict:
        # ON DELETE RESTRICT: 23503 up to PostgreSQL 17, 23001 (restrict_violation) from 18.
        lines.append("from psycopg.errors import ForeignKeyViolation, RestrictViolation")
    lines.append("")
    needs_scope = bool(read or write) or any(
        read_condition(e.far, "t") for e in resource.links if not e.far_is_users
    )
    if needs_scope:
        lines.append("from ..access import Scope")
    if restrict:
        lines.append("from ..errors import StillReferenced")
    lines += [
        "from . import adapt, equals, fetch_page, set_clause",
        "",
        "Cursor = tuple[datetime, UUID] | None",
        "",
        f"COLUMNS = {lit(select_list(table))}",
        "JSON_FIELDS: frozenset[str] = frozenset("
        + ("{" + ", ".join(f'"{j}"' for j in json_fields) + "}" if json_fields else "")
        + ")",
        "",
        "",
        f"async def insert(conn: AsyncConnection{owner_arg}, data: dict[str, Any]) -> dict[str, Any]:",
        "    cursor = await conn.execute(",
        *wrapped(insert + "RETURNING {COLUMNS}", 8, f=True)[:-1],
        wrapped(insert + "RETURNING {COLUMNS}", 8, f=True)[-1] + ",",
        (
            '        {"_owner": owner_id, **adapt(data, JSON_FIELDS)},'
            if owned
            else "        adapt(data, JSON_FIELDS),"
        ),
        "    )",
        "    row = await cursor.fetchone()",
        "    assert row is not None",
        "    return row",
        "",
        "",
        f"async def get(conn: AsyncConnection, row_id: UUID{read_arg}) -> dict[str, Any] | None:",
        *_execute(
            f"SELECT {{COLUMNS}} FROM {table.sql} WHERE id = %(_id)s{read_where}",
            f'{{"_id": row_id{read_params}}}',
            f=True,
        ),
        "    return await cursor.fetchone()",
        "",
        "",
        f"async def exists(conn: AsyncConnection, row_id: UUID{read_arg}) -> bool:",
        *_execute(
            f"SELECT 1 FROM {table.sql} WHERE id = %(_id)s{read_where}",
            f'{{"_id": row_id{read_params}}}',
        ),
        "    return await cursor.fetchone() is not None",
        "",
        "",
        "async def select_page(",
        f"    conn: AsyncConnection{read_arg}, limit: int, after: Cursor, filters: dict[str, Any]",
        ") -> list[dict[str, Any]]:",
        "    conditions = [equals(name) for name in filters]",
    ]
    if read:
        lines.append(f"    conditions.insert(0, sql.SQL({lit(read)}))")
    lines += [
        "    return await fetch_page(",
        "        conn,",
        f"        {lit(f'SELECT {{COLUMNS}} FROM {table.sql}', f=True)},",
        "        conditions,",
        "        {**filters" + (", **scope.params()" if read else "") + "},",
        "        limit,",
        "        after,",
        "    )",
    ]
    update = f"UPDATE {table.sql} SET {{}} WHERE id = %(_id)s{write_where} RETURNING "
    lines += [
        "",
        "",
        "async def update(",
        f"    conn: AsyncConnection, row_id: UUID{write_arg}, changes: dict[str, Any]",
        ") -> dict[str, Any] | None:",
        f'    """The changed row; None when there is no such row{" the scope reaches" if write else ""}."""',
        "    if not changes:",
        *[
            "    " + ln
            for ln in _execute(
                f"SELECT {{COLUMNS}} FROM {table.sql} WHERE id = %(_id)s{write_where}",
                f'{{"_id": row_id{write_params}}}',
                f=True,
            )
        ],
        "        return await cursor.fetchone()",
        "    query = sql.SQL(",
        *wrapped(update, 8),
        "    ).format(set_clause(changes)) + sql.SQL(COLUMNS)",
        "    cursor = await conn.execute(",
        f'        query, {{**adapt(changes, JSON_FIELDS), "_id": row_id{write_params}}}',
        "    )",
        "    return await cursor.fetchone()",
        "",
        "",
        f"async def delete(conn: AsyncConnection, row_id: UUID{write_arg}) -> bool:",
    ]
    delete = _execute(
        f"DELETE FROM {table.sql} WHERE id = %(_id)s{write_where}",
        f'{{"_id": row_id{write_params}}}',
    )
    if restrict:
        lines.append("    try:")
        lines += ["    " + ln for ln in delete]
        lines += [
            "    except (ForeignKeyViolation, RestrictViolation) as exc:",
            "        raise StillReferenced(",
            f'            f"{resource.name} {{row_id}} is still referenced by '
            f'{", ".join(restrict)}; delete those first"',
            "        ) from exc",
        ]
    else:
        lines += delete
    lines.append("    return cursor.rowcount == 1")
    for end in resource.links:
        lines += _link_functions(end)
    return "\n".join(lines) + "\n"
