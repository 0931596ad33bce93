"""One test module per resource: happy path, validation, authentication, ownership, and
every rule the brief gave it (uniqueness, references and their ON DELETE, links, filters)."""

from __future__ import annotations

import re

from ..naming import article
from ..schema import Column
from .api import Api, LinkEnd, Reference, Resource
from .samples import pick_invalid, two_values


class Suite:
    """Test functions written one after another, with the names they import."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def test(self, name: str, params: str, body: list[str]) -> None:
        self.lines += ["", "", f"def test_{name}({params}) -> None:", *["    " + b for b in body]]


def _params(api: Api, *people: str) -> str:
    return ", ".join(["client: TestClient", *(f"{p}: Account" for p in people)])


def _first_changeable(resource: Resource) -> Column:
    return resource.fields[0]


def _crud(api: Api, suite: Suite, r: Resource) -> None:
    single, path, table = r.table.singular, r.path, r.table.name
    change = _first_changeable(r)
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
            f'change = {{"{change.api}": {single}_payload(1000)["{change.api}"]}}',
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
    picked = pick_invalid(r.fields)
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
    required = [c for c in r.writable if c.required]
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
    nullable_not = [c for c in r.writable if not c.nullable]
    body = [
        f'body = {{**new_{single}(client, alice), "id": "{"0" * 8}-0000-0000-0000-{"0" * 12}"}}',
    ]
    if r.table.owned:
        body = [f'body = {{**new_{single}(client, alice), "owner_id": alice.id}}']
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


def _authentication(api: Api, suite: Suite, r: Resource) -> None:
    if api.auth == "none":
        return
    single, path = r.table.singular, r.path
    body = [
        f"row = create_{single}(client, alice)",
        f"url = f\"{path}/{{row['id']}}\"",
        f"body = new_{single}(client, alice)",
        f'assert_problem(client.post("{path}", json=body), 401, "authentication-required")',
        f'bad = client.post("{path}", json=body, headers=BAD_CREDENTIALS)',
        'assert_problem(bad, 401, "authentication-required")',
        'assert_problem(client.patch(url, json={}), 401, "authentication-required")',
        'assert_problem(client.delete(url), 401, "authentication-required")',
    ]
    if r.table.owned:
        body.append(f'assert_problem(client.get("{path}"), 401, "authentication-required")')
        if not r.public:
            body.append('assert_problem(client.get(url), 401, "authentication-required")')
        name = "writes_and_private_reads_need_authentication"
    else:
        body += [
            "# Shared rows: anyone may read them without signing in.",
            f'assert client.get("{path}").status_code == 200',
            "assert client.get(url).json() == row",
        ]
        name = "writes_need_authentication_reads_do_not"
    suite.test(name, _params(api, "alice"), body)


def _ownership(api: Api, suite: Suite, r: Resource) -> None:
    if not r.table.owned:
        return
    single, path = r.table.singular, r.path
    flag = r.table.public_flag
    made = f"create_{single}(client, alice" + (f', **{{"{flag}": False}})' if flag else ")")
    suite.test(
        "rows_of_others_are_not_found",
        _params(api, "alice", "bob"),
        [
            f"row = {made}",
            f"url = f\"{path}/{{row['id']}}\"",
            'assert_problem(client.get(url, headers=bob.headers), 404, "not-found")',
            'assert_problem(client.patch(url, json={}, headers=bob.headers), 404, "not-found")',
            'assert_problem(client.delete(url, headers=bob.headers), 404, "not-found")',
            f'assert client.get("{path}", headers=bob.headers).json()["items"] == []',
            "assert client.get(url, headers=alice.headers).status_code == 200",
        ],
    )
    if flag:
        suite.test(
            "public_rows_are_readable_by_anyone_but_changed_only_by_their_owner",
            _params(api, "alice", "bob"),
            [
                f'public = create_{single}(client, alice, **{{"{flag}": True}})',
                f'private = create_{single}(client, alice, **{{"{flag}": False}})',
                f'listed = client.get("{path}/public").json()["items"]',
                'assert [row["id"] for row in listed] == [public["id"]]',
                f"assert client.get(f\"{path}/{{public['id']}}\").json() == public",
                f"url = f\"{path}/{{public['id']}}\"",
                "assert client.get(url, headers=bob.headers).status_code == 200",
                'assert_problem(client.patch(url, json={}, headers=bob.headers), 404, "not-found")',
                'assert_problem(client.delete(url, headers=bob.headers), 404, "not-found")',
                f"hidden = client.get(f\"{path}/{{private['id']}}\")",
                'assert_problem(hidden, 404, "not-found")',
            ],
        )


def _uniques(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    for unique in r.table.uniques:
        cols = list(unique.brief_columns)
        name = "_".join(re.sub(r"\W", "_", c) for c in cols)
        body = [
            f"first = create_{single}(client, alice)",
            "same = {" + ", ".join(f'"{c}": first["{c}"]' for c in cols) + "}",
            f"again = new_{single}(client, alice, **same)",
            f'response = client.post("{path}", json=again, headers=alice.headers)',
            'problem = assert_problem(response, 409, "conflict")',
            f'assert problem["fields"] == {cols!r}',
        ]
        people = ["alice"]
        if r.table.owned:
            people.append("bob")
            body += [
                "# Unique per owner: someone else may use the same value.",
                f"create_{single}(client, bob, **same)",
            ]
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
        if ref.target.owned:
            suite.test(
                f"{name}_of_someone_else_is_refused_like_a_missing_one",
                _params(api, "alice", "bob"),
                [
                    f"theirs = create_{ref.target.singular}(client, bob)",
                    f'body = new_{single}(client, alice, **{{"{col}": theirs["id"]}})',
                    f'response = client.post("{path}", json=body, headers=alice.headers)',
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
    if api.auth != "none":
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
    if far.owned:
        suite.test(
            f"{article(far_single)}_{far_single}_of_someone_else_cannot_be_linked",
            _params(api, "alice", "bob"),
            [
                f"row = create_{single}(client, alice)",
                f"theirs = create_{far_single}(client, bob)",
                f"link = f\"{path}/{{row['id']}}{end.segment}/{{theirs['id']}}\"",
                'assert_problem(client.put(link, headers=alice.headers), 404, "not-found")',
            ],
        )
    if r.table.owned and not end.far_is_users:
        suite.test(
            f"nobody_links_to_someone_elses_{single}",
            _params(api, "alice", "bob"),
            [
                f"row = create_{single}(client, alice)",
                f"far = create_{far_single}(client, bob)",
                f"link = f\"{path}/{{row['id']}}{end.segment}/{{far['id']}}\"",
                'assert_problem(client.put(link, headers=bob.headers), 404, "not-found")',
            ],
        )


def _filters(api: Api, suite: Suite, r: Resource) -> None:
    single, path = r.table.singular, r.path
    for flt in r.filters:
        column = flt.column
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
    code = "\n".join(suite.lines)
    names = sorted(
        {
            n
            for n in re.findall(
                r"\b(?:create|new)_\w+|\b\w+_payload\b|\bassert_(?:problem|same)\b", code
            )
            if not n.startswith("create_read")
        }
        | ({"BAD_CREDENTIALS"} if "BAD_CREDENTIALS" in code else set())
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
    if "uuid4()" in code:
        head += ["from uuid import uuid4", ""]
    head += [
        "from fastapi.testclient import TestClient",
        "",
        "from factories import (",
        *[f"    {n}," for n in sorted(names, key=_import_order)],
        ")",
    ]
    return "\n".join(head) + "\n" + code + "\n"
