"""Tests of the brief's v2 rules for one resource: every verb for every kind of caller,
rows that are not public, state changes along the transitions, immutable and server-set
fields. The expected answers come from `expect`, worked out from the brief's rules, not
from the generated code they check."""

from __future__ import annotations

from ..expect import Persona, personas, recipe, refused_move, status
from ..schema import Column
from .api import Api, Resource
from .tests_common import change
from .tests_support import quoted


def _account(who: Persona, api: Api) -> str:
    """Python source making an account for a persona."""
    if not who.signed_in:
        return "Account(None, None)"
    if who.roles:
        return f"with_roles(client, {quoted(sorted(who.roles))})"
    return "sign_up(client)"


def _states(r: Resource) -> list[bool | None]:
    """The row states the matrix covers: not public and public, when the brief names them."""
    if not r.public:
        return [None]
    return [p for p in (False, True) if recipe(r.table, p) is not None]


def matrix(api: Api, r: Resource) -> list[tuple[str, str, list[str]]]:
    """(name, parameters, body) of the per-caller test of every verb."""
    if api.auth == "none":
        return []
    table, single, path = r.table, r.table.singular, r.path
    people = personas(table, api.auth)
    body = [
        "people = {",
        *[f'    "{p.name}": {_account(p, api)},' for p in people],
        "}",
        'creator = people["owner"]' if table.owned else "creator = manager(client)",
        f"body = new_{single}(client, creator)",
    ]
    # Create: every caller tries, with a body of references they may use.
    body.append("for who, expected in {")
    for p in people:
        body.append(f'    "{p.name}": {status(table, "create", p, False)},')
    body += [
        "}.items():",
        "    account = people[who]",
        f"    sent = new_{single}(client, account) if account.id else body",
        f'    response = client.post("{path}", json=sent, headers=account.headers)',
        "    assert_status(response, expected, who)",
    ]
    for index, state in enumerate(_states(r)):
        arg = "" if state is None else f", public={state}"
        words = {None: "a row", False: "a row that is not public", True: "a public row"}[state]
        body += [
            f"# Reading and changing {words}: (GET, in the list, PATCH with a real change)",
            f"row = create_{single}(client, creator{arg})",
            f"url = f\"{path}/{{row['id']}}\"",
            "for n, (who, (seen, listed, changed)) in enumerate({",
        ]
        for p in people:
            seen = status(table, "read", p, bool(state))
            listed = status(table, "list", p, bool(state))
            changed = status(table, "update", p, bool(state))
            body.append(f'    "{p.name}": ({seen}, {listed}, {changed}),')
        body += [
            "}.items()):",
            "    account = people[who]",
            "    assert_status(client.get(url, headers=account.headers), seen, who)",
            f'    listing = client.get("{path}", headers=account.headers)',
            "    assert_status(listing, listed, who)",
            "    if listed == 200:",
            '        ids = [item["id"] for item in listing.json()["items"]]',
            '        assert (row["id"] in ids) == (seen == 200), who',
            "    before = client.get(url, headers=creator.headers).json()",
            f"    change = {change(r, f'{3000 + 100 * index} + n')}",
            "    response = client.patch(url, json=change, headers=account.headers)",
            "    assert_status(response, changed, who)",
            "    after = client.get(url, headers=creator.headers).json()",
            "    if changed == 200:",
            f'        assert_same("{table.name}", change, after)',
            "    else:",
            "        assert after == before, who",
        ]
    for state in _states(r):
        arg = "" if state is None else f", public={state}"
        body.append("for who, expected in {")
        for p in people:
            body.append(f'    "{p.name}": {status(table, "delete", p, bool(state))},')
        body += [
            "}.items():",
            f"    row = create_{single}(client, creator{arg})",
            f"    url = f\"{path}/{{row['id']}}\"",
            "    assert_status(client.delete(url, headers=people[who].headers), expected, who)",
            "    gone = client.get(url, headers=creator.headers).status_code == 404",
            "    assert gone == (expected == 204), who",
        ]
    if r.mine_param:
        body += [
            f"# `{r.mine_param}=true` keeps only the caller's own rows, whatever else they see.",
            f"row = create_{single}(client, creator{arg})",
            "for who, account in people.items():",
            "    if account.id is None:",
            "        continue",
            f'    mine = client.get("{path}", params={{"{r.mine_param}": "true"}}, '
            "headers=account.headers)",
            '    ids = [item["id"] for item in mine.json()["items"]]',
            '    assert (row["id"] in ids) == (who == "owner"), who',
        ]
    return [("each_kind_of_caller_gets_what_the_brief_allows", "client: TestClient", body)]


def visibility(api: Api, r: Resource) -> list[tuple[str, str, list[str]]]:
    """Plain readers see public rows only; those who may change rows see them all."""
    table, single, path = r.table, r.table.singular, r.path
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
    creator = "sign_up(client)" if table.owned else "manager(client)"
    return [
        (
            "rows_that_are_not_public_are_seen_only_by_those_who_may_change_them",
            "client: TestClient",
            [
                f"creator = {creator}",
                f"shown = create_{single}(client, creator, public=True)",
                f"hidden = create_{single}(client, creator, public=False)",
                f"reader = {_account(reader, api)}  # {reader.name}: reads, may not change",
                f'listed = client.get("{path}", headers=reader.headers).json()["items"]',
                'assert [item["id"] for item in listed] == [shown["id"]]',
                f"assert client.get(f\"{path}/{{shown['id']}}\", headers=reader.headers).json() "
                "== shown",
                f"hidden_url = f\"{path}/{{hidden['id']}}\"",
                'assert_problem(client.get(hidden_url, headers=reader.headers), 404, "not-found")',
                f'everything = client.get("{path}", headers=creator.headers).json()["items"]',
                'assert {item["id"] for item in everything} == {shown["id"], hidden["id"]}',
            ],
        )
    ]


def transitions(api: Api, r: Resource) -> list[tuple[str, str, list[str]]]:
    table, single, path = r.table, r.table.singular, r.path
    out = []
    for column in [c for c in table.columns if c.transitions]:
        start = column.source.default if column.source else None
        found = refused_move(column)
        if found is None:
            continue
        walk, refused = found
        at = walk[-1] if walk else start
        first = next(b for a, b in column.transitions if a == start)
        body = [
            f"# A new row starts at {start!r}; a create may not choose another state.",
            f'sent = {{**new_{single}(client, alice), "{column.api}": {first!r}}}',
            f'response = client.post("{path}", json=sent, headers=alice.headers)',
            'assert_problem(response, 422, "validation-error")',
            f"row = create_{single}(client, alice" + (", public=False)" if r.public else ")"),
            f'assert row["{column.api}"] == {start!r}',
            f"url = f\"{path}/{{row['id']}}\"",
        ]
        for state in walk:
            body.append(
                f'assert client.patch(url, json={{"{column.api}": {state!r}}}, '
                "headers=alice.headers).status_code == 200"
            )
        body += [
            f"# {at!r} -> {refused!r} is not among the brief's transitions.",
            f'response = client.patch(url, json={{"{column.api}": {refused!r}}}, '
            "headers=alice.headers)",
            'problem = assert_problem(response, 409, "invalid-transition")',
            f'assert problem["fields"] == ["{column.api}"]',
            f'assert client.get(url, headers=alice.headers).json()["{column.api}"] == {at!r}',
        ]
        if not walk:
            body += [
                f'moved = client.patch(url, json={{"{column.api}": {first!r}}}, '
                "headers=alice.headers)",
                f'assert moved.status_code == 200 and moved.json()["{column.api}"] == {first!r}',
            ]
        out.append(
            (
                f"{column.api}_moves_only_along_the_briefs_transitions",
                "client: TestClient, alice: Account",
                body,
            )
        )
    return out


SENT = {
    "datetime": '"2024-01-01T00:00:00+00:00"',
    "date": '"2024-01-01"',
    "uuid": '"00000000-0000-0000-0000-000000000001"',
    "decimal": '"1.00"',
    "int": "1",
    "bool": "True",
}


def _server_value(column: Column) -> str:
    """An assertion about the value the server put in `row`."""
    key = column.api
    if column.default == "now()":
        return f'assert row["{key}"] == row["created_at"]  # now(), in the creating transaction'
    if column.default == "current_date":
        return f'assert date.fromisoformat(row["{key}"])'
    if column.default == "gen_random_uuid()":
        return f'assert UUID(row["{key}"])'
    value = column.source.default if column.source else None
    if column.kind == "decimal":
        return f'assert Decimal(str(row["{key}"])) == Decimal("{value}")'
    return f'assert row["{key}"] == {value!r}'


def fixed_fields(api: Api, r: Resource) -> list[tuple[str, str, list[str]]]:
    """Immutable fields refuse a change; server-set fields refuse any value from a client."""
    table, single, path = r.table, r.table.singular, r.path
    out = []
    for column in table.columns:
        if column.immutable and column.source is not None:
            out.append(
                (
                    f"{column.api}_is_set_on_create_and_never_changes",
                    "client: TestClient, alice: Account",
                    [
                        f"row = create_{single}(client, alice)",
                        f"url = f\"{path}/{{row['id']}}\"",
                        f'change = {{"{column.api}": {single}_payload(5000)["{column.api}"]}}',
                        "response = client.patch(url, json=change, headers=alice.headers)",
                        'problem = assert_problem(response, 422, "validation-error")',
                        f'assert "{column.api}" in {{e["field"] for e in problem["errors"]}}',
                        "assert client.get(url, headers=alice.headers).json() == row",
                    ],
                )
            )
        if column.server_set:
            sent = SENT.get(column.kind, '"x"')
            if column.kind == "enum" and column.source and column.source.values:
                sent = repr(column.source.values[0])
            out.append(
                (
                    f"{column.api}_is_set_by_the_server",
                    "client: TestClient, alice: Account",
                    [
                        f'sent = {{**new_{single}(client, alice), "{column.api}": {sent}}}',
                        f'response = client.post("{path}", json=sent, headers=alice.headers)',
                        'assert_problem(response, 422, "validation-error")',
                        f"row = create_{single}(client, alice)",
                        _server_value(column),
                        f"url = f\"{path}/{{row['id']}}\"",
                        f'patch = client.patch(url, json={{"{column.api}": {sent}}}, '
                        "headers=alice.headers)",
                        'assert_problem(patch, 422, "validation-error")',
                    ],
                )
            )
    return out


def rule_tests(api: Api, r: Resource) -> list[tuple[str, str, list[str]]]:
    return [
        *matrix(api, r),
        *visibility(api, r),
        *transitions(api, r),
        *fixed_fields(api, r),
    ]
