"""Repository modules: the SQL of one table each, written out so a reviewer can read it.

Every statement is static text with `$n` parameters, except the WHERE clause of a filtered
list and the SET clause of a PATCH, which are composed from the repository's own map of
API names to columns (`assignments` in src/db.ts), never from a client's input.
"""

from __future__ import annotations

from ..schema import Column, Table
from ..service.api import Api, LinkEnd, Resource
from ..service.repositories import owner_condition, select_list
from .names import camel, module_dir, pascal


def record_type(api: Api, table: Table) -> tuple[str, str]:
    """(type name, module it comes from, relative to a module directory)."""
    if table.name == "users":
        return "UserRefRecord", "../accounts/schemas.js"
    far = api.resource(table)
    return f"{far.name}Record", "../" + module_dir(far).rsplit("/", 1)[1] + "/schemas.js"


def _value(column: Column) -> str:
    ref = f"data.{column.api}"
    if column.kind == "json":
        return f"jsonParam({ref})"
    return f"{ref} ?? null" if column.nullable else ref


def _dollar(text: str) -> str:
    """A statement as a template literal body (its `${COLUMNS}` stays interpolated)."""
    return text.replace("`", "\\`")


def _restrict_sources(resource: Resource) -> list[str]:
    return sorted(
        {
            child.name
            for child, column in resource.referenced_by
            if column.references and column.references.on_delete == "RESTRICT"
        }
    )


def _link_functions(api: Api, end: LinkEnd) -> list[str]:
    link, far = end.link, end.far
    single = pascal(far.singular)
    out: list[str] = []
    if end.writes:
        out += [
            "",
            f"export async function link{single}(db: Db, rowId: string, {camel(far.singular)}Id: string): Promise<void> {{",
            "  await db.query(",
            f"    `INSERT INTO {link.sql} ({end.near_column}, {end.far_column}) VALUES ($1, $2) ON CONFLICT DO NOTHING`,",
            f"    [rowId, {camel(far.singular)}Id],",
            "  );",
            "}",
            "",
            f"export async function unlink{single}(db: Db, rowId: string, {camel(far.singular)}Id: string): Promise<boolean> {{",
            "  const { rowCount } = await db.query(",
            f"    `DELETE FROM {link.sql} WHERE {end.near_column} = $1 AND {end.far_column} = $2`,",
            f"    [rowId, {camel(far.singular)}Id],",
            "  );",
            "  return rowCount === 1;",
            "}",
        ]
    record, _ = record_type(api, far)
    columns = "t.id, t.created_at" if end.far_is_users else select_list(far, "t")
    where = [_quoted(f"l.{end.near_column} = $1")]
    params = ["rowId"]
    if far.owned and not end.far_is_users:
        where.append(_dollar_param(owner_condition(far, "t", "_viewer")))
        params.append("viewerId")
    viewer = ", viewerId: string | null" if far.owned and not end.far_is_users else ""
    words = far.name.replace("_", " ")
    out += [
        "",
        f"/** {words[:1].upper() + words[1:]} linked to one row, newest first"
        + (", only those the viewer may read." if viewer else ".")
        + " */",
        f"export async function select{pascal(far.name)}(",
        f"  db: Db, rowId: string, limit: number, after: Cursor | null{viewer}",
        f"): Promise<{record}[]> {{",
        f"  return keysetPage<{record}>(",
        "    db,",
        f"    `SELECT {_dollar(columns)} FROM {far.sql} t JOIN {link.sql} l ON l.{end.far_column} = t.id`,",
        f"    [{', '.join(where)}],",
        f"    [{', '.join(params)}],",
        "    limit,",
        "    after,",
        '    "t",',
        "  );",
        "}",
    ]
    return out


def _dollar_param(condition: str) -> str:
    """Python's `%(_viewer)s` placeholder as `$2` (the viewer is the second parameter)."""
    return _quoted(condition.replace("%(_viewer)s", "$2"))


def repository_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    owned = table.owned
    writable = table.fields
    restrict = _restrict_sources(resource)
    flag = table.column(table.public_flag).sql if table.public_flag else None
    owner_arg = ", ownerId: string" if owned else ""
    owner_where = " AND owner_id = $2" if owned else ""
    owner_param = ", ownerId" if owned else ""
    names = ", ".join((["owner_id"] if owned else []) + [c.sql for c in writable])
    count = len(writable) + (1 if owned else 0)
    values = ", ".join(f"${i}" for i in range(1, count + 1))
    params = (["ownerId"] if owned else []) + [_value(c) for c in writable]
    scope = (
        "Every statement is scoped to an owner: a row of someone else is never read, changed "
        "or deleted, it is simply not found."
        if owned
        else "Rows are shared, so statements are not scoped to an owner."
    )
    json_fields = sorted(c.api for c in writable if c.kind == "json")
    record = f"{name}Record"
    link_records = {
        record_type(api, e.far) for e in resource.links if record_type(api, e.far)[0] != record
    }
    db_names = ["assignments", "type Cursor", "type Db", "keysetPage", "only"]
    if json_fields:
        db_names.append("jsonParam")
    lines = [
        f"/** SQL for `{table.name}` ({name}). {scope} */",
    ]
    if restrict:
        lines.append('import pg from "pg";')
        lines.append("")
    lines += [
        f'import {{ {", ".join(sorted(db_names, key=lambda n: n.removeprefix("type ")))} }} from "../../db.js";',
    ]
    if restrict:
        lines.append('import { StillReferenced } from "../../errors.js";')
    for type_name, module in sorted(link_records, key=lambda r: r[1]):
        lines.append(f'import type {{ {type_name} }} from "{module}";')
    lines += [
        f'import type {{ {name}Create, {name}Filters, {record}, {name}Update }} from "./schemas.js";',
        "",
        f"const COLUMNS = {_quoted(select_list(table))};",
        "/** API name → SQL column, for the statements composed at run time (PATCH, filters). */",
        "const COLUMN: Readonly<Record<string, string>> = {",
        *[f"  {c.api}: {_quoted(c.sql)}," for c in writable],
        "};",
        "const JSON_FIELDS: ReadonlySet<string> = new Set("
        + (f"[{', '.join(_quoted(j) for j in json_fields)}]" if json_fields else "")
        + ");",
        "",
        f"export async function insert(db: Db{owner_arg}, data: {name}Create): Promise<{record}> {{",
        f"  const {{ rows }} = await db.query<{record}>(",
        f"    `INSERT INTO {table.sql} ({names}) VALUES ({values}) RETURNING ${{COLUMNS}}`,",
        f"    [{', '.join(params)}],",
        "  );",
        "  return only(rows);",
        "}",
        "",
        f"export async function get(db: Db, id: string{owner_arg}): Promise<{record} | undefined> {{",
        f"  const {{ rows }} = await db.query<{record}>(",
        f"    `SELECT ${{COLUMNS}} FROM {table.sql} WHERE id = $1{owner_where}`,",
        f"    [id{owner_param}],",
        "  );",
        "  return rows[0];",
        "}",
    ]
    if flag:
        lines += [
            "",
            f"/** The row if the viewer owns it or it is public (`{table.public_flag}`). */",
            f"export async function getVisible(db: Db, id: string, viewerId: string | null): Promise<{record} | undefined> {{",
            f"  const {{ rows }} = await db.query<{record}>(",
            f"    `SELECT ${{COLUMNS}} FROM {table.sql} WHERE id = $1 AND (owner_id = $2 OR {flag})`,",
            "    [id, viewerId],",
            "  );",
            "  return rows[0];",
            "}",
        ]
    lines += [
        "",
        f"export async function exists(db: Db, id: string{owner_arg}): Promise<boolean> {{",
        f"  const {{ rowCount }} = await db.query(`SELECT 1 FROM {table.sql} WHERE id = $1{owner_where}`, [id{owner_param}]);",
        "  return rowCount === 1;",
        "}",
        "",
        f'export type Filters = Omit<{name}Filters, "limit" | "cursor">;',
        "",
        "export async function selectPage(",
        f"  db: Db{owner_arg}, limit: number, after: Cursor | null, filters: Filters",
        f"): Promise<{record}[]> {{",
        f"  const params: unknown[] = [{'ownerId' if owned else ''}];",
        "  const where = ["
        + ('"owner_id = $1", ' if owned else "")
        + "...assignments(filters, COLUMN, params)];",
        f"  return keysetPage<{record}>(db, `SELECT ${{COLUMNS}} FROM {table.sql}`, where, params, limit, after);",
        "}",
    ]
    if flag:
        lines += [
            "",
            "export async function selectPublicPage(",
            "  db: Db, limit: number, after: Cursor | null, filters: Filters",
            f"): Promise<{record}[]> {{",
            "  const params: unknown[] = [];",
            f"  const where = [{_quoted(flag)}, ...assignments(filters, COLUMN, params)];",
            f"  return keysetPage<{record}>(db, `SELECT ${{COLUMNS}} FROM {table.sql}`, where, params, limit, after);",
            "}",
        ]
    lines += [
        "",
        "export async function update(",
        f"  db: Db, id: string{owner_arg}, changes: {name}Update",
        f"): Promise<{record} | undefined> {{",
        f"  const params: unknown[] = [id{owner_param}];",
        "  const sets = assignments(changes, COLUMN, params, JSON_FIELDS);",
        f"  if (sets.length === 0) return get(db, id{owner_param});",
        f"  const {{ rows }} = await db.query<{record}>(",
        f'    `UPDATE {table.sql} SET ${{sets.join(", ")}} WHERE id = $1{owner_where} RETURNING ${{COLUMNS}}`,',
        "    params,",
        "  );",
        "  return rows[0];",
        "}",
        "",
        f"export async function remove(db: Db, id: string{owner_arg}): Promise<boolean> {{",
    ]
    delete = [
        f"  const {{ rowCount }} = await db.query(`DELETE FROM {table.sql} WHERE id = $1{owner_where}`, [id{owner_param}]);",
        "  return rowCount === 1;",
    ]
    if restrict:
        lines += [
            "  try {",
            *["  " + ln for ln in delete],
            "  } catch (error) {",
            '    if (error instanceof pg.DatabaseError && error.code === "23503") {',
            f"      throw new StillReferenced(`{name} ${{id}} is still referenced by {', '.join(restrict)}; delete those first`);",
            "    }",
            "    throw error;",
            "  }",
        ]
    else:
        lines += delete
    lines.append("}")
    for end in resource.links:
        lines += _link_functions(api, end)
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """A TypeScript string for SQL text: single quotes when the SQL quotes identifiers."""
    return f"'{text}'" if '"' in text else f'"{text}"'
