"""One test file per resource: happy path, validation, authentication, ownership, and every
rule the brief gave it (uniqueness, references and their ON DELETE, links, filters) — the
same cases as the Python suite, written for vitest and `app.inject`."""

from __future__ import annotations

import re

from ..naming import article
from ..service.api import Api, LinkEnd, Reference, Resource
from ..service.samples import pick_invalid_value, two_plain
from .names import factory, ts
from .test_support import literal


class Suite:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def test(self, name: str, people: list[str], body: list[str]) -> None:
        setup = ["const { app } = service;", *[f"const {p} = await signUp(app);" for p in people]]
        self.lines += [
            "",
            f"it({ts(name)}, async () => {{",
            *["  " + line for line in [*setup, *body]],
            "});",
        ]


def _get(path: str, who: str = "alice") -> str:
    return f'await call(app, "GET", {path}, {{ headers: {who}.headers }})'


def _crud(api: Api, suite: Suite, r: Resource) -> None:
    path, table = r.path, r.table.name
    new, pay = factory(r, "new"), factory(r, "payload")
    change = r.fields[0]
    suite.test(
        "creates, reads, updates and deletes",
        ["alice"],
        [
            f"const sent = await {new}(app, alice);",
            f'const created = await call(app, "POST", {ts(path)}, {{ body: sent, headers: alice.headers }});',
            "expect(created.statusCode, created.body).toBe(201);",
            "const row = created.json();",
            f"expect(created.headers.location).toBe(`{path}/${{row.id}}`);",
            f"assertSame({ts(table)}, sent, row);",
            f"const url = `{path}/${{row.id}}`;",
            f"expect(({_get('url')}).json()).toEqual(row);",
            f"const change = {{ {change.api}: {pay}(1000).{change.api} }};",
            'const updated = await call(app, "PATCH", url, { body: change, headers: alice.headers });',
            "expect(updated.statusCode, updated.body).toBe(200);",
            f"assertSame({ts(table)}, change, updated.json());",
            "expect(Date.parse(updated.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(row.updated_at));",
            'expect((await call(app, "DELETE", url, { headers: alice.headers })).statusCode).toBe(204);',
            f'assertProblem({_get("url")}, 404, "not-found");',
            'assertProblem(await call(app, "DELETE", url, { headers: alice.headers }), 404, "not-found");',
        ],
    )
    create = factory(r)
    suite.test(
        "lists newest first, a page at a time",
        ["alice"],
        [
            "const ids = [];",
            f"for (let i = 0; i < 3; i++) ids.push((await {create}(app, alice)).id);",
            f'const first = (await call(app, "GET", {ts(path)}, {{ query: {{ limit: "2" }}, headers: alice.headers }})).json();',
            "expect(first.items.map((row: { id: string }) => row.id)).toEqual(ids.slice().reverse().slice(0, 2));",
            "expect(first.next_cursor).toBeTruthy();",
            'const more = { limit: "2", cursor: first.next_cursor };',
            f'const second = (await call(app, "GET", {ts(path)}, {{ query: more, headers: alice.headers }})).json();',
            "expect(second.items.map((row: { id: string }) => row.id)).toEqual(ids.slice().reverse().slice(2));",
            "expect(second.next_cursor).toBeNull();",
            f'const tooMany = await call(app, "GET", {ts(path)}, {{ query: {{ limit: "1000" }}, headers: alice.headers }});',
            'assertProblem(tooMany, 422, "validation-error");',
        ],
    )


def _fields_of(problem: str) -> str:
    return f"{problem}.errors.map((e: {{ field: string }}) => e.field)"


def _validation(api: Api, suite: Suite, r: Resource) -> None:
    path = r.path
    new, create = factory(r, "new"), factory(r)
    picked = pick_invalid_value(r.fields)
    if picked:
        column, value, why = picked
        bad = literal(value)
        suite.test(
            f"refuses an invalid {column.api} ({why})",
            ["alice"],
            [
                f"const bad = await {new}(app, alice, {{ {column.api}: {bad} }});",
                f'const response = await call(app, "POST", {ts(path)}, {{ body: bad, headers: alice.headers }});',
                'const problem = assertProblem(response, 422, "validation-error");',
                f"expect({_fields_of('problem')}).toContain({ts(column.api)});",
                f"const row = await {create}(app, alice);",
                f'const patch = await call(app, "PATCH", `{path}/${{row.id}}`, {{ body: {{ {column.api}: {bad} }}, headers: alice.headers }});',
                'assertProblem(patch, 422, "validation-error");',
            ],
        )
    required = [c for c in r.writable if c.required]
    if required:
        column = required[0]
        suite.test(
            f"{column.api} is required",
            ["alice"],
            [
                f"const body = await {new}(app, alice);",
                f"delete body.{column.api};",
                f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
                'const problem = assertProblem(response, 422, "validation-error");',
                f"expect({_fields_of('problem')}).toContain({ts(column.api)});",
            ],
        )
    forbidden = (
        "owner_id: alice.id" if r.table.owned else 'id: "00000000-0000-0000-0000-000000000000"'
    )
    body = [
        f"const body = {{ ...(await {new}(app, alice)), {forbidden} }};",
        f'assertProblem(await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }}), 422, "validation-error");',
    ]
    not_null = [c for c in r.writable if not c.nullable]
    if not_null:
        column = not_null[0]
        body += [
            f"const row = await {create}(app, alice);",
            f'const nulled = await call(app, "PATCH", `{path}/${{row.id}}`, {{ body: {{ {column.api}: null }}, headers: alice.headers }});',
            'assertProblem(nulled, 422, "validation-error");',
        ]
    suite.test("refuses fields the client may not set", ["alice"], body)


def _authentication(api: Api, suite: Suite, r: Resource) -> None:
    if api.auth == "none":
        return
    path = r.path
    body = [
        f"const row = await {factory(r)}(app, alice);",
        f"const url = `{path}/${{row.id}}`;",
        f"const body = await {factory(r, 'new')}(app, alice);",
        f'assertProblem(await call(app, "POST", {ts(path)}, {{ body }}), 401, "authentication-required");',
        f'const bad = await call(app, "POST", {ts(path)}, {{ body, headers: BAD_CREDENTIALS }});',
        'assertProblem(bad, 401, "authentication-required");',
        'assertProblem(await call(app, "PATCH", url, { body: {} }), 401, "authentication-required");',
        'assertProblem(await call(app, "DELETE", url), 401, "authentication-required");',
    ]
    if r.table.owned:
        body.append(
            f'assertProblem(await call(app, "GET", {ts(path)}), 401, "authentication-required");'
        )
        if not r.public:
            body.append(
                'assertProblem(await call(app, "GET", url), 401, "authentication-required");'
            )
        name = "writes and private reads need authentication"
    else:
        body += [
            "// Shared rows: anyone may read them without signing in.",
            f'expect((await call(app, "GET", {ts(path)})).statusCode).toBe(200);',
            'expect((await call(app, "GET", url)).json()).toEqual(row);',
        ]
        name = "writes need authentication, reads do not"
    suite.test(name, ["alice"], body)


def _ownership(api: Api, suite: Suite, r: Resource) -> None:
    if not r.table.owned:
        return
    path = r.path
    flag = r.table.public_flag
    create = factory(r)
    made = f"await {create}(app, alice" + (f", {{ {flag}: false }})" if flag else ")")
    suite.test(
        "rows of others are not found",
        ["alice", "bob"],
        [
            f"const row = {made};",
            f"const url = `{path}/${{row.id}}`;",
            f'assertProblem({_get("url", "bob")}, 404, "not-found");',
            'assertProblem(await call(app, "PATCH", url, { body: {}, headers: bob.headers }), 404, "not-found");',
            'assertProblem(await call(app, "DELETE", url, { headers: bob.headers }), 404, "not-found");',
            f"expect(({_get(ts(path), 'bob')}).json().items).toEqual([]);",
            f"expect(({_get('url')}).statusCode).toBe(200);",
        ],
    )
    if flag:
        suite.test(
            "public rows are readable by anyone but changed only by their owner",
            ["alice", "bob"],
            [
                f"const shown = await {create}(app, alice, {{ {flag}: true }});",
                f"const hidden = await {create}(app, alice, {{ {flag}: false }});",
                f'const listed = (await call(app, "GET", {ts(path + "/public")})).json().items;',
                "expect(listed.map((row: { id: string }) => row.id)).toEqual([shown.id]);",
                f"const url = `{path}/${{shown.id}}`;",
                'expect((await call(app, "GET", url)).json()).toEqual(shown);',
                f"expect(({_get('url', 'bob')}).statusCode).toBe(200);",
                'assertProblem(await call(app, "PATCH", url, { body: {}, headers: bob.headers }), 404, "not-found");',
                'assertProblem(await call(app, "DELETE", url, { headers: bob.headers }), 404, "not-found");',
                f'assertProblem(await call(app, "GET", `{path}/${{hidden.id}}`), 404, "not-found");',
            ],
        )


def _uniques(api: Api, suite: Suite, r: Resource) -> None:
    path = r.path
    for unique in r.table.uniques:
        cols = list(unique.brief_columns)
        people = ["alice"] + (["bob"] if r.table.owned else [])
        body = [
            f"const first = await {factory(r)}(app, alice);",
            "const same = { " + ", ".join(f"{c}: first.{c}" for c in cols) + " };",
            f"const again = await {factory(r, 'new')}(app, alice, same);",
            f'const response = await call(app, "POST", {ts(path)}, {{ body: again, headers: alice.headers }});',
            'const problem = assertProblem(response, 409, "conflict");',
            f"expect(problem.fields).toEqual({ts(cols)});",
        ]
        if r.table.owned:
            body += [
                "// Unique per owner: someone else may use the same value.",
                f"await {factory(r)}(app, bob, same);",
            ]
        suite.test(f"a duplicate {' + '.join(cols)} is a conflict", people, body)


def _references(api: Api, suite: Suite, r: Resource) -> None:
    path = r.path
    for ref in r.references:
        col = ref.column.api
        suite.test(
            f"{col} must name an existing row",
            ["alice"],
            [
                f"const body = await {factory(r, 'new')}(app, alice, {{ {col}: randomUUID() }});",
                f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
                'const problem = assertProblem(response, 422, "invalid-reference");',
                f"expect(problem.fields).toEqual([{ts(col)}]);",
            ],
        )
        if ref.target.name == "users":
            continue
        target = api.resource(ref.target)
        if ref.target.owned:
            suite.test(
                f"{col} of someone else is refused like a missing one",
                ["alice", "bob"],
                [
                    f"const theirs = await {factory(target)}(app, bob);",
                    f"const body = await {factory(r, 'new')}(app, alice, {{ {col}: theirs.id }});",
                    f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
                    'assertProblem(response, 422, "invalid-reference");',
                ],
            )
        _on_delete(suite, r, ref, target)


def _on_delete(suite: Suite, r: Resource, ref: Reference, target: Resource) -> None:
    col = ref.column.api
    parent = ref.target.singular.replace("_", " ")
    setup = [
        f"const parent = await {factory(target)}(app, alice);",
        f"const child = await {factory(r)}(app, alice, {{ {col}: parent.id }});",
        f"const parentUrl = `{target.path}/${{parent.id}}`;",
        f"const childUrl = `{r.path}/${{child.id}}`;",
    ]
    children = r.table.name.replace("_", " ")
    if ref.rule == "CASCADE":
        suite.test(
            f"deleting the {parent} deletes its {children}",
            ["alice"],
            [
                *setup,
                'expect((await call(app, "DELETE", parentUrl, { headers: alice.headers })).statusCode).toBe(204);',
                f'assertProblem({_get("childUrl")}, 404, "not-found");',
            ],
        )
    elif ref.rule == "RESTRICT":
        suite.test(
            f"{article(parent)} {parent} with {children} cannot be deleted",
            ["alice"],
            [
                *setup,
                'const response = await call(app, "DELETE", parentUrl, { headers: alice.headers });',
                'assertProblem(response, 409, "still-referenced");',
                f"expect(({_get('parentUrl')}).statusCode).toBe(200);",
                'expect((await call(app, "DELETE", childUrl, { headers: alice.headers })).statusCode).toBe(204);',
                'expect((await call(app, "DELETE", parentUrl, { headers: alice.headers })).statusCode).toBe(204);',
            ],
        )
    else:
        suite.test(
            f"deleting the {parent} leaves {children} without one",
            ["alice"],
            [
                *setup,
                'expect((await call(app, "DELETE", parentUrl, { headers: alice.headers })).statusCode).toBe(204);',
                f"const after = {_get('childUrl')};",
                "expect(after.statusCode).toBe(200);",
                f"expect(after.json().{col}).toBeNull();",
            ],
        )


def _link_tests(api: Api, suite: Suite, r: Resource, end: LinkEnd) -> None:
    path = r.path
    far = end.far
    if end.far_is_users:
        make_far, far_id, people, back = None, "bob.id", ["alice", "bob"], None
    else:
        far_resource = api.resource(far)
        make_far = f"const far = await {factory(far_resource)}(app, alice);"
        far_id = "far.id"
        people = ["alice"]
        back = f"`{far_resource.path}/${{far.id}}{r.path}`"
    listing = f"`{path}/${{row.id}}{end.segment}`"
    body = [
        f"const row = await {factory(r)}(app, alice);",
        *([make_far] if make_far else []),
        f"const link = `{path}/${{row.id}}{end.segment}/${{{far_id}}}`;",
        'expect((await call(app, "PUT", link, { headers: alice.headers })).statusCode).toBe(204);',
        "// Linking twice is harmless.",
        'expect((await call(app, "PUT", link, { headers: alice.headers })).statusCode).toBe(204);',
        f"const listed = {_get(listing)};",
        f"expect(listed.json().items.map((item: {{ id: string }}) => item.id)).toEqual([{far_id}]);",
    ]
    if back:
        body += [
            f"const back = {_get(back)};",
            "expect(back.json().items.map((item: { id: string }) => item.id)).toEqual([row.id]);",
        ]
    if api.auth != "none":
        body += [
            'assertProblem(await call(app, "PUT", link), 401, "authentication-required");',
            'assertProblem(await call(app, "DELETE", link), 401, "authentication-required");',
        ]
    body += [
        'expect((await call(app, "DELETE", link, { headers: alice.headers })).statusCode).toBe(204);',
        'assertProblem(await call(app, "DELETE", link, { headers: alice.headers }), 404, "not-found");',
        f"expect(({_get(listing)}).json().items).toEqual([]);",
    ]
    suite.test(f"links, lists and unlinks {far.name.replace('_', ' ')}", people, body)
    if api.auth == "none":
        return
    far_words = far.singular.replace("_", " ")
    if far.owned:
        suite.test(
            f"{article(far_words)} {far_words} of someone else cannot be linked",
            ["alice", "bob"],
            [
                f"const row = await {factory(r)}(app, alice);",
                f"const theirs = await {factory(api.resource(far))}(app, bob);",
                f"const link = `{path}/${{row.id}}{end.segment}/${{theirs.id}}`;",
                'assertProblem(await call(app, "PUT", link, { headers: alice.headers }), 404, "not-found");',
            ],
        )
    if r.table.owned and not end.far_is_users:
        suite.test(
            f"nobody links to someone else's {r.table.singular.replace('_', ' ')}",
            ["alice", "bob"],
            [
                f"const row = await {factory(r)}(app, alice);",
                f"const far = await {factory(api.resource(far))}(app, bob);",
                f"const link = `{path}/${{row.id}}{end.segment}/${{far.id}}`;",
                'assertProblem(await call(app, "PUT", link, { headers: bob.headers }), 404, "not-found");',
            ],
        )


def _filters(api: Api, suite: Suite, r: Resource) -> None:
    for flt in r.filters:
        column = flt.column
        if column.kind == "reference":
            if column.references and column.references.table == "users":
                continue
            target = api.resource(api.plan.table(column.references.target_entity))  # type: ignore[union-attr]
            make = f"(await {factory(target)}(app, alice)).id"
            values = [f"const firstValue = {make};", f"const secondValue = {make};"]
        else:
            pair = two_plain(column)
            if pair is None:
                continue
            values = [
                f"const firstValue = {literal(pair[0])};",
                f"const secondValue = {literal(pair[1])};",
            ]
        suite.test(
            f"lists filter by {column.api}",
            ["alice"],
            [
                *values,
                f"const wanted = await {factory(r)}(app, alice, {{ {column.api}: firstValue }});",
                f"await {factory(r)}(app, alice, {{ {column.api}: secondValue }});",
                f"const query = {{ {column.api}: String(firstValue) }};",
                f'const listed = (await call(app, "GET", {ts(r.path)}, {{ query, headers: alice.headers }})).json();',
                "expect(listed.items.map((row: { id: string }) => row.id)).toEqual([wanted.id]);",
            ],
        )
        return  # one filter proves the mechanism; the others share its code


def resource_tests(api: Api, r: Resource) -> str:
    suite = Suite()
    for part in (_crud, _validation, _authentication, _ownership, _uniques, _references):
        part(api, suite, r)
    for end in r.links:
        if end.writes:
            _link_tests(api, suite, r, end)
    _filters(api, suite, r)
    code = "\n".join(suite.lines)
    names = sorted(
        set(re.findall(r"\b(?:create|new)[A-Z]\w*|\b\w+Payload\b|\bassert(?:Problem|Same)\b", code))
        | ({"BAD_CREDENTIALS"} if "BAD_CREDENTIALS" in code else set())
        | {"call", "signUp"},
        key=str.lower,
    )
    head = [
        f"/** {r.path}: {r.label} — the happy path, validation, "
        + ("authentication, " if api.auth != "none" else "")
        + ("ownership, " if r.table.owned else "")
        + "and the brief's rules. */",
    ]
    if "randomUUID()" in code:
        head += ['import { randomUUID } from "node:crypto";', ""]
    head += [
        'import { expect, it } from "vitest";',
        "",
        f'import {{ {", ".join(names)} }} from "./support/factories.js";',
        'import { useService } from "./support/service.js";',
        "",
        "const service = useService();",
    ]
    return "\n".join(head) + "\n" + code + "\n"
