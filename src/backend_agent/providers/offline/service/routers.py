"""Router modules: HTTP in, one service call, HTTP out — no SQL and no rules here.

Each route states who may call it with a dependency (`CurrentUser` answers 401 before the
database is touched; `OptionalUser` lets anonymous callers through to public reads).
"""

from __future__ import annotations

from .. import facts
from ..naming import article
from .api import Api, LinkEnd, Resource
from .models import Imports, base_type
from .rules import read_condition


def _who(api: Api, resource: Resource, verb: str, *, caller: bool) -> tuple[str, str]:
    """(parameter text, service argument) for a route: `CurrentUser` answers 401 when the
    verb needs an account; `OptionalUser` passes who is calling when the service decides by
    it; neither when it does not matter."""
    if api.auth == "none":
        return "", ""
    if resource.table.access.needs_user(verb):
        return "user: CurrentUser, ", ", user.id"
    if caller:
        return "user: OptionalUser, ", ", user.id if user else None"
    return "", ""


def _decides(resource: Resource, verb: str) -> bool:
    """Does the service need the caller for this verb (owner, role or visible rows)?"""
    table = resource.table
    if verb == "read":
        return read_condition(table) is not None
    return table.owned or table.access.per_caller(verb)


def _filter_params(
    resource: Resource, imports: Imports, skip: str | None = None
) -> tuple[list[str], str]:
    params, pairs = [], []
    for flt in resource.filters:
        column = flt.column
        if column.name == skip:
            continue
        kind = base_type(column, imports)
        alias = f'alias="{column.api}", ' if flt.param != column.api else ""
        params.append(
            f"    {flt.param}: Annotated[{kind} | None, Query({alias}"
            f'description="only rows whose {column.api} equals this")] = None,'
        )
        pairs.append(f'"{column.api}": {flt.param}')
    return params, "{" + ", ".join(pairs) + "}"


def _link_routes(api: Api, resource: Resource, end: LinkEnd) -> list[str]:
    far = end.far
    single = far.singular
    path = f"/{{{resource.id_param}}}{end.segment}"
    near_words = resource.table.singular.replace("_", " ")
    far_words = far.name.replace("_", " ")
    out_model = "UserRef" if end.far_is_users else f"{far.class_name}Out"
    sees_far = not end.far_is_users and read_condition(far) is not None
    who, arg = _who(api, resource, "read", caller=_decides(resource, "read") or sees_far)
    out: list[str] = []
    if end.writes:
        w_who, w_arg = _who(api, resource, "update", caller=True)
        out += [
            "",
            "",
            f'@router.put("{path}/{{{single}_id}}", status_code=204, '
            f'summary="Link {article(single)} {single.replace("_", " ")} to '
            f'{article(near_words)} {near_words}")',
            f"async def link_{resource.table.singular}_{single}(",
            f"    {resource.id_param}: UUID, {single}_id: UUID, {w_who}conn: Connection",
            ") -> None:",
            f"    await {resource.name}Service(conn{w_arg}).link_{single}"
            f"({resource.id_param}, {single}_id)",
            "",
            "",
            f'@router.delete("{path}/{{{single}_id}}", status_code=204, '
            f'summary="Unlink {article(single)} {single.replace("_", " ")} from '
            f'{article(near_words)} {near_words}")',
            f"async def unlink_{resource.table.singular}_{single}(",
            f"    {resource.id_param}: UUID, {single}_id: UUID, {w_who}conn: Connection",
            ") -> None:",
            f"    await {resource.name}Service(conn{w_arg}).unlink_{single}"
            f"({resource.id_param}, {single}_id)",
        ]
    out += [
        "",
        "",
        f'@router.get("{path}", response_model=pagination.Page[{out_model}], '
        f'summary="List the {far_words} of {article(near_words)} {near_words}")',
        f"async def list_{resource.table.singular}_{far.name}(",
        f"    {resource.id_param}: UUID,",
        f"    {who}conn: Connection,",
        "    limit: pagination.Limit = pagination.DEFAULT_LIMIT,",
        "    cursor: pagination.Cursor = None,",
        ") -> dict[str, Any]:",
        f"    return await {resource.name}Service(conn{arg}).list_{far.name}"
        f"({resource.id_param}, limit, cursor)",
    ]
    return out


def _call_with_filters(call: str, filters: str, extra: str = "") -> list[str]:
    if filters == "{}":
        return [f"    return await {call}(limit, cursor, {{}}{extra})"]
    return [
        f"    filters = {filters}",
        f"    return await {call}(",
        "        limit,",
        "        cursor,",
        "        {key: value for key, value in filters.items() if value is not None},"
        + (f"\n        {extra.lstrip(', ')}," if extra else ""),
        "    )",
    ]


def router_module(api: Api, resource: Resource) -> str:
    table = resource.table
    name = resource.name
    single = table.singular
    words = single.replace("_", " ")
    a = article(words)
    plural_words = resource.label
    imports = Imports()
    filter_params, filters = _filter_params(resource, imports)

    def who(verb: str) -> tuple[str, str]:
        return _who(api, resource, verb, caller=_decides(resource, verb))

    create_who, create_arg = who("create")
    read_who, read_arg = who("read")
    update_who, update_arg = who("update")
    delete_who, delete_arg = who("delete")
    id_param = resource.id_param
    models = {f"{name}Create", f"{name}Out", f"{name}Update"}
    other_models: dict[str, set[str]] = {}
    for end in resource.links:
        if end.far_is_users:
            other_models.setdefault("user", set()).add("UserRef")
        else:
            other_models.setdefault(api.resource(end.far).module, set()).add(
                f"{end.far.class_name}Out"
            )
    mine = resource.mine_param
    query = bool(filter_params or mine)
    imports.need("Any", "UUID", *(["Annotated"] if query else []))
    fastapi_names = ["APIRouter", "Response"] + (["Query"] if query else [])
    if mine:
        filter_params.append(
            f'    {mine}: Annotated[bool, Query(description="true: only rows you own")] = False,'
        )
    lines = [
        f'"""Routes for {plural_words} under {resource.path}. '
        f'{facts.access_sentence(table, api.auth)}"""',
        "",
        "from __future__ import annotations",
        "",
        *imports.stdlib(),
        "",
        f"from fastapi import {', '.join(sorted(fastapi_names))}",
        "",
        "from .. import pagination",
    ]
    lines.append("AUTH_IMPORT")
    lines.append("from ..db import Connection")
    other_models.setdefault(resource.module, set()).update(models)
    for module, names in sorted(other_models.items()):
        lines.append(f"from ..models.{module} import {', '.join(sorted(names))}")
    lines += [
        f"from ..services.{resource.module} import {name}Service",
        "",
        f'router = APIRouter(prefix="{resource.path}", tags=["{table.name}"])',
        "",
        "",
        f'@router.post("", status_code=201, response_model={name}Out, summary="Create {a} {words}")',
        f"async def create_{single}(",
        f"    body: {name}Create, {create_who}conn: Connection, response: Response",
        ") -> dict[str, Any]:",
        f"    row = await {name}Service(conn{create_arg}).create(body)",
        f'    response.headers["Location"] = f"{resource.path}/{{row[\'id\']}}"',
        "    return row",
        "",
        "",
        f'@router.get("", response_model=pagination.Page[{name}Out], '
        f'summary="List {plural_words} you may see, newest first")',
        f"async def list_{table.name}(",
        f"    {read_who}conn: Connection,",
        "    limit: pagination.Limit = pagination.DEFAULT_LIMIT,",
        "    cursor: pagination.Cursor = None,",
        *filter_params,
        ") -> dict[str, Any]:",
        *_call_with_filters(
            f"{name}Service(conn{read_arg}).list", filters, f", mine={mine}" if mine else ""
        ),
        "",
        "",
        f'@router.get("/{{{id_param}}}", response_model={name}Out, summary="Get {a} {words}")',
        f"async def get_{single}({id_param}: UUID, {read_who}conn: Connection) -> dict[str, Any]:",
        f"    return await {name}Service(conn{read_arg}).get({id_param})",
        "",
        "",
        f'@router.patch("/{{{id_param}}}", response_model={name}Out, summary="Change {a} {words}")',
        f"async def update_{single}(",
        f"    {id_param}: UUID, body: {name}Update, {update_who}conn: Connection",
        ") -> dict[str, Any]:",
        f"    return await {name}Service(conn{update_arg}).update({id_param}, body)",
        "",
        "",
        f'@router.delete("/{{{id_param}}}", status_code=204, summary="Delete {a} {words}")',
        f"async def delete_{single}({id_param}: UUID, {delete_who}conn: Connection) -> None:",
        f"    await {name}Service(conn{delete_arg}).delete({id_param})",
    ]
    for end in resource.links:
        lines += _link_routes(api, resource, end)
    text = "\n".join(lines) + "\n"
    needed = [n for n in ("CurrentUser", "OptionalUser") if f": {n}" in text]
    auth_import = f"from ..auth import {', '.join(needed)}\n" if needed else ""
    return text.replace("AUTH_IMPORT\n", auth_import)
