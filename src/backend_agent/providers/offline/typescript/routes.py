"""Route modules: HTTP in, one service call in one transaction, HTTP out — no SQL and no
rules here.

Each route states who may call it in its schema (`auth: "required"` answers 401 before the
body is read; `auth: "optional"` lets anonymous callers through to public reads); src/auth.ts
enforces it and src/openapi.ts documents it, from that one word.
"""

from __future__ import annotations

from ..naming import article
from ..service.api import Api, LinkEnd, Resource
from .names import module_dir, pascal, routes_function, ts
from .repositories import record_type
from .rules import read_condition


def _auth(api: Api, need: str | None) -> str:
    return "" if api.auth == "none" or need is None else f' auth: "{need}",'


def _decides(resource: Resource, verb: str) -> bool:
    """Does the service need the caller for this verb (owner, role or visible rows)?"""
    table = resource.table
    if verb == "read":
        return read_condition(table) is not None
    return table.owned or table.access.per_caller(verb)


def _need(resource: Resource, verb: str, *, caller: bool) -> str | None:
    """`required` answers 401 when the verb needs an account; `optional` passes who is
    calling when the service decides by it; None when it does not matter."""
    if resource.table.access.needs_user(verb):
        return "required"
    return "optional" if caller else None


def _service(api: Api, resource: Resource, need: str | None) -> str:
    if api.auth == "none" or need is None:
        return f"new {resource.name}Service(db)"
    return f"new {resource.name}Service(db, userId(request))"


def _route(
    api: Api,
    resource: Resource,
    method: str,
    path: str,
    summary: str,
    need: str | None,
    schema: list[str],
    call: str,
    status: int = 200,
) -> list[str]:
    service = _service(api, resource, need)
    uses_request = "request." in call or "userId(request)" in service
    params = "request, reply" if status != 200 else ("request" if uses_request else "")
    head = [
        f"  app.{method}(",
        f"    {ts(path)},",
        f"    {{ schema: {{ summary: {ts(summary)}, tags,{_auth(api, need)} {' '.join(schema)} }} }},",
        f"    async ({params}) => {{",
    ]
    run = f"transaction(app.pool, (db) => {service}.{call})"
    if status == 201:
        body = [
            f"      const row = await {run};",
            f'      void reply.code(201).header("location", `{resource.path}/${{row.id}}`);',
            "      return row;",
        ]
    elif status == 204:
        body = [f"      await {run};", "      return reply.code(204).send();"]
    else:
        body = [f"      return {run};"]
    return [*head, *body, "    },", "  );"]


def _link_routes(api: Api, resource: Resource, end: LinkEnd) -> list[str]:
    far = end.far
    near_words = resource.table.singular.replace("_", " ")
    far_words = far.singular.replace("_", " ")
    base = f"{resource.path}/:{resource.id_param}{end.segment}"
    id_expr = f"request.params.{resource.id_param}"
    far_param = f"{far.singular}_id"
    record, _ = record_type(api, far)
    out_schema = "UserRef" if end.far_is_users else f"{api.resource(far).name}Out"
    sees_far = not end.far_is_users and read_condition(far) is not None
    reader = _need(resource, "read", caller=_decides(resource, "read") or sees_far)
    writer = _need(resource, "update", caller=True)
    out: list[str] = []
    if end.writes:
        for method, verb, summary in (
            (
                "put",
                "link",
                f"Link {article(far_words)} {far_words} to {article(near_words)} {near_words}",
            ),
            (
                "delete",
                "unlink",
                f"Unlink {article(far_words)} {far_words} from {article(near_words)} {near_words}",
            ),
        ):
            out += _route(
                api,
                resource,
                method,
                f"{base}/:{far_param}",
                summary,
                writer,
                [f"params: {pascal(far.singular)}Link,"],
                f"{verb}{pascal(far.singular)}({id_expr}, request.params.{far_param})",
                status=204,
            )
    out += _route(
        api,
        resource,
        "get",
        base,
        f"List the {far.name.replace('_', ' ')} of {article(near_words)} {near_words}",
        reader,
        [
            "params: Params,",
            "querystring: PageQuery,",
            f"response: {{ 200: pageOf({out_schema}) }},",
        ],
        f"list{pascal(far.name)}({id_expr}, request.query)",
    )
    assert record
    return out


def routes_module(api: Api, resource: Resource, ownership: str) -> str:
    table = resource.table
    name = resource.name
    words = table.singular.replace("_", " ")
    a = article(words)
    one = f"{resource.path}/:{resource.id_param}"
    id_expr = f"request.params.{resource.id_param}"

    def need(verb: str) -> str | None:
        return _need(resource, verb, caller=_decides(resource, verb))

    body: list[str] = []
    body += _route(
        api,
        resource,
        "post",
        resource.path,
        f"Create {a} {words}",
        need("create"),
        ["body: " + f"{name}Create,", f"response: {{ 201: {name}Out }},"],
        "create(request.body)",
        status=201,
    )
    body += _route(
        api,
        resource,
        "get",
        resource.path,
        f"List the {resource.label} you may see, newest first",
        need("read"),
        [f"querystring: {name}Filters,", f"response: {{ 200: pageOf({name}Out) }},"],
        "list(request.query)",
    )
    body += _route(
        api,
        resource,
        "get",
        one,
        f"Get {a} {words}",
        need("read"),
        ["params: Params,", f"response: {{ 200: {name}Out }},"],
        f"get({id_expr})",
    )
    body += _route(
        api,
        resource,
        "patch",
        one,
        f"Change {a} {words}",
        need("update"),
        ["params: Params,", f"body: {name}Update,", f"response: {{ 200: {name}Out }},"],
        f"update({id_expr}, request.body)",
    )
    body += _route(
        api,
        resource,
        "delete",
        one,
        f"Delete {a} {words}",
        need("delete"),
        ["params: Params,"],
        f"remove({id_expr})",
        status=204,
    )
    for end in resource.links:
        body += _link_routes(api, resource, end)
    text = "\n".join(body)
    links = [e for e in resource.links if e.writes]
    schemas = sorted({f"{name}Create", f"{name}Filters", f"{name}Out", f"{name}Update", "Params"})
    others: dict[str, set[str]] = {}
    for end in resource.links:
        if end.far_is_users:
            others.setdefault("../accounts/schemas.js", set()).add("UserRef")
        else:
            far = api.resource(end.far)
            others.setdefault("../" + module_dir(far).rsplit("/", 1)[1] + "/schemas.js", set()).add(
                f"{far.name}Out"
            )
    pagination = ["pageOf"] + (["PageQuery"] if "PageQuery," in text else [])
    lines = [
        f"/** Routes for {resource.label} under {resource.path}. {ownership} */",
    ]
    lines += [
        'import type { App } from "../../app.js";',
        *(['import { userId } from "../../auth.js";'] if "userId(" in text else []),
        'import { transaction } from "../../db.js";',
        *(['import { id } from "../../fields.js";'] if links else []),
        f'import {{ {", ".join(sorted(pagination, key=str.lower))} }} from "../../pagination.js";',
    ]
    for module, names in sorted(others.items()):
        lines.append(f'import {{ {", ".join(sorted(names))} }} from "{module}";')
    lines += [
        f'import {{ {", ".join(schemas)} }} from "./schemas.js";',
        f'import {{ {name}Service }} from "./service.js";',
        "",
    ]
    for end in links:
        lines.append(
            f"const {pascal(end.far.singular)}Link = Params.extend({{ {end.far.singular}_id: id() }});"
        )
    if links:
        lines.append("")
    lines += [
        f"export function {routes_function(resource)}(app: App): void {{",
        f"  const tags = [{ts(table.name)}];",
        text,
        "}",
    ]
    return "\n".join(lines) + "\n"
