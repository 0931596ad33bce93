"""Service modules: the rules of each resource, between the routes and the SQL.

Who may do what is decided by src/access.ts (from the plan) and enforced in the
repositories' WHERE clauses; a service turns an empty answer into 404 when the caller
cannot see the row and 403 when they can but may not do this. A reference to a row the
caller cannot see is refused like one to a row that does not exist. The decisions are the
Python target's (service/services.py), written in TypeScript.
"""

from __future__ import annotations

import re

from ..schema import Table
from ..service.api import Api, LinkEnd, Resource
from ..service.services import checked_refs, noun
from .names import camel, module_dir, pascal
from .repositories import record_type
from .rules import read_condition, write_condition

ERRORS = ("Forbidden", "InvalidReference", "NotFound", "Unauthorized")


def repo_alias(table: Table) -> str:
    return "userRepo" if table.name == "users" else camel(table.singular) + "Repo"


def repo_module(api: Api, table: Table) -> str:
    if table.name == "users":
        return "../accounts/repository.js"
    return "../" + module_dir(api.resource(table)).rsplit("/", 1)[1] + "/repository.js"


def _alias(table: Table, this: Table) -> str:
    return "repo" if table.name == this.name else repo_alias(table)


def _sees(table: Table) -> str:
    return f', access.sees("{table.name}", await this.caller())' if read_condition(table) else ""


def _changeable(table: Table, row: str, this: Table, verb: str = "update") -> list[str]:
    """NotFound unless the caller sees row `row` of `table`; Forbidden unless they may also
    `verb` it."""
    alias, what = _alias(table, this), noun(table)
    out = [
        f"if (!(await {alias}.exists(this.db, {row}{_sees(table)}))) {{",
        f"  throw new NotFound(`there is no {what} ${{{row}}}`);",
        "}",
    ]
    refuse = [f"  throw new Forbidden(`you may not change {what} ${{{row}}}`);", "}"]
    if table.owned:
        scope = f'access.may("{table.name}", "{verb}", await this.caller())'
        out += [f"if (!(await {alias}.exists(this.db, {row}, {scope}))) {{", *refuse]
    elif table.access.per_caller(verb):
        out += [f'if (!access.allowed("{table.name}", "{verb}", await this.caller())) {{', *refuse]
    return out


def _link_methods(api: Api, resource: Resource, end: LinkEnd) -> list[str]:
    far, near = end.far, end.near
    single = pascal(far.singular)
    far_id = camel(far.singular) + "Id"
    record, _ = record_type(api, far)
    out: list[str] = []
    if end.writes:
        reach_far = (
            [
                f"if (!(await {repo_alias(far)}.exists(this.db, {far_id}))) {{",
                f"  throw new NotFound(`there is no user ${{{far_id}}}`);",
                "}",
            ]
            if end.far_is_users
            else _changeable(far, far_id, near)
        )
        out += [
            "",
            f"  async link{single}(id: string, {far_id}: string): Promise<void> {{",
            *["    " + ln for ln in _changeable(near, "id", near)],
            *["    " + ln for ln in reach_far],
            f"    await repo.link{single}(this.db, id, {far_id});",
            "  }",
            "",
            f"  async unlink{single}(id: string, {far_id}: string): Promise<void> {{",
            *["    " + ln for ln in _changeable(near, "id", near)],
            f"    if (!(await repo.unlink{single}(this.db, id, {far_id}))) {{",
            f"      throw new NotFound(`{noun(near)} ${{id}} is not linked to {noun(far)} ${{{far_id}}}`);",
            "    }",
            "  }",
        ]
    far_scope = "" if end.far_is_users else _sees(far)
    out += [
        "",
        f"  async list{pascal(far.name)}(id: string, query: PageParams): Promise<Page<{record}>> {{",
        "    await this.get(id);",
        f"    const rows = await repo.select{pascal(far.name)}(this.db, id, query.limit, decodeCursor(query.cursor){far_scope});",
        "    return page(rows, query.limit);",
        "  }",
    ]
    return out


def _write_methods(resource: Resource, write: str | None) -> list[str]:
    table, name, what = resource.table, resource.name, noun(resource.table)
    record = f"{name}Record"
    out = []
    for verb, action in (("update", "change"), ("delete", "delete")):
        per_caller = not table.owned and table.access.per_caller(verb)
        scope = ", scope" if write else ""
        scoped = (
            [f'    const scope = access.may("{table.name}", "{verb}", await this.caller());']
            if write
            else []
        )
        missing = (
            f'      return this.refuse(id, "{action}");'
            if write or per_caller
            else f"      throw new NotFound(`there is no {what} ${{id}}`);"
        )
        if verb == "update":
            out += ["", f"  async update(id: string, body: {name}Update): Promise<{record}> {{"]
        else:
            out += ["", "  async remove(id: string): Promise<void> {"]
        if per_caller:
            out += [
                f'    if (!access.allowed("{table.name}", "{verb}", await this.caller())) {{',
                f'      return this.refuse(id, "{action}");',
                "    }",
            ]
        if verb == "update":
            if checked_refs(resource):
                out.append("    await this.checkReferences(body);")
            out += [
                *scoped,
                f"    const row = await repo.update(this.db, id{scope}, body);",
                "    if (row === undefined) {",
                missing,
                "    }",
                "    return row;",
                "  }",
            ]
        else:
            out += [
                *scoped,
                f"    if (!(await repo.remove(this.db, id{scope}))) {{",
                missing,
                "    }",
                "  }",
            ]
    return out


def _helpers(resource: Resource, write: str | None) -> list[str]:
    table, what = resource.table, noun(resource.table)
    out = []
    if write or any(table.access.per_caller(v) for v in ("update", "delete")):
        out += [
            "",
            "  private async refuse(id: string, action: string): Promise<never> {",
            "    // 404 when the caller cannot see the row, 403 when they can.",
            "    await this.get(id);",
            f"    throw new Forbidden(`you may not ${{action}} {what} ${{id}}`);",
            "  }",
        ]
    refs = checked_refs(resource)
    if refs:
        shape = "; ".join(f"{r.column.api}?: string | null" for r in refs)
        out += [
            "",
            f"  private async checkReferences(data: {{ {shape} }}): Promise<void> {{",
            "    // A reference to a row the caller cannot see is refused like one to no row.",
        ]
        for ref in refs:
            col = ref.column.api
            value = camel(col)
            alias = _alias(ref.target, table)
            out += [
                f"    const {value} = data.{col};",
                f"    if ({value} !== undefined && {value} !== null && !(await {alias}.exists(this.db, {value}{_sees(ref.target)}))) {{",
                f'      throw new InvalidReference(`{col}: there is no {noun(ref.target)} ${{{value}}}`, ["{col}"]);',
                "    }",
            ]
        out.append("  }")
    return out


def service_module(api: Api, resource: Resource, sentence: str) -> str:
    table = resource.table
    name = resource.name
    record = f"{name}Record"
    a, auth = table.access, api.auth
    what = noun(table)
    write = write_condition(table)
    lines = [
        f"/** What a caller may do with {resource.label}; throws domain errors, never HTTP. */",
        f"export class {name}Service {{",
    ]
    if auth == "none":
        lines.append("  constructor(private readonly db: Db) {}")
    else:
        lines += [
            "  private found: access.Caller | undefined;",
            "",
            "  constructor(",
            "    private readonly db: Db,",
            "    private readonly userId: string | null = null,",
            "  ) {}",
            "",
            "  /** The caller's roles, read once per request (see src/access.ts). */",
            "  private async caller(): Promise<access.Caller> {",
            "    this.found ??= await access.caller(this.db, this.userId);",
            "    return this.found;",
            "  }",
        ]
    if table.owned or resource.mine_param:
        lines += [
            "",
            "  private owner(): string {",
            "    // Routes that reach an owner's rows require a user; fail closed if one does not.",
            '    if (this.userId === null) throw new Unauthorized("sign in to reach your own rows");',
            "    return this.userId;",
            "  }",
        ]
    lines += ["", f"  async create(body: {name}Create): Promise<{record}> {{"]
    if a.per_caller("create"):
        lines += [
            f'    if (!access.allowed("{table.name}", "create", await this.caller())) {{',
            f'      throw new Forbidden("you may not create {resource.label}");',
            "    }",
        ]
    if checked_refs(resource):
        lines.append("    await this.checkReferences(body);")
    owner = ", this.owner()" if table.owned else ""
    mine = resource.mine_param
    lines += [
        f"    return repo.insert(this.db{owner}, body);",
        "  }",
        "",
        f"  async get(id: string): Promise<{record}> {{",
        f"    const row = await repo.get(this.db, id{_sees(table)});",
        f"    if (row === undefined) throw new NotFound(`there is no {what} ${{id}}`);",
        "    return row;",
        "  }",
        "",
        f"  async list(query: {name}Filters): Promise<Page<{record}>> {{",
        f"    const {{ limit, cursor, {f'{mine}, ' if mine else ''}...filters }} = query;",
    ]
    scope = ""
    if read_condition(table):
        scope = ", scope"
        lines += [
            f'    {"let" if mine else "const"} scope = access.sees("{table.name}", await this.caller());',
            f'    if (access.nothing(scope)) throw new Forbidden("you may not list {resource.label}");',
        ]
    if mine:
        lines += [
            f"    if ({mine}) scope = {{ every: false, owner: this.owner(), public: false }};"
        ]
    lines += [
        f"    const rows = await repo.selectPage(this.db{scope}, limit, decodeCursor(cursor), filters);",
        "    return page(rows, limit);",
        "  }",
    ]
    lines += _write_methods(resource, write)
    lines += _helpers(resource, write)
    for end in resource.links:
        lines += _link_methods(api, resource, end)
    lines.append("}")
    body = "\n".join(lines)
    return "\n".join(_head(api, resource, body, sentence)) + "\n" + body + "\n"


def _head(api: Api, resource: Resource, body: str, sentence: str) -> list[str]:
    table = resource.table
    name = resource.name
    record = f"{name}Record"
    others = {
        t.name: t
        for t in [r.target for r in checked_refs(resource)]
        + [e.far for e in resource.links if e.writes]
        if t.name != table.name and f"{repo_alias(t)}." in body
    }
    errors = sorted(e for e in ERRORS if re.search(rf"\b{e}\(", body))
    far_records = {
        record_type(api, e.far) for e in resource.links if record_type(api, e.far)[0] != record
    }
    lines = [f"/** Rules for {resource.label}: {sentence} */"]
    if "access." in body:
        lines.append('import * as access from "../../access.js";')
    lines += [
        'import type { Db } from "../../db.js";',
        f'import {{ {", ".join(errors)} }} from "../../errors.js";',
        "import { type Page, "
        + ("type PageParams, " if resource.links else "")
        + 'decodeCursor, page } from "../../pagination.js";',
    ]
    for module, alias in sorted((repo_module(api, t), repo_alias(t)) for t in others.values()):
        lines.append(f'import * as {alias} from "{module}";')
    for type_name, module in sorted(far_records, key=lambda r: r[1]):
        lines.append(f'import type {{ {type_name} }} from "{module}";')
    lines += [
        'import * as repo from "./repository.js";',
        f'import type {{ {name}Create, {name}Filters, {record}, {name}Update }} from "./schemas.js";',
        "",
    ]
    return lines
