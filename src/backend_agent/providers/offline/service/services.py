"""Service modules: the rules of each resource, between the routes and the SQL.

Who may do what is decided by `app/access.py` (from the plan) and enforced in the
repositories' WHERE clauses; a service turns an empty answer into 404 when the caller
cannot see the row and 403 when they can but may not do this. A reference to a row the
caller cannot see is refused like one to a row that does not exist.
"""

from __future__ import annotations

import re

from .. import facts
from ..schema import Table
from .api import Api, LinkEnd, Resource
from .rules import read_condition, write_condition

ERRORS = ("Forbidden", "InvalidReference", "NotFound", "Unauthorized")


def repo_alias(table: Table) -> str:
    return f"{table.singular}_repo"


def _module_of(api: Api, table: Table) -> str:
    return "user" if table.name == "users" else api.resource(table).module


def noun(table: Table) -> str:
    """The table's row in words, as error messages of both targets say it."""
    return table.singular.replace("_", " ")


def _alias(table: Table, this: Table) -> str:
    return "repo" if table.name == this.name else repo_alias(table)


def checked_refs(resource: Resource) -> list:
    """References whose target rows not every caller may see."""
    return [r for r in resource.references if read_condition(r.target)]


def _sees(table: Table) -> str:
    return f', access.sees("{table.name}", await self.caller())' if read_condition(table) else ""


def _changeable(table: Table, row: str, this: Table, verb: str = "update") -> list[str]:
    """NotFound unless the caller sees row `row` of `table`; Forbidden unless they may also
    `verb` it."""
    alias, words = _alias(table, this), noun(table)
    out = [
        f"if not await {alias}.exists(self.conn, {row}{_sees(table)}):",
        f'    raise NotFound(f"there is no {words} {{{row}}}")',
    ]
    refuse = f'    raise Forbidden(f"you may not change {words} {{{row}}}")'
    if table.owned:
        scope = f'access.may("{table.name}", "{verb}", await self.caller())'
        out += [f"if not await {alias}.exists(self.conn, {row}, {scope}):", refuse]
    elif table.access.per_caller(verb):
        out += [f'if not access.allowed("{table.name}", "{verb}", await self.caller()):', refuse]
    return out


def _link_methods(resource: Resource, end: LinkEnd) -> list[str]:
    far, near = end.far, end.near
    single = far.singular
    out: list[str] = []
    if end.writes:
        reach_far = (
            [
                f"if not await {repo_alias(far)}.exists(self.conn, {single}_id):",
                f'    raise NotFound(f"there is no user {{{single}_id}}")',
            ]
            if end.far_is_users
            else _changeable(far, f"{single}_id", near)
        )
        out += [
            "",
            f"    async def link_{single}(self, row_id: UUID, {single}_id: UUID) -> None:",
            *["        " + ln for ln in _changeable(near, "row_id", near)],
            *["        " + ln for ln in reach_far],
            f"        await repo.link_{single}(self.conn, row_id, {single}_id)",
            "",
            f"    async def unlink_{single}(self, row_id: UUID, {single}_id: UUID) -> None:",
            *["        " + ln for ln in _changeable(near, "row_id", near)],
            f"        if not await repo.unlink_{single}(self.conn, row_id, {single}_id):",
            "            raise NotFound(",
            f'                f"{noun(near)} {{row_id}} is not linked to '
            f'{single.replace("_", " ")} {{{single}_id}}"',
            "            )",
        ]
    far_scope = "" if end.far_is_users else _sees(far)
    out += [
        "",
        f"    async def list_{far.name}(",
        "        self, row_id: UUID, limit: int, cursor: str | None",
        "    ) -> dict[str, Any]:",
        "        await self.get(row_id)",
        f"        rows = await repo.select_{far.name}(",
        f"            self.conn, row_id, limit, decode_cursor(cursor){far_scope}",
        "        )",
        "        return page(rows, limit)",
    ]
    return out


def _head(api: Api, resource: Resource, body: str) -> list[str]:
    table = resource.table
    others = {
        t.name: t
        for t in [r.target for r in checked_refs(resource)]
        + [e.far for e in resource.links if e.writes]
        if t.name != table.name
    }
    errors = sorted(e for e in ERRORS if re.search(rf"\b{e}\(", body))
    name = resource.name
    lines = [
        f'"""Rules for {resource.label}: {facts.access_sentence(table, api.auth)}"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any" + (", NoReturn" if "NoReturn" in body else ""),
        "from uuid import UUID",
        "",
        "from psycopg import AsyncConnection",
        "",
    ]
    if "access." in body:
        lines.append("from .. import access")
    lines += [
        f"from ..errors import {', '.join(errors)}",
        f"from ..models.{resource.module} import {name}Create, {name}Update",
        "from ..pagination import decode_cursor, page",
    ]
    repos = {resource.module: "repo"}
    repos.update({_module_of(api, t): repo_alias(t) for t in others.values()})
    for module, alias in sorted(repos.items()):
        lines.append(f"from ..repositories import {module} as {alias}")
    return lines


def service_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    a, auth = table.access, api.auth
    words = noun(table)
    write = write_condition(table)
    lines = [
        "",
        "",
        f"class {name}Service:",
        f'    """What a caller may do with {resource.label}; raises domain errors, never HTTP."""',
        "",
    ]
    if auth == "none":
        lines += [
            "    def __init__(self, conn: AsyncConnection) -> None:",
            "        self.conn = conn",
        ]
    else:
        lines += [
            "    def __init__(self, conn: AsyncConnection, user_id: UUID | None = None) -> None:",
            "        self.conn = conn",
            "        self.user_id = user_id",
            "        self._caller: access.Caller | None = None",
            "",
            "    async def caller(self) -> access.Caller:",
            "        # The caller's roles, read once per request (see app/access.py).",
            "        if self._caller is None:",
            "            self._caller = await access.caller(self.conn, self.user_id)",
            "        return self._caller",
        ]
    if table.owned or resource.mine_param:
        lines += [
            "",
            "    def _owner(self) -> UUID:",
            "        # Routes that reach an owner's rows require a user; fail closed if one does not.",
            "        if self.user_id is None:",
            '            raise Unauthorized("sign in to reach your own rows")',
            "        return self.user_id",
        ]
    lines += ["", f"    async def create(self, body: {name}Create) -> dict[str, Any]:"]
    if a.per_caller("create"):
        lines += [
            f'        if not access.allowed("{table.name}", "create", await self.caller()):',
            f'            raise Forbidden("you may not create {resource.label}")',
        ]
    lines.append("        data = body.model_dump(by_alias=True)")
    if checked_refs(resource):
        lines.append("        await self._check_references(data)")
    owner = ", self._owner()" if table.owned else ""
    lines += [
        f"        return await repo.insert(self.conn{owner}, data)",
        "",
        "    async def get(self, row_id: UUID) -> dict[str, Any]:",
        f"        row = await repo.get(self.conn, row_id{_sees(table)})",
        "        if row is None:",
        f'            raise NotFound(f"there is no {words} {{row_id}}")',
        "        return row",
        "",
        "    async def list(",
        "        self, limit: int, cursor: str | None, filters: dict[str, Any]"
        + (", mine: bool = False" if resource.mine_param else ""),
        "    ) -> dict[str, Any]:",
    ]
    scope = ""
    if read_condition(table):
        scope = ", scope"
        lines += [
            f'        scope = access.sees("{table.name}", await self.caller())',
            "        if scope.nothing:",
            f'            raise Forbidden("you may not list {resource.label}")',
        ]
    if resource.mine_param:
        lines += ["        if mine:", "            scope = access.Scope(owner=self._owner())"]
    lines += [
        f"        rows = await repo.select_page(self.conn{scope}, limit, decode_cursor(cursor), "
        "filters)",
        "        return page(rows, limit)",
    ]
    lines += _write_methods(resource, write)
    lines += _helpers(resource, write)
    for end in resource.links:
        lines += _link_methods(resource, end)
    body = "\n".join(lines)
    return "\n".join(_head(api, resource, body)) + "\n" + body + "\n"


def _write_methods(resource: Resource, write: str | None) -> list[str]:
    table, name, words = resource.table, resource.name, noun(resource.table)
    out = []
    for verb, action in (("update", "change"), ("delete", "delete")):
        per_caller = not table.owned and table.access.per_caller(verb)
        scope = ", scope" if write else ""
        scoped = (
            [f'        scope = access.may("{table.name}", "{verb}", await self.caller())']
            if write
            else []
        )
        missing = (
            f'            await self._refuse(row_id, "{action}")'
            if write or per_caller
            else f'            raise NotFound(f"there is no {words} {{row_id}}")'
        )
        if verb == "update":
            out += [
                "",
                f"    async def update(self, row_id: UUID, body: {name}Update) -> dict[str, Any]:",
                "        changes = body.model_dump(by_alias=True, exclude_unset=True)",
            ]
        else:
            out += ["", "    async def delete(self, row_id: UUID) -> None:"]
        if per_caller:
            out += [
                f'        if not access.allowed("{table.name}", "{verb}", await self.caller()):',
                f'            await self._refuse(row_id, "{action}")',
            ]
        if verb == "update":
            if checked_refs(resource):
                out.append("        await self._check_references(changes)")
            out += [
                *scoped,
                f"        row = await repo.update(self.conn, row_id{scope}, changes)",
                "        if row is None:",
                missing,
                "        return row",
            ]
        else:
            out += [
                *scoped,
                f"        if not await repo.delete(self.conn, row_id{scope}):",
                missing,
            ]
    return out


def _helpers(resource: Resource, write: str | None) -> list[str]:
    table, words = resource.table, noun(resource.table)
    out = []
    if write or any(table.access.per_caller(v) for v in ("update", "delete")):
        out += [
            "",
            "    async def _refuse(self, row_id: UUID, action: str) -> NoReturn:",
            "        # 404 when the caller cannot see the row, 403 when they can.",
            "        await self.get(row_id)",
            f'        raise Forbidden(f"you may not {{action}} {words} {{row_id}}")',
        ]
    if checked_refs(resource):
        out += [
            "",
            "    async def _check_references(self, data: dict[str, Any]) -> None:",
            "        # A reference to a row the caller cannot see is refused like one to no row.",
        ]
        for ref in checked_refs(resource):
            col = ref.column.api
            alias = _alias(ref.target, table)
            out += [
                f'        value = data.get("{col}")',
                "        if value is not None and not await "
                f"{alias}.exists(\n            self.conn, value{_sees(ref.target)}\n        ):",
                "            raise InvalidReference(",
                f'                f"{col}: there is no {noun(ref.target)} {{value}}", '
                f'fields=["{col}"]',
                "            )",
            ]
    return out
