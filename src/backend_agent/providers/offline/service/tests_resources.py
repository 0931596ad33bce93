"""One test module per resource: happy path, validation, authentication, ownership, and
every rule the brief gave it (uniqueness, references and their ON DELETE, links, filters)."""

from __future__ import annotations

import re

from ..expect import Persona, allowed, personas, roles_for, status
from ..naming import article
from .api import Api, LinkEnd, Reference, Resource
from .samples import pick_invalid, two_values
from .tests_rules import rule_tests
from .tests_support import quoted


class Suite:
    """Test functions written one after another, with the names they import."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def test(self, name: str, params: str, body: list[str]) -> None:
        self.lines += ["", "", f"def test_{name}({params}) -> None:", *["    " + b for b in body]]


def _params(api: Api, *people: str) -> str:
    return ", ".join(["client: TestClient", *(f"{p}: Account" for p in people)])


def _name(api_name: str) -> str:
    return re.sub(r"\W", "_", api_name)


def _change(r: Resource, n: int = 1000) -> str:
    """A body that changes one field a client may change, as Python source ({} if none)."""
    if not r.changeable:
        return "{}"
    column = r.changeable[0]
    return f'{{"{column.api}": {r.table.singular}_payload({n})["{column.api}"]}}'


def _grant(r: Resource, verbs: tuple[str, ...], who: str = "alice") -> list[str]:
    """A line giving `who` the roles these verbs need on this table, if any."""
    roles = roles_for(r.table, verbs)
    if not roles:
        return []
    return [f"{who} = grant(client, {who}, {quoted(roles)})"]


def _crud(api: Api, suite: Suite, r: Resource) -> None:
    single, path, table = r.table.singular, r.path, r.table.name
    suite.test(
        "create_read_update_delete",
        _params(api, "alice"),
        [
            f"sent = new_{single}(client, alice)",
            f'created = client.post("{path}", json=sent, headers=alice.headers)',
            "assert created.status_code == 201, created.text",
            "row = created.json()",
            f'assert created.headers["location"] == f"{path}/{{row[\'id\']}}"',
            f'assert_same("{table}", sent, row)',
            f"url = f\"{path}/{{row['id']}}\"",
            "assert client.get(url, headers=alice.headers).json() == row",
            f"change = {_change(r)}",
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
        _params(api, "alice"),
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
        name = re.sub(r"\W", "_", column.api)
        suite.test(
            f"invalid_{name}_is_refused",
            _params(api, "alice"),
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
        name = re.sub(r"\W", "_", column.api)
        suite.test(
            f"{name}_is_required",
            _params(api, "alice"),
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
    suite.test("fields_the_client_may_not_set_are_refused", _params(api, "alice"), body)


def _loose_values(api: Api, suite: Suite, r: Resource) -> None:
    """A number or a flag sent as a string, and a blank required text, are refused: strict
    types, not coercion."""
    single, path = r.table.singular, r.path
    loose = next((c for c in r.fields if c.kind in ("int", "bool")), None)
    if loose is not None:
        sent = '"7"' if loose.kind == "int" else '"true"'
        suite.test(
            f"{_name(loose.api)}_as_a_string_is_refused",
            _params(api, "alice"),
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
        suite.test(f"blank_{_name(blank.api)}_is_refused", _params(api, "alice"), body)


EXPECT = {
    200: "assert {call}.status_code == 200",
    201: "assert {call}.status_code == 201",
    204: "assert {call}.status_code == 204",
    401: 'assert_problem({call}, 401, "authentication-required")',
    403: 'assert_problem({call}, 403, "forbidden")',
    404: 'assert_problem({call}, 404, "not-found")',
}


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
    suite.test("callers_without_credentials_get_what_the_brief_allows", _params(api, "alice"), body)


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
        _params(api, "alice", "bob"),
        [
            f"row = {made}",
            f"url = f\"{path}/{{row['id']}}\"",
            'assert_problem(client.get(url, headers=bob.headers), 404, "not-found")',
            f"change = {_change(r)}",
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
        name = "_".join(_name(c) for c in cols)
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
        suite.test(f"duplicate_{name}_is_a_conflict", _params(api, *people), body)


def _references(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    for ref in r.references:
        col = ref.column.api
        name = re.sub(r"\W", "_", col)
        suite.test(
            f"{name}_must_name_an_existing_row",
            _params(api, "alice"),
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
                _params(api, "alice", "bob"),
                [
                    "# carol is a plain member: she reaches only what any account reaches.",
                    "carol = sign_up(client)",
                    *_grant(r, ("create",), "carol"),
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
            _params(api, "alice"),
            [
                *setup,
                "assert client.delete(parent_url, headers=alice.headers).status_code == 204",
                'assert_problem(client.get(child_url, headers=alice.headers), 404, "not-found")',
            ],
        )
    elif ref.rule == "RESTRICT":
        suite.test(
            f"{article(parent)}_{parent}_with_{r.table.name}_cannot_be_deleted",
            _params(api, "alice"),
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
            _params(api, "alice"),
            [
                f"# ON DELETE SET NULL: the {r.table.singular.replace('_', ' ')} stays, "
                f"its {words} is cleared.",
                *setup,
                "assert client.delete(parent_url, headers=alice.headers).status_code == 204",
                "after = client.get(child_url, headers=alice.headers)",
                f'assert after.status_code == 200 and after.json()["{col}"] is None',
            ],
        )


def _links(api: Api, suite: Suite, r: Resource) -> None:
    for end in r.links:
        if not end.writes:
            continue
        _link_tests(api, suite, r, end)


def _link_tests(api: Api, suite: Suite, r: Resource, end: LinkEnd) -> None:
    single, path = r.table.singular, r.path
    far = end.far
    far_single = far.singular
    if end.far_is_users:
        make_far, far_id, people = None, "bob.id", ["alice", "bob"]
        far_list = None
    else:
        make_far = f"create_{far_single}(client, alice)"
        far_id = "far['id']"
        people = ["alice"]
        far_list = f"f\"{api.resource(far).path}/{{far['id']}}{'/' + r.path.lstrip('/')}\""
    body = [
        f"row = create_{single}(client, alice)",
        *([f"far = {make_far}"] if make_far else []),
        f"link = f\"{path}/{{row['id']}}{end.segment}/{{{far_id}}}\"",
        "assert client.put(link, headers=alice.headers).status_code == 204",
        "assert client.put(link, headers=alice.headers).status_code == 204  # idempotent",
        f"listed = client.get(f\"{path}/{{row['id']}}{end.segment}\", headers=alice.headers)",
        f'assert [item["id"] for item in listed.json()["items"]] == [{far_id}]',
    ]
    if far_list:
        body += [
            f"back = client.get({far_list}, headers=alice.headers)",
            'assert [item["id"] for item in back.json()["items"]] == [row["id"]]',
        ]
    if api.auth != "none" and r.table.access.needs_user("update"):
        body += [
            'assert_problem(client.put(link), 401, "authentication-required")',
            'assert_problem(client.delete(link), 401, "authentication-required")',
        ]
    body += [
        "assert client.delete(link, headers=alice.headers).status_code == 204",
        'assert_problem(client.delete(link, headers=alice.headers), 404, "not-found")',
        f"empty = client.get(f\"{path}/{{row['id']}}{end.segment}\", headers=alice.headers)",
        'assert empty.json()["items"] == []',
    ]
    suite.test(f"link_list_and_unlink_{far.name}", _params(api, *people), body)
    if api.auth == "none":
        return
    own = roles_for(r.table, ("create", "update"))
    carol = Persona("carol", True, False, frozenset(own))
    refused = 404 if status(far, "read", carol, public=False) == 404 else 403
    if far.owned and (refused == 404 or not allowed(far, "update", carol)):
        hidden = ", public=False" if far.public_when else ""
        suite.test(
            f"{article(far_single)}_{far_single}_of_someone_else_cannot_be_linked",
            _params(api, "alice", "bob"),
            [
                "# carol is a plain member: she reaches only what any account reaches.",
                "carol = sign_up(client)",
                *_grant(r, ("create", "update"), "carol"),
                f"row = create_{single}(client, carol)",
                f"theirs = create_{far_single}(client, bob{hidden})",
                f"link = f\"{path}/{{row['id']}}{end.segment}/{{theirs['id']}}\"",
                EXPECT[refused].format(call="client.put(link, headers=carol.headers)"),
            ],
        )
    bob = next(p for p in personas(r.table, api.auth) if p.name == "member")
    refused = status(r.table, "update", bob, public=False)
    if r.table.owned and not end.far_is_users and refused in (403, 404):
        hidden = ", public=False" if r.public else ""
        suite.test(
            f"nobody_links_to_someone_elses_{single}",
            _params(api, "alice", "bob"),
            [
                f"row = create_{single}(client, alice{hidden})",
                f"far = create_{far_single}(client, bob)",
                f"link = f\"{path}/{{row['id']}}{end.segment}/{{far['id']}}\"",
                EXPECT[refused].format(call="client.put(link, headers=bob.headers)"),
            ],
        )


def _filters(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    for flt in r.filters:
        column = flt.column
        if not column.create:
            continue  # a state or a server-set value: a create cannot choose it
        if column.kind == "reference":
            if column.references and column.references.table == "users":
                continue
            target = column.references.target_entity if column.references else ""
            maker = f"create_{api.plan.table(target).singular}(client, alice)['id']"
            values = (maker, maker)
            body = [f"first_value, second_value = {values[0]}, {values[1]}"]
        else:
            pair = two_values(column)
            if pair is None:
                continue
            body = [f"first_value, second_value = {pair[0]}, {pair[1]}"]
        query = "str(first_value).lower()" if column.kind == "bool" else "first_value"
        body += [
            f'wanted = create_{single}(client, alice, **{{"{column.api}": first_value}})',
            f'create_{single}(client, alice, **{{"{column.api}": second_value}})',
            f'params = {{"{column.api}": {query}}}',
            f'listed = client.get("{path}", params=params, headers=alice.headers).json()',
            'assert [row["id"] for row in listed["items"]] == [wanted["id"]]',
        ]
        name = re.sub(r"\W", "_", column.api)
        suite.test(f"list_filters_by_{name}", _params(api, "alice"), body)
        return  # one filter proves the mechanism; the others share its code


def _import_order(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def resource_tests(api: Api, r: Resource) -> str:
    suite = Suite()
    for part in (_crud, _validation, _authentication, _ownership, _uniques, _references):
        part(api, suite, r)
    _links(api, suite, r)
    _filters(api, suite, r)
    for name, params, body in rule_tests(api, r):
        suite.test(name, params, body)
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
