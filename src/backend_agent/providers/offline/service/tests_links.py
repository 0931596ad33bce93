"""Tests of a resource's links (many-to-many) and list filters, for `tests_resources`."""

from __future__ import annotations

from ..expect import Persona, allowed, personas, roles_for, status
from ..naming import article
from .api import Api, LinkEnd, Resource
from .samples import two_values
from .tests_common import EXPECT, Suite, grant, ident, params


def links(api: Api, suite: Suite, r: Resource) -> None:
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
    suite.test(f"link_list_and_unlink_{far.name}", params(api, *people), body)
    if api.auth == "none":
        return
    own = roles_for(r.table, ("create", "update"))
    carol = Persona("carol", True, False, frozenset(own))
    refused = 404 if status(far, "read", carol, public=False) == 404 else 403
    if far.owned and (refused == 404 or not allowed(far, "update", carol)):
        hidden = ", public=False" if far.public_when else ""
        suite.test(
            f"{article(far_single)}_{far_single}_of_someone_else_cannot_be_linked",
            params(api, "alice", "bob"),
            [
                "# carol is a plain member: she reaches only what any account reaches.",
                "carol = sign_up(client)",
                *grant(r, ("create", "update"), "carol"),
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
            params(api, "alice", "bob"),
            [
                f"row = create_{single}(client, alice{hidden})",
                f"far = create_{far_single}(client, bob)",
                f"link = f\"{path}/{{row['id']}}{end.segment}/{{far['id']}}\"",
                EXPECT[refused].format(call="client.put(link, headers=bob.headers)"),
            ],
        )


def filters(api: Api, suite: Suite, r: Resource) -> None:
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
        name = ident(column.api)
        suite.test(f"list_filters_by_{name}", params(api, "alice"), body)
        return  # one filter proves the mechanism; the others share its code
