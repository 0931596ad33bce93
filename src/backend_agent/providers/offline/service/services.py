"""Service modules: the rules of each resource, between the routes and the SQL.

Ownership lives here and in the repositories' WHERE clauses: a row that is not yours, or
a reference to one, is answered exactly like a row that does not exist.
"""

from __future__ import annotations

from .. import facts
from ..schema import Table
from .api import Api, LinkEnd, Resource


def repo_alias(table: Table) -> str:
    return f"{table.singular}_repo"


def _module_of(api: Api, table: Table) -> str:
    return "user" if table.name == "users" else api.resource(table).module


def _owned_refs(resource: Resource) -> list:
    return [r for r in resource.references if r.target.owned]


def _exists_call(table: Table, value: str, this: Table) -> str:
    owner = ", self._owner()" if table.owned else ""
    module = "repo" if table.name == this.name else repo_alias(table)
    return f"await {module}.exists(self.conn, {value}{owner})"


def _link_methods(resource: Resource, end: LinkEnd) -> list[str]:
    far = end.far
    single = far.singular
    owner_arg = ", self.user_id" if far.owned else ""
    out: list[str] = []
    if end.writes:
        out += [
            "",
            f"    async def link_{single}(self, row_id: UUID, {single}_id: UUID) -> None:",
            "        await self._writable(row_id)",
            f"        if not {_exists_call(far, f'{single}_id', end.near)}:",
            f'            raise NotFound(f"there is no {single.replace("_", " ")} {{{single}_id}}")',
            f"        await repo.link_{single}(self.conn, row_id, {single}_id)",
            "",
            f"    async def unlink_{single}(self, row_id: UUID, {single}_id: UUID) -> None:",
            "        await self._writable(row_id)",
            f"        if not await repo.unlink_{single}(self.conn, row_id, {single}_id):",
            "            raise NotFound(",
            f'                f"{resource.table.singular.replace("_", " ")} {{row_id}} is not '
            f'linked to {single.replace("_", " ")} {{{single}_id}}"',
            "            )",
        ]
    out += [
        "",
        f"    async def list_{far.name}(",
        "        self, row_id: UUID, limit: int, cursor: str | None",
        "    ) -> dict[str, Any]:",
        "        await self.get(row_id)",
        f"        rows = await repo.select_{far.name}(",
        f"            self.conn, row_id, limit, decode_cursor(cursor){owner_arg}",
        "        )",
        "        return page(rows, limit)",
    ]
    return out


def service_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    owned = table.owned
    auth = api.auth
    words = table.singular.replace("_", " ")
    owner = ", self._owner()" if owned else ""
    others = sorted(
        {r.target.name: r.target for r in _owned_refs(resource)}.values(), key=lambda t: t.name
    )
    link_targets = sorted(
        {e.far.name: e.far for e in resource.links if e.writes}.values(),
        key=lambda t: t.name,
    )
    modules = {t.name: t for t in [*others, *link_targets] if t.name != table.name}
    errors = ["NotFound"]
    if _owned_refs(resource):
        errors.append("InvalidReference")
    # The caller's id is needed to reach owned rows: its own, referenced ones, linked ones.
    needs_owner = owned or any(t.owned for t in [*others, *link_targets])
    if needs_owner:
        errors.append("Unauthorized")
    lines = [
        f'"""Rules for {resource.label}: {facts.ownership_sentence(table, auth)}"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "from uuid import UUID",
        "",
        "from psycopg import AsyncConnection",
        "",
        f"from ..errors import {', '.join(sorted(errors))}",
        f"from ..models.{resource.module} import {name}Create, {name}Update",
        "from ..pagination import decode_cursor, page",
    ]
    repos = {resource.module: "repo"}
    repos.update({_module_of(api, t): repo_alias(t) for t in modules.values()})
    for module, alias in sorted(repos.items()):
        lines.append(f"from ..repositories import {module} as {alias}")
    lines += [
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
        ]
    if needs_owner:
        lines += [
            "",
            "    def _owner(self) -> UUID:",
            "        # Routes that reach an owner's rows require a user; fail closed if one does not.",
            "        if self.user_id is None:",
            '            raise Unauthorized("sign in to reach your own rows")',
            "        return self.user_id",
        ]
    lines += [
        "",
        f"    async def create(self, body: {name}Create) -> dict[str, Any]:",
        "        data = body.model_dump(by_alias=True)",
    ]
    if _owned_refs(resource):
        lines.append("        await self._check_references(data)")
    lines += [
        f"        return await repo.insert(self.conn{owner}, data)",
        "",
        "    async def get(self, row_id: UUID) -> dict[str, Any]:",
    ]
    if table.public_flag:
        lines.append("        row = await repo.get_visible(self.conn, row_id, self.user_id)")
    else:
        lines.append(f"        row = await repo.get(self.conn, row_id{owner})")
    lines += [
        "        if row is None:",
        f'            raise NotFound(f"there is no {words} {{row_id}}")',
        "        return row",
        "",
        "    async def list(",
        "        self, limit: int, cursor: str | None, filters: dict[str, Any]",
        "    ) -> dict[str, Any]:",
        "        rows = await repo.select_page(",
        f"            self.conn{owner}, limit, decode_cursor(cursor), filters",
        "        )",
        "        return page(rows, limit)",
    ]
    if table.public_flag:
        lines += [
            "",
            "    async def list_public(",
            "        self, limit: int, cursor: str | None, filters: dict[str, Any]",
            "    ) -> dict[str, Any]:",
            "        rows = await repo.select_public_page(",
            "            self.conn, limit, decode_cursor(cursor), filters",
            "        )",
            "        return page(rows, limit)",
        ]
    lines += [
        "",
        f"    async def update(self, row_id: UUID, body: {name}Update) -> dict[str, Any]:",
        "        changes = body.model_dump(by_alias=True, exclude_unset=True)",
    ]
    if _owned_refs(resource):
        lines.append("        await self._check_references(changes)")
    lines += [
        f"        row = await repo.update(self.conn, row_id{owner}, changes)",
        "        if row is None:",
        f'            raise NotFound(f"there is no {words} {{row_id}}")',
        "        return row",
        "",
        "    async def delete(self, row_id: UUID) -> None:",
        f"        if not await repo.delete(self.conn, row_id{owner}):",
        f'            raise NotFound(f"there is no {words} {{row_id}}")',
    ]
    if _owned_refs(resource):
        lines += [
            "",
            "    async def _check_references(self, data: dict[str, Any]) -> None:",
            "        # A reference to another person's row is refused like one to no row at all.",
        ]
        for ref in _owned_refs(resource):
            col = ref.column.api
            lines += [
                f'        value = data.get("{col}")',
                f"        if value is not None and not {_exists_call(ref.target, 'value', table)}:",
                "            raise InvalidReference(",
                f'                f"{col}: there is no {ref.target.singular.replace("_", " ")} '
                f'{{value}}", fields=["{col}"]',
                "            )",
            ]
    if any(e.writes for e in resource.links):
        lines += [
            "",
            "    async def _writable(self, row_id: UUID) -> None:",
            f"        if not await repo.exists(self.conn, row_id{owner}):",
            f'            raise NotFound(f"there is no {words} {{row_id}}")',
        ]
    for end in resource.links:
        lines += _link_methods(resource, end)
    return "\n".join(lines) + "\n"
