"""Service modules: the rules of each resource, between the routes and the SQL.

Ownership lives here and in the repositories' WHERE clauses: a row that is not yours, or
a reference to one, is answered exactly like a row that does not exist.
"""

from __future__ import annotations

from ..schema import Table
from ..service.api import Api, LinkEnd, Resource
from .names import camel, module_dir, pascal
from .repositories import record_type


def repo_alias(table: Table) -> str:
    return "userRepo" if table.name == "users" else camel(table.singular) + "Repo"


def repo_module(api: Api, table: Table) -> str:
    if table.name == "users":
        return "../accounts/repository.js"
    return "../" + module_dir(api.resource(table)).rsplit("/", 1)[1] + "/repository.js"


def _owned_refs(resource: Resource) -> list:
    return [r for r in resource.references if r.target.owned]


def _exists(table: Table, value: str, this: Table) -> str:
    owner = ", this.owner()" if table.owned else ""
    module = "repo" if table.name == this.name else repo_alias(table)
    return f"await {module}.exists(this.db, {value}{owner})"


def words(table: Table) -> str:
    return table.singular.replace("_", " ")


def _link_methods(api: Api, resource: Resource, end: LinkEnd) -> list[str]:
    far = end.far
    single = pascal(far.singular)
    far_id = camel(far.singular) + "Id"
    viewer = ", this.userId" if far.owned and not end.far_is_users else ""
    record, _ = record_type(api, far)
    out: list[str] = []
    if end.writes:
        out += [
            "",
            f"  async link{single}(id: string, {far_id}: string): Promise<void> {{",
            "    await this.writable(id);",
            f"    if (!({_exists(far, far_id, end.near)})) {{",
            f"      throw new NotFound(`there is no {words(far)} ${{{far_id}}}`);",
            "    }",
            f"    await repo.link{single}(this.db, id, {far_id});",
            "  }",
            "",
            f"  async unlink{single}(id: string, {far_id}: string): Promise<void> {{",
            "    await this.writable(id);",
            f"    if (!(await repo.unlink{single}(this.db, id, {far_id}))) {{",
            f"      throw new NotFound(`{words(resource.table)} ${{id}} is not linked to {words(far)} ${{{far_id}}}`);",
            "    }",
            "  }",
        ]
    out += [
        "",
        f"  async list{pascal(far.name)}(id: string, query: PageParams): Promise<Page<{record}>> {{",
        "    await this.get(id);",
        f"    const rows = await repo.select{pascal(far.name)}(this.db, id, query.limit, decodeCursor(query.cursor){viewer});",
        "    return page(rows, query.limit);",
        "  }",
    ]
    return out


def service_module(api: Api, resource: Resource, ownership: str) -> str:
    table = resource.table
    name = resource.name
    owned = table.owned
    auth = api.auth
    owner = ", this.owner()" if owned else ""
    refs = _owned_refs(resource)
    others = {r.target.name: r.target for r in refs}
    link_targets = {e.far.name: e.far for e in resource.links if e.writes}
    modules = {k: t for k, t in {**others, **link_targets}.items() if k != table.name}
    needs_owner = owned or any(t.owned for t in [*others.values(), *link_targets.values()])
    errors = (
        ["NotFound"]
        + (["InvalidReference"] if refs else [])
        + (["Unauthorized"] if needs_owner else [])
    )
    record = f"{name}Record"
    far_records = {
        record_type(api, e.far) for e in resource.links if record_type(api, e.far)[0] != record
    }
    lines = [
        f"/** Rules for {resource.label}: {ownership} */",
        'import type { Db } from "../../db.js";',
        f'import {{ {", ".join(sorted(errors))} }} from "../../errors.js";',
        "import { type Page, "
        + ("type PageParams, " if resource.links else "")
        + 'decodeCursor, page } from "../../pagination.js";',
    ]
    imports = [(repo_module(api, t), repo_alias(t)) for t in modules.values()]
    for module, alias in sorted(imports):
        lines.append(f'import * as {alias} from "{module}";')
    for type_name, module in sorted(far_records, key=lambda r: r[1]):
        lines.append(f'import type {{ {type_name} }} from "{module}";')
    lines += [
        'import * as repo from "./repository.js";',
        f'import type {{ {name}Create, {name}Filters, {record}, {name}Update }} from "./schemas.js";',
        "",
        f"/** What a caller may do with {resource.label}; throws domain errors, never HTTP. */",
        f"export class {name}Service {{",
    ]
    if auth == "none":
        lines.append("  constructor(private readonly db: Db) {}")
    else:
        lines += [
            "  constructor(",
            "    private readonly db: Db,",
            "    private readonly userId: string | null = null,",
            "  ) {}",
        ]
    if needs_owner:
        lines += [
            "",
            "  private owner(): string {",
            "    // Routes that reach an owner's rows require a user; fail closed if one does not.",
            '    if (this.userId === null) throw new Unauthorized("sign in to reach your own rows");',
            "    return this.userId;",
            "  }",
        ]
    lines += [
        "",
        f"  async create(body: {name}Create): Promise<{record}> {{",
        *(["    await this.checkReferences(body);"] if refs else []),
        f"    return repo.insert(this.db{owner}, body);",
        "  }",
        "",
        f"  async get(id: string): Promise<{record}> {{",
        "    const row = await "
        + (
            "repo.getVisible(this.db, id, this.userId);"
            if table.public_flag
            else f"repo.get(this.db, id{owner});"
        ),
        f"    if (row === undefined) throw new NotFound(`there is no {words(table)} ${{id}}`);",
        "    return row;",
        "  }",
        "",
        f"  async list(query: {name}Filters): Promise<Page<{record}>> {{",
        "    const { limit, cursor, ...filters } = query;",
        f"    const rows = await repo.selectPage(this.db{owner}, limit, decodeCursor(cursor), filters);",
        "    return page(rows, limit);",
        "  }",
    ]
    if table.public_flag:
        lines += [
            "",
            f"  async listPublic(query: {name}Filters): Promise<Page<{record}>> {{",
            "    const { limit, cursor, ...filters } = query;",
            "    const rows = await repo.selectPublicPage(this.db, limit, decodeCursor(cursor), filters);",
            "    return page(rows, limit);",
            "  }",
        ]
    lines += [
        "",
        f"  async update(id: string, body: {name}Update): Promise<{record}> {{",
        *(["    await this.checkReferences(body);"] if refs else []),
        f"    const row = await repo.update(this.db, id{owner}, body);",
        f"    if (row === undefined) throw new NotFound(`there is no {words(table)} ${{id}}`);",
        "    return row;",
        "  }",
        "",
        "  async remove(id: string): Promise<void> {",
        f"    if (!(await repo.remove(this.db, id{owner}))) throw new NotFound(`there is no {words(table)} ${{id}}`);",
        "  }",
    ]
    if refs:
        shape = "; ".join(f"{r.column.api}?: string | null" for r in refs)
        lines += [
            "",
            f"  private async checkReferences(data: {{ {shape} }}): Promise<void> {{",
            "    // A reference to another person's row is refused like one to no row at all.",
        ]
        for ref in refs:
            col = ref.column.api
            lines += [
                f"    const {camel(col)} = data.{col};",
                f"    if ({camel(col)} !== undefined && {camel(col)} !== null && !({_exists(ref.target, camel(col), table)})) {{",
                f'      throw new InvalidReference(`{col}: there is no {words(ref.target)} ${{{camel(col)}}}`, ["{col}"]);',
                "    }",
            ]
        lines.append("  }")
    if any(e.writes for e in resource.links):
        lines += [
            "",
            "  private async writable(id: string): Promise<void> {",
            f"    if (!(await repo.exists(this.db, id{owner}))) throw new NotFound(`there is no {words(table)} ${{id}}`);",
            "  }",
        ]
    for end in resource.links:
        lines += _link_methods(api, resource, end)
    lines.append("}")
    return "\n".join(lines) + "\n"
