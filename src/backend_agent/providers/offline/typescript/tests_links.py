"""Tests of a resource's links (many-to-many) and list filters, for `tests`."""

from __future__ import annotations

from ..expect import Persona, allowed, personas, roles_for, status
from ..naming import article
from ..service.api import Api, LinkEnd, Resource
from ..service.samples import two_plain
from .names import factory, ts
from .test_common import EXPECT, Suite, grant
from .test_support import literal


def _get(path: str, who: str = "alice") -> str:
    return f'await call(app, "GET", {path}, {{ headers: {who}.headers }})'


def links(api: Api, suite: Suite, r: Resource) -> None:
    for end in r.links:
        if end.writes:
            _link_tests(api, suite, r, end)


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
    if api.auth != "none" and r.table.access.needs_user("update"):
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
    own = roles_for(r.table, ("create", "update"))
    carol = Persona("carol", True, False, frozenset(own))
    refused = 404 if status(far, "read", carol, public=False) == 404 else 403
    if far.owned and (refused == 404 or not allowed(far, "update", carol)):
        hidden = ", {}, false" if far.public_when else ""
        suite.test(
            f"{article(far_words)} {far_words} of someone else cannot be linked",
            ["alice", "bob"],
            [
                "// carol is a plain member: she reaches only what any account reaches.",
                "const carol = await signUp(app);",
                *grant(r, ("create", "update"), "carol"),
                f"const row = await {factory(r)}(app, carol);",
                f"const theirs = await {factory(api.resource(far))}(app, bob{hidden});",
                f"const link = `{path}/${{row.id}}{end.segment}/${{theirs.id}}`;",
                EXPECT[refused].format(
                    call='await call(app, "PUT", link, { headers: carol.headers })'
                ),
            ],
        )
    bob = next(p for p in personas(r.table, api.auth) if p.name == "member")
    refused = status(r.table, "update", bob, public=False)
    if r.table.owned and not end.far_is_users and refused in (403, 404):
        hidden = ", {}, false" if r.public else ""
        suite.test(
            f"nobody links to someone else's {r.table.singular.replace('_', ' ')}",
            ["alice", "bob"],
            [
                f"const row = await {factory(r)}(app, alice{hidden});",
                f"const far = await {factory(api.resource(far))}(app, bob);",
                f"const link = `{path}/${{row.id}}{end.segment}/${{far.id}}`;",
                EXPECT[refused].format(
                    call='await call(app, "PUT", link, { headers: bob.headers })'
                ),
            ],
        )


def filters(api: Api, suite: Suite, r: Resource) -> None:
    for flt in r.filters:
        column = flt.column
        if not column.create:
            continue  # a state or a server-set value: a create cannot choose it
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
