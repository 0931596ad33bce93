"""Repository modules: the SQL of one table each, written out so a reviewer can read it.

Every statement is static text with `$n` parameters, except the WHERE clause of a filtered
list and the SET clause of a PATCH, which are composed from the repository's own map of
API names to columns (`assignments` in src/db.ts), never from a client's input.
"""

from __future__ import annotations

from ..schema import Column, Table
from ..service.api import Api, LinkEnd, Resource
from ..service.repositories import select_list
from .names import camel, module_dir, pascal, ts
from .rules import read_condition, write_condition


def record_type(api: Api, table: Table) -> tuple[str, str]:
    """(type name, module it comes from, relative to a module directory)."""
    if table.name == "users":
        return "UserRefRecord", "../accounts/schemas.js"
    far = api.resource(table)
    return f"{far.name}Record", "../" + module_dir(far).rsplit("/", 1)[1] + "/schemas.js"


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
    far_id = camel(far.singular) + "Id"
    out: list[str] = []
    if end.writes:
        out += [
            "",
            f"export async function link{single}(db: Db, rowId: string, {far_id}: string): Promise<void> {{",
            "  await db.query(",
            f"    `INSERT INTO {link.sql} ({end.near_column}, {end.far_column}) VALUES ($1, $2) ON CONFLICT DO NOTHING`,",
            f"    [rowId, {far_id}],",
            "  );",
            "}",
            "",
            f"export async function unlink{single}(db: Db, rowId: string, {far_id}: string): Promise<boolean> {{",
            "  const { rowCount } = await db.query(",
            f"    `DELETE FROM {link.sql} WHERE {end.near_column} = $1 AND {end.far_column} = $2`,",
            f"    [rowId, {far_id}],",
            "  );",
            "  return rowCount === 1;",
            "}",
        ]
    record, _ = record_type(api, far)
    columns = "t.id, t.created_at" if end.far_is_users else select_list(far, "t")
    visible = None if end.far_is_users else read_condition(far, "t")
    scope = ", scope: Scope" if visible else ""
    words = far.name.replace("_", " ")
    out += [
        "",
        f"/** {words[:1].upper() + words[1:]} linked to one row, newest first"
        + (", only those the caller may read." if visible else ".")
        + " */",
        f"export async function select{pascal(far.name)}(",
        f"  db: Db, rowId: string, limit: number, after: Cursor | null{scope}",
        f"): Promise<{record}[]> {{",
        "  const params: unknown[] = [rowId];",
        f"  const where = [{quoted(f'l.{end.near_column} = $1')}"
        + (f", scoped({quoted(visible)}, scope, params)" if visible else "")
        + "];",
        f"  return keysetPage<{record}>(",
        "    db,",
        f"    `SELECT {columns} FROM {far.sql} t JOIN {link.sql} l ON l.{end.far_column} = t.id`,",
        "    where,",
        "    params,",
        "    limit,",
        "    after,",
        '    "t",',
        "  );",
        "}",
    ]
    return out


def _value(column: Column) -> str:
    ref = f"data.{column.api}"
    if column.kind == "json":
        return f"jsonParam({ref})"
    return f"{ref} ?? null" if column.nullable else ref


def repository_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    owned = table.owned
    creatable = table.creatable
    restrict = _restrict_sources(resource)
    read, write = read_condition(table), write_condition(table)
    record = f"{name}Record"
    scope_text = (
        "Every statement takes the caller's `Scope` (src/access.ts) into its WHERE clause: a "
        "row the caller may not reach is never read, changed or deleted, it is simply not found."
        if read or write
        else "Every caller who reaches these statements may see every row, so they take no scope."
    )
    names = ", ".join((["owner_id"] if owned else []) + [c.sql for c in creatable])
    count = len(creatable) + (1 if owned else 0)
    values = ", ".join(f"${i}" for i in range(1, count + 1))
    params = (["ownerId"] if owned else []) + [_value(c) for c in creatable]
    if count:
        insert = f"INSERT INTO {table.sql} ({names}) VALUES ({values}) RETURNING ${{COLUMNS}}"
    else:
        insert = f"INSERT INTO {table.sql} DEFAULT VALUES RETURNING ${{COLUMNS}}"
    json_fields = sorted(c.api for c in table.fields if c.kind == "json")
    columns = [c for c in table.columns if c.source is not None or c.kind == "reference"]
    link_records = {
        record_type(api, e.far) for e in resource.links if record_type(api, e.far)[0] != record
    }
    far_scoped = any(read_condition(e.far, "t") for e in resource.links if not e.far_is_users)
    db_names = ["assignments", "type Cursor", "type Db", "keysetPage", "only"]
    if any(c.kind == "json" for c in creatable):
        db_names.append("jsonParam")
    read_arg = ", scope: Scope" if read else ""
    write_arg = ", scope: Scope" if write else ""

    lines = [f"/** SQL for `{table.name}` ({name}). {scope_text} */"]
    if restrict:
        lines += ['import pg from "pg";', ""]
    if read or write or far_scoped:
        lines.append('import { type Scope, scoped } from "../../access.js";')
    lines.append(
        f'import {{ {", ".join(sorted(db_names, key=lambda n: n.removeprefix("type ")))} }} from "../../db.js";'
    )
    if restrict:
        lines.append('import { StillReferenced } from "../../errors.js";')
    for type_name, module in sorted(link_records, key=lambda r: r[1]):
        lines.append(f'import type {{ {type_name} }} from "{module}";')
    lines += [
        f'import type {{ {name}Create, {name}Filters, {record}, {name}Update }} from "./schemas.js";',
        "",
        f"const COLUMNS = {quoted(select_list(table))};",
        "/** API name → SQL column, for the statements composed at run time (PATCH, filters). */",
        "const COLUMN: Readonly<Record<string, string>> = {",
        *[f"  {c.api}: {quoted(c.sql)}," for c in columns],
        "};",
        "const JSON_FIELDS: ReadonlySet<string> = new Set("
        + (f"[{', '.join(quoted(j) for j in json_fields)}]" if json_fields else "")
        + ");",
    ]
    if read:
        lines += [
            "/** The rows a caller may read (src/access.ts `sees`). */",
            f"const READ = {quoted(read)};",
        ]
    if write:
        lines += [
            "/** The rows a caller may change (src/access.ts `may`). */",
            f"const WRITE = {quoted(write)};",
        ]
    lines += [
        "",
        f"export async function insert(db: Db{', ownerId: string' if owned else ''}, data: {name}Create): Promise<{record}> {{",
        f"  const {{ rows }} = await db.query<{record}>(`{insert}`, [{', '.join(params)}]);",
        "  return only(rows);",
        "}",
    ]

    def by_id(
        function: str, result: str, arg: str, condition: str | None, body: list[str]
    ) -> list[str]:
        setup = ["  const params: unknown[] = [id];"]
        clause = "WHERE id = $1"
        if condition:
            name_ = "READ" if condition == read else "WRITE"
            clause += f" AND ${{scoped({name_}, scope, params)}}"
        return [
            "",
            f"export async function {function}(db: Db, id: string{arg}): {result} {{",
            *setup,
            *[ln.replace("WHERE_ID", clause) for ln in body],
            "}",
        ]

    lines += by_id(
        "get",
        f"Promise<{record} | undefined>",
        read_arg,
        read,
        [
            f"  const {{ rows }} = await db.query<{record}>(`SELECT ${{COLUMNS}} FROM {table.sql} WHERE_ID`, params);",
            "  return rows[0];",
        ],
    )
    lines += by_id(
        "exists",
        "Promise<boolean>",
        read_arg,
        read,
        [
            f"  const {{ rowCount }} = await db.query(`SELECT 1 FROM {table.sql} WHERE_ID`, params);",
            "  return rowCount === 1;",
        ],
    )
    lines += [
        "",
        f'export type Filters = Omit<{name}Filters, "limit" | "cursor"{(" | " + ts(resource.mine_param)) if resource.mine_param else ""}>;',
        "",
        "export async function selectPage(",
        f"  db: Db{read_arg}, limit: number, after: Cursor | null, filters: Filters",
        f"): Promise<{record}[]> {{",
        "  const params: unknown[] = [];",
        "  const where = ["
        + ("scoped(READ, scope, params), " if read else "")
        + "...assignments(filters, COLUMN, params)];",
        f"  return keysetPage<{record}>(db, `SELECT ${{COLUMNS}} FROM {table.sql}`, where, params, limit, after);",
        "}",
    ]
    write_clause = "WHERE id = $1" + (" AND ${scoped(WRITE, scope, params)}" if write else "")
    lines += [
        "",
        f"/** The changed row; undefined when there is no such row{' the scope reaches' if write else ''}. */",
        "export async function update(",
        f"  db: Db, id: string{write_arg}, changes: {name}Update",
        f"): Promise<{record} | undefined> {{",
        "  const params: unknown[] = [id];",
        f"  const clause = `{write_clause}`;",
        "  const sets = assignments(changes, COLUMN, params, JSON_FIELDS);",
        "  const statement =",
        "    sets.length === 0",
        f"      ? `SELECT ${{COLUMNS}} FROM {table.sql} ${{clause}}`",
        f'      : `UPDATE {table.sql} SET ${{sets.join(", ")}} ${{clause}} RETURNING ${{COLUMNS}}`;',
        f"  const {{ rows }} = await db.query<{record}>(statement, params);",
        "  return rows[0];",
        "}",
        "",
        f"export async function remove(db: Db, id: string{write_arg}): Promise<boolean> {{",
        "  const params: unknown[] = [id];",
    ]
    delete = [
        f"  const {{ rowCount }} = await db.query(`DELETE FROM {table.sql} {write_clause}`, params);",
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


def quoted(text: str) -> str:
    """A TypeScript string for SQL text: single quotes when the SQL quotes identifiers."""
    return f"'{text}'" if '"' in text else f'"{text}"'
