"""Tests of the brief's v2 rules for one resource, in TypeScript: every verb for every kind
of caller, rows that are not public, state changes along the transitions, immutable and
server-set fields. The expected answers come from `expect`, worked out from the brief's
rules, not from the generated code they check (the Python suite's `tests_rules` uses the
same answers)."""

from __future__ import annotations

from ..expect import personas, recipe, refused_move, status
from ..schema import Column
from ..service.api import Api, Resource
from .names import factory, ts
from .test_common import account, change

Test = tuple[str, list[str], list[str]]


def _states(r: Resource) -> list[bool | None]:
    """The row states the matrix covers: not public and public, when the brief names them."""
    if not r.public:
        return [None]
    return [p for p in (False, True) if recipe(r.table, p) is not None]


def _state(state: bool | None) -> str:
    return "" if state is None else f", {{}}, {'true' if state else 'false'}"


def matrix(api: Api, r: Resource) -> list[Test]:
    """The per-caller test of every verb."""
    if api.auth == "none":
        return []
    table, path = r.table, r.path
    create, new = factory(r), factory(r, "new")
    people = personas(table, api.auth)
    body = [
        "const people: Record<string, Account> = {",
        *[f"  {ts(p.name)}: {account(p)}," for p in people],
        "};",
        'const creator = people["owner"]!;'
        if table.owned
        else "const creator = await manager(app);",
        f"const body = await {new}(app, creator);",
        "for (const [who, expected] of Object.entries({",
        *[f"  {ts(p.name)}: {status(table, 'create', p, False)}," for p in people],
        "})) {",
        "  const caller = people[who]!;",
        f"  const sent = caller.id ? await {new}(app, caller) : body;",
        f'  assertStatus(await call(app, "POST", {ts(path)}, {{ body: sent, headers: caller.headers }}), expected, who);',
        "}",
    ]
    for index, state in enumerate(_states(r)):
        words = {None: "a row", False: "a row that is not public", True: "a public row"}[state]
        body += [
            f"// Reading and changing {words}: GET, in the list, PATCH with a real change.",
            "{",
            f"  const row = await {create}(app, creator{_state(state)});",
            f"  const url = `{path}/${{row.id}}`;",
            "  const answers: Record<string, [number, number, number]> = {",
        ]
        for p in people:
            seen = status(table, "read", p, bool(state))
            listed = status(table, "list", p, bool(state))
            changed = status(table, "update", p, bool(state))
            body.append(f"    {ts(p.name)}: [{seen}, {listed}, {changed}],")
        body += [
            "  };",
            "  for (const [n, [who, [seen, listed, changed]]] of Object.entries(answers).entries()) {",
            "    const caller = people[who]!;",
            '    assertStatus(await call(app, "GET", url, { headers: caller.headers }), seen, who);',
            f'    const listing = await call(app, "GET", {ts(path)}, {{ headers: caller.headers }});',
            "    assertStatus(listing, listed, who);",
            "    if (listed === 200) {",
            "      const ids = listing.json().items.map((item: { id: string }) => item.id);",
            "      expect(ids.includes(row.id), who).toBe(seen === 200);",
            "    }",
            '    const before = (await call(app, "GET", url, { headers: creator.headers })).json();',
            f"    const change = {change(r, f'{3000 + 100 * index} + n')};",
            '    assertStatus(await call(app, "PATCH", url, { body: change, headers: caller.headers }), changed, who);',
            '    const after = (await call(app, "GET", url, { headers: creator.headers })).json();',
            f"    if (changed === 200) assertSame({ts(table.name)}, change, after);",
            "    else expect(after, who).toEqual(before);",
            "  }",
            "}",
        ]
    for state in _states(r):
        body += [
            "for (const [who, expected] of Object.entries({",
            *[f"  {ts(p.name)}: {status(table, 'delete', p, bool(state))}," for p in people],
            "})) {",
            f"  const row = await {create}(app, creator{_state(state)});",
            f"  const url = `{path}/${{row.id}}`;",
            '  assertStatus(await call(app, "DELETE", url, { headers: people[who]!.headers }), expected, who);',
            '  const gone = (await call(app, "GET", url, { headers: creator.headers })).statusCode === 404;',
            "  expect(gone, who).toBe(expected === 204);",
            "}",
        ]
    if r.mine_param:
        body += [
            f"// `{r.mine_param}=true` keeps only the caller's own rows, whatever else they see.",
            "{",
            f"  const row = await {create}(app, creator{_state(_states(r)[-1])});",
            "  for (const [who, caller] of Object.entries(people)) {",
            "    if (caller.id === null) continue;",
            f'    const mine = await call(app, "GET", {ts(path)}, {{ query: {{ {r.mine_param}: "true" }}, headers: caller.headers }});',
            "    const ids = mine.json().items.map((item: { id: string }) => item.id);",
            '    expect(ids.includes(row.id), who).toBe(who === "owner");',
            "  }",
            "}",
        ]
    return [("each kind of caller gets what the brief allows", [], body)]


def visibility(api: Api, r: Resource) -> list[Test]:
    """Plain readers see public rows only; those who may change rows see them all."""
    table, path, create = r.table, r.path, factory(r)
    if not r.public or None in (recipe(table, True), recipe(table, False)):
        return []
    people = personas(table, api.auth)
    reader = next(
        (
            p
            for p in people
            if not p.owner
            and status(table, "read", p, True) == 200
            and status(table, "read", p, False) == 404
            and status(table, "list", p, True) == 200
        ),
        None,
    )
    if reader is None:
        return []
    creator = "await signUp(app)" if table.owned else "await manager(app)"
    return [
        (
            "rows that are not public are seen only by those who may change them",
            [],
            [
                f"const creator = {creator};",
                f"const shown = await {create}(app, creator, {{}}, true);",
                f"const hidden = await {create}(app, creator, {{}}, false);",
                f"const reader = {account(reader)}; // {reader.name}: reads, may not change",
                f'const listed = (await call(app, "GET", {ts(path)}, {{ headers: reader.headers }})).json().items;',
                "expect(listed.map((item: { id: string }) => item.id)).toEqual([shown.id]);",
                f'expect((await call(app, "GET", `{path}/${{shown.id}}`, {{ headers: reader.headers }})).json()).toEqual(shown);',
                f'assertProblem(await call(app, "GET", `{path}/${{hidden.id}}`, {{ headers: reader.headers }}), 404, "not-found");',
                f'const everything = (await call(app, "GET", {ts(path)}, {{ headers: creator.headers }})).json().items;',
                "expect(new Set(everything.map((item: { id: string }) => item.id))).toEqual(new Set([shown.id, hidden.id]));",
            ],
        )
    ]


def transitions(api: Api, r: Resource) -> list[Test]:
    table, path = r.table, r.path
    create, new = factory(r), factory(r, "new")
    out = []
    for column in [c for c in table.columns if c.transitions]:
        start = column.source.default if column.source else None
        found = refused_move(column)
        if found is None:
            continue
        walk, refused = found
        at = walk[-1] if walk else start
        first = next(b for a, b in column.transitions if a == start)
        key = column.api
        body = [
            f"// A new row starts at {ts(start)}; a create may not choose another state.",
            f"const sent = {{ ...(await {new}(app, alice)), {key}: {ts(first)} }};",
            f'assertProblem(await call(app, "POST", {ts(path)}, {{ body: sent, headers: alice.headers }}), 422, "validation-error");',
            f"const row = await {create}(app, alice{', {}, false' if r.public else ''});",
            f"expect(row.{key}).toBe({ts(start)});",
            f"const url = `{path}/${{row.id}}`;",
        ]
        for state in walk:
            body.append(
                f'expect((await call(app, "PATCH", url, {{ body: {{ {key}: {ts(state)} }}, headers: alice.headers }})).statusCode).toBe(200);'
            )
        body += [
            f"// {ts(at)} -> {ts(refused)} is not among the brief's transitions.",
            f'const response = await call(app, "PATCH", url, {{ body: {{ {key}: {ts(refused)} }}, headers: alice.headers }});',
            'const problem = assertProblem(response, 409, "invalid-transition");',
            f"expect(problem.fields).toEqual([{ts(key)}]);",
            f'expect((await call(app, "GET", url, {{ headers: alice.headers }})).json().{key}).toBe({ts(at)});',
        ]
        if not walk:
            body += [
                f'const moved = await call(app, "PATCH", url, {{ body: {{ {key}: {ts(first)} }}, headers: alice.headers }});',
                "expect(moved.statusCode).toBe(200);",
                f"expect(moved.json().{key}).toBe({ts(first)});",
            ]
        out.append((f"{key} moves only along the brief's transitions", ["alice"], body))
    return out


SENT = {
    "datetime": '"2024-01-01T00:00:00+00:00"',
    "date": '"2024-01-01"',
    "uuid": '"00000000-0000-0000-0000-000000000001"',
    "decimal": '"1.00"',
    "int": "1",
    "bool": "true",
}


def _server_value(column: Column) -> str:
    """An assertion about the value the server put in `row`."""
    key = column.api
    if column.default == "now()":
        return f"expect(row.{key}).toBe(row.created_at); // now(), in the creating transaction"
    if column.default == "current_date":
        return f"expect(row.{key}).toMatch(/^\\d{{4}}-\\d{{2}}-\\d{{2}}$/);"
    if column.default == "gen_random_uuid()":
        return f"expect(row.{key}).toMatch(/^[0-9a-f-]{{36}}$/);"
    value = column.source.default if column.source else None
    if column.kind == "decimal":
        return f"expect(Number(row.{key})).toBe({float(str(value))});"
    return f"expect(row.{key}).toEqual({ts(value)});"


def fixed_fields(api: Api, r: Resource) -> list[Test]:
    """Immutable fields refuse a change; server-set fields refuse any value from a client."""
    table, path = r.table, r.path
    create, new, pay = factory(r), factory(r, "new"), factory(r, "payload")
    out = []
    for column in table.columns:
        key = column.api
        if column.immutable and column.source is not None:
            out.append(
                (
                    f"{key} is set on create and never changes",
                    ["alice"],
                    [
                        f"const row = await {create}(app, alice);",
                        f"const url = `{path}/${{row.id}}`;",
                        f"const change = {{ {key}: {pay}(5000).{key} }};",
                        'const response = await call(app, "PATCH", url, { body: change, headers: alice.headers });',
                        'const problem = assertProblem(response, 422, "validation-error");',
                        f"expect(problem.errors.map((e: {{ field: string }}) => e.field)).toContain({ts(key)});",
                        'expect((await call(app, "GET", url, { headers: alice.headers })).json()).toEqual(row);',
                    ],
                )
            )
        if column.server_set:
            sent = SENT.get(column.kind, '"x"')
            if column.kind == "enum" and column.source and column.source.values:
                sent = ts(column.source.values[0])
            out.append(
                (
                    f"{key} is set by the server",
                    ["alice"],
                    [
                        f"const sent = {{ ...(await {new}(app, alice)), {key}: {sent} }};",
                        f'assertProblem(await call(app, "POST", {ts(path)}, {{ body: sent, headers: alice.headers }}), 422, "validation-error");',
                        f"const row = await {create}(app, alice);",
                        _server_value(column),
                        f"const url = `{path}/${{row.id}}`;",
                        f'assertProblem(await call(app, "PATCH", url, {{ body: {{ {key}: {sent} }}, headers: alice.headers }}), 422, "validation-error");',
                    ],
                )
            )
    return out


def rule_tests(api: Api, r: Resource) -> list[Test]:
    return [*matrix(api, r), *visibility(api, r), *transitions(api, r), *fixed_fields(api, r)]
