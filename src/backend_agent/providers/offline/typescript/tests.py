"""One test file per resource: happy path, validation, authentication, ownership, and every
rule the brief gave it (uniqueness, references and their ON DELETE, links, filters, roles,
transitions) — the cases of the Python suite, written for vitest and `app.inject`."""

from __future__ import annotations

import re

from ..expect import Persona, personas, roles_for, status
from ..naming import article
from ..service.api import Api, Reference, Resource
from ..service.samples import pick_invalid_value
from ..service.tests_resources import others_are_hidden
from .names import factory, ts
from .test_common import EXPECT, Suite, change, grant
from .test_support import literal
from .tests_links import filters, links
from .tests_rules import rule_tests


def _get(path: str, who: str = "alice") -> str:
    return f'await call(app, "GET", {path}, {{ headers: {who}.headers }})'


def _fields(problem: str) -> str:
    return f"{problem}.errors.map((e: {{ field: string }}) => e.field)"


def _crud(api: Api, suite: Suite, r: Resource) -> None:
    path, table = r.path, r.table.name
    new, create = factory(r, "new"), factory(r)
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
            f"const change = {change(r)};",
            'const updated = await call(app, "PATCH", url, { body: change, headers: alice.headers });',
            "expect(updated.statusCode, updated.body).toBe(200);",
            f"assertSame({ts(table)}, change, updated.json());",
            "expect(Date.parse(updated.json().updated_at)).toBeGreaterThanOrEqual(Date.parse(row.updated_at));",
            'expect((await call(app, "DELETE", url, { headers: alice.headers })).statusCode).toBe(204);',
            f'assertProblem({_get("url")}, 404, "not-found");',
            'assertProblem(await call(app, "DELETE", url, { headers: alice.headers }), 404, "not-found");',
        ],
    )
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


def _validation(api: Api, suite: Suite, r: Resource) -> None:
    path = r.path
    new, create = factory(r, "new"), factory(r)
    picked = pick_invalid_value(r.changeable)
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
                f"expect({_fields('problem')}).toContain({ts(column.api)});",
                f"const row = await {create}(app, alice);",
                f'const patch = await call(app, "PATCH", `{path}/${{row.id}}`, {{ body: {{ {column.api}: {bad} }}, headers: alice.headers }});',
                'assertProblem(patch, 422, "validation-error");',
            ],
        )
    required = [c for c in r.table.creatable if c.required]
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
                f"expect({_fields('problem')}).toContain({ts(column.api)});",
            ],
        )
    _loose_values(suite, r)
    forbidden = (
        "owner_id: alice.id" if r.table.owned else 'id: "00000000-0000-0000-0000-000000000000"'
    )
    body = [
        f"const body = {{ ...(await {new}(app, alice)), {forbidden} }};",
        f'assertProblem(await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }}), 422, "validation-error");',
    ]
    not_null = [c for c in r.table.updatable if not c.nullable]
    if not_null:
        column = not_null[0]
        body += [
            f"const row = await {create}(app, alice);",
            f'const nulled = await call(app, "PATCH", `{path}/${{row.id}}`, {{ body: {{ {column.api}: null }}, headers: alice.headers }});',
            'assertProblem(nulled, 422, "validation-error");',
        ]
    suite.test("refuses fields the client may not set", ["alice"], body)


def _loose_values(suite: Suite, r: Resource) -> None:
    """A number or a flag sent as a string, and a blank required text, are refused: strict
    types, not coercion."""
    path, new = r.path, factory(r, "new")
    loose = next((c for c in r.fields if c.kind in ("int", "bool")), None)
    if loose is not None:
        sent = '"7"' if loose.kind == "int" else '"true"'
        suite.test(
            f"refuses {loose.api} as a string",
            ["alice"],
            [
                f"const body = await {new}(app, alice, {{ {loose.api}: {sent} }});",
                f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
                'const problem = assertProblem(response, 422, "validation-error");',
                f"expect({_fields('problem')}).toContain({ts(loose.api)});",
            ],
        )
    blank = next(
        (c for c in r.fields if c.kind in ("string", "text") and c.source and c.source.required),
        None,
    )
    if blank is not None:
        body = [
            f'const body = await {new}(app, alice, {{ {blank.api}: "   " }});',
            f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
            'const problem = assertProblem(response, 422, "validation-error");',
            f"expect({_fields('problem')}).toContain({ts(blank.api)});",
        ]
        if blank.update:
            body += [
                f"const row = await {factory(r)}(app, alice);",
                f'const patch = await call(app, "PATCH", `{path}/${{row.id}}`, {{ body: {{ {blank.api}: "" }}, headers: alice.headers }});',
                'assertProblem(patch, 422, "validation-error");',
            ]
        suite.test(f"refuses a blank {blank.api}", ["alice"], body)


def _authentication(api: Api, suite: Suite, r: Resource) -> None:
    """What a caller without credentials gets, verb by verb, as the brief's rules say."""
    if api.auth == "none":
        return
    path, table = r.path, r.table
    anonymous = next(p for p in personas(table, api.auth) if not p.signed_in)
    made = f"await {factory(r)}(app, alice" + (", {}, true)" if r.public else ")")

    def code(verb: str) -> int:
        return status(table, verb, anonymous, public=True)

    body = [
        f"const row = {made};",
        f"const url = `{path}/${{row.id}}`;",
        f"const body = await {factory(r, 'new')}(app, alice);",
        EXPECT[code("create")].format(call=f'await call(app, "POST", {ts(path)}, {{ body }})'),
    ]
    if table.access.needs_user("create"):
        body += [
            f'const bad = await call(app, "POST", {ts(path)}, {{ body, headers: BAD_CREDENTIALS }});',
            'assertProblem(bad, 401, "authentication-required");',
        ]
    body += [
        EXPECT[code("list")].format(call=f'await call(app, "GET", {ts(path)})'),
        EXPECT[code("read")].format(call='await call(app, "GET", url)'),
        EXPECT[code("update")].format(call='await call(app, "PATCH", url, { body: {} })'),
        EXPECT[code("delete")].format(call='await call(app, "DELETE", url)'),
    ]
    suite.test("callers without credentials get what the brief allows", ["alice"], body)


def _ownership(api: Api, suite: Suite, r: Resource) -> None:
    """Another member's PATCH with a real body, and their DELETE, reach nothing."""
    if not others_are_hidden(api, r):
        return
    path = r.path
    made = f"await {factory(r)}(app, alice" + (", {}, false)" if r.public else ")")
    suite.test(
        "rows of others are not found",
        ["alice", "bob"],
        [
            f"const row = {made};",
            f"const url = `{path}/${{row.id}}`;",
            f'assertProblem({_get("url", "bob")}, 404, "not-found");',
            f"const change = {change(r)};",
            'assertProblem(await call(app, "PATCH", url, { body: change, headers: bob.headers }), 404, "not-found");',
            'assertProblem(await call(app, "DELETE", url, { headers: bob.headers }), 404, "not-found");',
            f"const listed = ({_get(ts(path), 'bob')}).json().items.map((item: {{ id: string }}) => item.id);",
            "expect(listed).not.toContain(row.id);",
            "// Untouched: the owner still reads it exactly as it was.",
            f"expect(({_get('url')}).json()).toEqual(row);",
        ],
    )


def _uniques(api: Api, suite: Suite, r: Resource) -> None:
    path = r.path
    creatable = {c.api for c in r.table.creatable}
    create, new = factory(r), factory(r, "new")
    for unique in r.table.uniques:
        cols = list(unique.brief_columns)
        if not set(cols) <= creatable:
            continue  # a state or a server-set value: no request can repeat it
        same = "const same = { " + ", ".join(f"{c}: first.{c}" for c in cols) + " };"
        conflict = [
            'problem = assertProblem(response, 409, "conflict");',
            f"expect(problem.fields).toEqual({ts(cols)});",
        ]
        if r.table.owned and unique.columns[0] != "owner_id":
            body = [
                "// The set names a relation, so it holds across owners: a second buyer is refused",
                "// as the first one is.",
                f"const first = await {create}(app, bob);",
                same,
                f"const again = await {new}(app, bob, same);",
                f'let response = await call(app, "POST", {ts(path)}, {{ body: again, headers: bob.headers }});',
                f"let {conflict[0]}",
                conflict[1],
                f"const theirs = await {new}(app, alice, same);",
                f'response = await call(app, "POST", {ts(path)}, {{ body: theirs, headers: alice.headers }});',
                *conflict,
            ]
        else:
            body = [
                f"const first = await {create}(app, alice);",
                same,
                f"const again = await {new}(app, alice, same);",
                f'const response = await call(app, "POST", {ts(path)}, {{ body: again, headers: alice.headers }});',
                f"const {conflict[0]}",
                conflict[1],
            ]
            if r.table.owned:
                body += [
                    "// Unique per owner: someone else may use the same value.",
                    f"await {create}(app, bob, same);",
                ]
        people = ["alice", "bob"] if r.table.owned else ["alice"]
        suite.test(f"a duplicate {' + '.join(cols)} is a conflict", people, body)


def _references(api: Api, suite: Suite, r: Resource) -> None:
    path, new = r.path, factory(r, "new")
    for ref in r.references:
        col = ref.column.api
        suite.test(
            f"{col} must name an existing row",
            ["alice"],
            [
                f"const body = await {new}(app, alice, {{ {col}: randomUUID() }});",
                f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: alice.headers }});',
                'const problem = assertProblem(response, 422, "invalid-reference");',
                f"expect(problem.fields).toEqual([{ts(col)}]);",
            ],
        )
        if ref.target.name == "users":
            continue
        target = api.resource(ref.target)
        carol = Persona("carol", True, False, frozenset(roles_for(r.table, ("create",))))
        if status(ref.target, "read", carol, public=False) == 404:
            hidden = ", {}, false" if target.public else ""
            suite.test(
                f"{col} of someone else is refused like a missing one"
                if ref.target.owned
                else f"{col} you cannot see is refused like a missing one",
                ["alice", "bob"],
                [
                    "// carol is a plain member: she reaches only what any account reaches.",
                    "const carol = await signUp(app);",
                    *grant(r, ("create",), "carol"),
                    f"const theirs = await {factory(target)}(app, bob{hidden});",
                    f"const body = await {new}(app, carol, {{ {col}: theirs.id }});",
                    f'const response = await call(app, "POST", {ts(path)}, {{ body, headers: carol.headers }});',
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


HELPERS = re.compile(
    r"\b(?:create|new)[A-Z]\w*|\b\w+Payload\b|\bassert(?:Problem|Same|Status)\b"
    r"|\b(?:grant|manager|signUp|withRoles|call|ANONYMOUS|BAD_CREDENTIALS)\b"
)


def resource_tests(api: Api, r: Resource) -> str:
    suite = Suite()
    for part in (_crud, _validation, _authentication, _ownership, _uniques, _references):
        part(api, suite, r)
    links(api, suite, r)
    filters(api, suite, r)
    for name, people, body in rule_tests(api, r):
        suite.test(name, people, body)
    code = "\n".join(suite.lines)
    names = sorted(set(HELPERS.findall(code)), key=str.lower)
    if re.search(r"\bAccount\b", code):
        names.append("type Account")
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
