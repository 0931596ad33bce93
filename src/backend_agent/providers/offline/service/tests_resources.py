"""One test module per resource: happy path, validation, authentication, ownership, and
every rule the brief gave it (uniqueness, references and their ON DELETE, links, filters)."""

from __future__ import annotations

import re

from ..expect import Persona, personas, roles_for, status
from ..naming import article
from .api import Api, Reference, Resource
from .samples import pick_invalid
from .tests_common import EXPECT, Suite, change, grant, ident, params
from .tests_links import filters, links
from .tests_rules import rule_tests


def _crud(api: Api, suite: Suite, r: Resource) -> None:
    single, path, table = r.table.singular, r.path, r.table.name
    suite.test(
        "create_read_update_delete",
        params(api, "alice"),
        [
            f"sent = new_{single}(client, alice)",
            f'created = client.post("{path}", json=sent, headers=alice.headers)',
            "assert created.status_code == 201, created.text",
            "row = created.json()",
            f'assert created.headers["location"] == f"{path}/{{row[\'id\']}}"',
            f'assert_same("{table}", sent, row)',
            f"url = f\"{path}/{{row['id']}}\"",
            "assert client.get(url, headers=alice.headers).json() == row",
            f"change = {change(r)}",
            "updated = client.patch(url, json=change, headers=alice.headers)",
            "assert updated.status_code == 200, updated.text",
            f'assert_same("{table}", change, updated.json())',
            'assert updated.json()["updated_at"] >= row["updated_at"]',
            "assert client.delete(url, headers=alice.headers).status_code == 204",
            'assert_problem(client.get(url, headers=alice.headers), 404, "not-found")',
            'assert_problem(client.delete(url, headers=alice.headers), 404, "not-found")',
        ],
    )
    suite.test(
        "list_is_paginated_newest_first",
        params(api, "alice"),
        [
            f'ids = [create_{single}(client, alice)["id"] for _ in range(3)]',
            f'first = client.get("{path}", params={{"limit": 2}}, headers=alice.headers).json()',
            'assert [row["id"] for row in first["items"]] == ids[::-1][:2]',
            'assert first["next_cursor"]',
            'more = {"limit": 2, "cursor": first["next_cursor"]}',
            f'second = client.get("{path}", params=more, headers=alice.headers).json()',
            'assert [row["id"] for row in second["items"]] == ids[::-1][2:]',
            'assert second["next_cursor"] is None',
            f'too_many = client.get("{path}", params={{"limit": 1000}}, headers=alice.headers)',
            'assert_problem(too_many, 422, "validation-error")',
        ],
    )


def _validation(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    picked = pick_invalid(r.changeable)
    if picked:
        column, value, why = picked
        name = ident(column.api)
        suite.test(
            f"invalid_{name}_is_refused",
            params(api, "alice"),
            [
                f"# {column.api}: {why}",
                f'bad = new_{single}(client, alice, **{{"{column.api}": {value}}})',
                f'response = client.post("{path}", json=bad, headers=alice.headers)',
                'problem = assert_problem(response, 422, "validation-error")',
                f'assert "{column.api}" in {{e["field"] for e in problem["errors"]}}',
                f"row = create_{single}(client, alice)",
                f"url = f\"{path}/{{row['id']}}\"",
                f'patch = client.patch(url, json={{"{column.api}": {value}}}, headers=alice.headers)',
                'assert_problem(patch, 422, "validation-error")',
            ],
        )
    required = [c for c in r.table.creatable if c.required]
    if required:
        column = required[0]
        name = ident(column.api)
        suite.test(
            f"{name}_is_required",
            params(api, "alice"),
            [
                f"body = new_{single}(client, alice)",
                f'del body["{column.api}"]',
                f'response = client.post("{path}", json=body, headers=alice.headers)',
                'problem = assert_problem(response, 422, "validation-error")',
                f'assert "{column.api}" in {{e["field"] for e in problem["errors"]}}',
            ],
        )
    _loose_values(api, suite, r)
    nullable_not = [c for c in r.table.updatable if not c.nullable]
    body = [
        f'body = {{**new_{single}(client, alice), "id": "{"0" * 8}-0000-0000-0000-{"0" * 12}"}}',
    ]
    if r.table.owned:
        body[-1] = f'body = {{**new_{single}(client, alice), "owner_id": alice.id}}'
    body += [
        f'response = client.post("{path}", json=body, headers=alice.headers)',
        'assert_problem(response, 422, "validation-error")',
    ]
    if nullable_not:
        column = nullable_not[0]
        body += [
            f"row = create_{single}(client, alice)",
            f"url = f\"{path}/{{row['id']}}\"",
            f'null = client.patch(url, json={{"{column.api}": None}}, headers=alice.headers)',
            'assert_problem(null, 422, "validation-error")',
        ]
    suite.test("fields_the_client_may_not_set_are_refused", params(api, "alice"), body)


def _loose_values(api: Api, suite: Suite, r: Resource) -> None:
    """A number or a flag sent as a string, and a blank required text, are refused: strict
    types, not coercion."""
    single, path = r.table.singular, r.path
    loose = next((c for c in r.fields if c.kind in ("int", "bool")), None)
    if loose is not None:
        sent = '"7"' if loose.kind == "int" else '"true"'
        suite.test(
            f"{ident(loose.api)}_as_a_string_is_refused",
            params(api, "alice"),
            [
                f'body = new_{single}(client, alice, **{{"{loose.api}": {sent}}})',
                f'response = client.post("{path}", json=body, headers=alice.headers)',
                'problem = assert_problem(response, 422, "validation-error")',
                f'assert "{loose.api}" in {{e["field"] for e in problem["errors"]}}',
            ],
        )
    blank = next(
        (c for c in r.fields if c.kind in ("string", "text") and c.source and c.source.required),
        None,
    )
    if blank is not None:
        body = [
            f'body = new_{single}(client, alice, **{{"{blank.api}": "   "}})',
            f'response = client.post("{path}", json=body, headers=alice.headers)',
            'problem = assert_problem(response, 422, "validation-error")',
            f'assert "{blank.api}" in {{e["field"] for e in problem["errors"]}}',
        ]
        if blank.update:
            body += [
                f"row = create_{single}(client, alice)",
                f"url = f\"{path}/{{row['id']}}\"",
                f'patch = client.patch(url, json={{"{blank.api}": ""}}, headers=alice.headers)',
                'assert_problem(patch, 422, "validation-error")',
            ]
        suite.test(f"blank_{ident(blank.api)}_is_refused", params(api, "alice"), body)


def _authentication(api: Api, suite: Suite, r: Resource) -> None:
    """What a caller without credentials gets, verb by verb, as the brief's rules say."""
    if api.auth == "none":
        return
    single, path, table = r.table.singular, r.path, r.table
    anonymous = next(p for p in personas(table, api.auth) if not p.signed_in)
    made = f"create_{single}(client, alice" + (", public=True)" if r.public else ")")

    def code(verb: str) -> int:
        return status(table, verb, anonymous, public=True)

    body = [
        f"row = {made}",
        f"url = f\"{path}/{{row['id']}}\"",
        f"body = new_{single}(client, alice)",
        EXPECT[code("create")].format(call=f'client.post("{path}", json=body)'),
    ]
    if table.access.needs_user("create"):
        body += [
            f'bad = client.post("{path}", json=body, headers=BAD_CREDENTIALS)',
            'assert_problem(bad, 401, "authentication-required")',
        ]
    body += [
        EXPECT[code("list")].format(call=f'client.get("{path}")'),
        EXPECT[code("read")].format(call="client.get(url)"),
        EXPECT[code("update")].format(call="client.patch(url, json={})"),
        EXPECT[code("delete")].format(call="client.delete(url)"),
    ]
    suite.test("callers_without_credentials_get_what_the_brief_allows", params(api, "alice"), body)


def others_are_hidden(api: Api, r: Resource) -> bool:
    """Do a member's rows stay hidden from other members (so a test can show it)?"""
    if not r.table.owned:
        return False
    member = next(p for p in personas(r.table, api.auth) if p.name == "member")
    return status(r.table, "read", member, public=False) == 404


def _ownership(api: Api, suite: Suite, r: Resource) -> None:
    """Another member's PATCH with a real body, and their DELETE, reach nothing."""
    if not others_are_hidden(api, r):
        return
    single, path = r.table.singular, r.path
    made = f"create_{single}(client, alice" + (", public=False)" if r.public else ")")
    listed = f'client.get("{path}", headers=bob.headers).json()["items"]'
    suite.test(
        "rows_of_others_are_not_found",
        params(api, "alice", "bob"),
        [
            f"row = {made}",
            f"url = f\"{path}/{{row['id']}}\"",
            'assert_problem(client.get(url, headers=bob.headers), 404, "not-found")',
            f"change = {change(r)}",
            'assert_problem(client.patch(url, json=change, headers=bob.headers), 404, "not-found")',
            'assert_problem(client.delete(url, headers=bob.headers), 404, "not-found")',
            f'assert row["id"] not in [item["id"] for item in {listed}]',
            "# Untouched: the owner still reads it exactly as it was.",
            "assert client.get(url, headers=alice.headers).json() == row",
        ],
    )


def _uniques(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    creatable = {c.api for c in r.table.creatable}
    for unique in r.table.uniques:
        cols = list(unique.brief_columns)
        if not set(cols) <= creatable:
            continue  # a state or a server-set value: no request can repeat it
        name = "_".join(ident(c) for c in cols)
        same = "same = {" + ", ".join(f'"{c}": first["{c}"]' for c in cols) + "}"
        conflict = [
            'problem = assert_problem(response, 409, "conflict")',
            f'assert problem["fields"] == {cols!r}',
        ]
        if r.table.owned and unique.columns[0] != "owner_id":
            body = [
                "# The set names a relation, so it holds across owners: a second buyer is",
                "# refused as the first one is.",
                f"first = create_{single}(client, bob)",
                same,
                f"again = new_{single}(client, bob, **same)",
                f'response = client.post("{path}", json=again, headers=bob.headers)',
                *conflict,
                f"theirs = new_{single}(client, alice, **same)",
                f'response = client.post("{path}", json=theirs, headers=alice.headers)',
                *conflict,
            ]
        else:
            body = [
                f"first = create_{single}(client, alice)",
                same,
                f"again = new_{single}(client, alice, **same)",
                f'response = client.post("{path}", json=again, headers=alice.headers)',
                *conflict,
            ]
            if r.table.owned:
                body += [
                    "# Unique per owner: someone else may use the same value.",
                    f"create_{single}(client, bob, **same)",
                ]
        people = ["alice", "bob"] if r.table.owned else ["alice"]
        suite.test(f"duplicate_{name}_is_a_conflict", params(api, *people), body)


def _references(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    for ref in r.references:
        col = ref.column.api
        name = ident(col)
        suite.test(
            f"{name}_must_name_an_existing_row",
            params(api, "alice"),
            [
                f'body = new_{single}(client, alice, **{{"{col}": str(uuid4())}})',
                f'response = client.post("{path}", json=body, headers=alice.headers)',
                'problem = assert_problem(response, 422, "invalid-reference")',
                f'assert problem["fields"] == ["{col}"]',
            ],
        )
        if ref.target.name == "users":
            continue
        target = api.resource(ref.target)
        carol = Persona("carol", True, False, frozenset(roles_for(r.table, ("create",))))
        if status(ref.target, "read", carol, public=False) == 404:
            hidden = ", public=False" if target.public else ""
            suite.test(
                f"{name}_of_someone_else_is_refused_like_a_missing_one"
                if ref.target.owned
                else f"{name}_you_cannot_see_is_refused_like_a_missing_one",
                params(api, "alice", "bob"),
                [
                    "# carol is a plain member: she reaches only what any account reaches.",
                    "carol = sign_up(client)",
                    *grant(r, ("create",), "carol"),
                    f"theirs = create_{ref.target.singular}(client, bob{hidden})",
                    f'body = new_{single}(client, carol, **{{"{col}": theirs["id"]}})',
                    f'response = client.post("{path}", json=body, headers=carol.headers)',
                    'assert_problem(response, 422, "invalid-reference")',
                ],
            )
        _on_delete(api, suite, r, ref, target)


def _on_delete(api: Api, suite: Suite, r: Resource, ref: Reference, target: Resource) -> None:
    single, path = r.table.singular, r.path
    col = ref.column.api
    parent = ref.target.singular
    setup = [
        f"parent = create_{parent}(client, alice)",
        f'child = create_{single}(client, alice, **{{"{col}": parent["id"]}})',
        f"parent_url = f\"{target.path}/{{parent['id']}}\"",
        f"child_url = f\"{path}/{{child['id']}}\"",
    ]
    if r.table.name == ref.target.name:
        setup.insert(0, "# A self-reference: the parent is a row of the same table.")
    words = ref.target.singular.replace("_", " ")
    if ref.rule == "CASCADE":
        suite.test(
            f"deleting_the_{parent}_deletes_its_{r.table.name}",
            params(api, "alice"),
            [
                *setup,
                "assert client.delete(parent_url, headers=alice.headers).status_code == 204",
                'assert_problem(client.get(child_url, headers=alice.headers), 404, "not-found")',
            ],
        )
    elif ref.rule == "RESTRICT":
        suite.test(
            f"{article(parent)}_{parent}_with_{r.table.name}_cannot_be_deleted",
            params(api, "alice"),
            [
                *setup,
                "response = client.delete(parent_url, headers=alice.headers)",
                'assert_problem(response, 409, "still-referenced")',
                "assert client.get(parent_url, headers=alice.headers).status_code == 200",
                "assert client.delete(child_url, headers=alice.headers).status_code == 204",
                "assert client.delete(parent_url, headers=alice.headers).status_code == 204",
            ],
        )
    else:
        suite.test(
            f"deleting_the_{parent}_leaves_{r.table.name}_without_one",
            params(api, "alice"),
            [
                f"# ON DELETE SET NULL: the {r.table.singular.replace('_', ' ')} stays, "
                f"its {words} is cleared.",
                *setup,
                "assert client.delete(parent_url, headers=alice.headers).status_code == 204",
                "after = client.get(child_url, headers=alice.headers)",
                f'assert after.status_code == 200 and after.json()["{col}"] is None',
            ],
        )


def _import_order(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def resource_tests(api: Api, r: Resource) -> str:
    suite = Suite()
    for part in (_crud, _validation, _authentication, _ownership, _uniques, _references):
        part(api, suite, r)
    links(api, suite, r)
    filters(api, suite, r)
    for test_name, test_params, body in rule_tests(api, r):
        suite.test(test_name, test_params, body)
    code = "\n".join(suite.lines)
    names = sorted(
        {
            n
            for n in re.findall(
                r"\b(?:create|new)_\w+|\b\w+_payload\b|\bassert_(?:problem|same|status)\b", code
            )
            if not n.startswith("create_read")
        }
        | ({"BAD_CREDENTIALS"} if "BAD_CREDENTIALS" in code else set())
        | {n for n in ("grant", "manager", "sign_up", "with_roles") if f"{n}(client" in code}
        | {"Account"}
    )
    head = [
        f'"""{r.path}: {r.label} — the happy path, validation, '
        + ("authentication, " if api.auth != "none" else "")
        + ("ownership, " if r.table.owned else "")
        + 'and the brief\'s rules."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    stdlib = []
    if "date.fromisoformat" in code:
        stdlib.append("from datetime import date")
    if "Decimal(" in code:
        stdlib.append("from decimal import Decimal")
    uuids = [n for n in ("UUID", "uuid4") if f"{n}(" in code]
    if uuids:
        stdlib.append(f"from uuid import {', '.join(uuids)}")
    if stdlib:
        head += [*stdlib, ""]
    head += [
        "from fastapi.testclient import TestClient",
        "",
        "from factories import (",
        *[f"    {n}," for n in sorted(names, key=_import_order)],
        ")",
    ]
    return "\n".join(head) + "\n" + code + "\n"
