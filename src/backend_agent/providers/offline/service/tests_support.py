"""The generated suite's shared parts: fixtures, factories, and the tests of accounts,
errors and migrations."""

from __future__ import annotations

import re

from ..expect import creator_roles, recipe
from ..schema import Column
from .accounts import cookie_name, extra_fields
from .api import Api, Resource
from .render import render
from .samples import valid

SIGN_UP = {
    "jwt": [
        '    created = client.post("/auth/signup", json=body)',
        "    assert created.status_code == 202, created.text",
        '    login = client.post("/auth/login", json={"email": email, "password": PASSWORD})',
        "    assert login.status_code == 200, login.text",
        '    headers = {"Authorization": f"Bearer {login.json()[\'access_token\']}"}',
    ],
    "api-key": [
        '    created = client.post("/auth/signup", json=body)',
        "    assert created.status_code == 202, created.text",
        '    issued = client.post("/auth/keys", json={"email": email, "password": PASSWORD})',
        "    assert issued.status_code == 201, issued.text",
        '    headers = {"X-API-Key": issued.json()["key"]}',
    ],
    "session": [
        '    created = client.post("/auth/signup", json=body)',
        "    assert created.status_code == 202, created.text",
        '    login = client.post("/auth/login", json={"email": email, "password": PASSWORD})',
        "    assert login.status_code == 200, login.text",
        "    token = login.cookies[SESSION_COOKIE]",
        "    # Keep the client anonymous: each account sends its own cookie explicitly.",
        "    client.cookies.clear()",
        '    headers = {"Cookie": f"{SESSION_COOKIE}={token}"}',
    ],
}
"""Sign up (answered 202 whatever the email), then get a credential; the account's id
comes from /auth/me, as a client would learn it."""
ACCOUNT_ID = [
    '    me = client.get("/auth/me", headers=headers)',
    "    assert me.status_code == 200, me.text",
    '    return Account(me.json()["id"], email, headers)',
]

BAD_CREDENTIALS = {
    "jwt": '{"Authorization": "Bearer not.a.token"}',
    "api-key": '{"X-API-Key": "nope.not-a-key"}',
    "session": '{"Cookie": f"{SESSION_COOKIE}=not-a-session"}',
}


def test_settings(api: Api) -> str:
    lines = [
        '    "environment": "test",',
        "    # The access tests make many requests from one address; the rate-limit tests set",
        "    # their own limits.",
        '    "rate_limit_burst": 100_000,',
    ]
    if api.auth == "jwt":
        lines.append('    "jwt_secret": "test-secret-" + "x" * 40,')
    if api.auth == "session":
        lines.append('    "session_cookie_secure": False,')
    if api.auth != "none":
        lines += [
            "    # Tests sign up many accounts from one address; the limit tests set their own.",
            '    "auth_burst_per_address": 100_000,',
            '    "password_hash_time_cost": 1,',
            '    "password_hash_memory_kib": 64,',
            '    "password_hash_parallelism": 1,',
        ]
    return "\n".join(lines) + "\n"


def conftest(api: Api) -> str:
    return render("conftest.py.tmpl", test_settings=test_settings(api))


def _kinds(columns: list[Column]) -> str:
    return "{" + ", ".join(f'"{c.api}": "{c.kind}"' for c in columns) + "}"


def _payload_function(name: str, columns: list[Column]) -> list[str]:
    body = [f'        "{c.api}": {valid(c)},' for c in columns if valid(c) is not None]
    return [
        "",
        "",
        f"def {name}(n: int) -> dict[str, Any]:",
        "    return {",
        *body,
        "    }",
    ]


def _factory(api: Api, resource: Resource) -> list[str]:
    single = resource.table.singular
    lines = [
        "",
        "",
        f"def new_{single}(client: TestClient, account: Account, **overrides: Any) -> dict[str, Any]:",
        f'    """A valid body for a new {single.replace("_", " ")}; required references are '
        'created first."""',
        f"    body = {single}_payload(next(_counter))",
    ]
    for ref in resource.references:
        col = ref.column.api
        if ref.column.nullable:
            continue
        if ref.target.name == "users":
            make = "account.id"
        else:
            make = f'create_{ref.target.singular}(client, account)["id"]'
        lines += [
            f'    if "{col}" not in overrides:',
            f'        body["{col}"] = {make}',
        ]
    lines += [
        "    body.update(overrides)",
        "    return body",
        "",
        "",
        *_create_factory(api, resource),
    ]
    return lines


def _create_factory(api: Api, resource: Resource) -> list[str]:
    """`create_<x>`: a row the account can see, posted by an account allowed to create it
    (a manager when the account lacks the role); `public` forces the brief's public state."""
    table, single = resource.table, resource.table.singular
    needs = sorted(creator_roles(table))
    public = bool(table.public_when)
    sig = "public: bool | None = None, " if public else ""
    lines = [
        f"def create_{single}(",
        f"    client: TestClient, account: Account, {sig}**overrides: Any",
        ") -> dict[str, Any]:",
    ]
    if needs:
        lines.append(f"    poster = account if account.roles & {_set(needs)} else manager(client)")
    else:
        lines.append("    poster = account")
    values = ""
    if public:
        shown, hidden = recipe(table, True), recipe(table, False)
        managers = sorted(table.access.roles & table.access.managers)
        if table.owned:
            lines.append("    # Owners see their own rows: left alone unless `public` is given.")
        elif "signed-in" in table.access.managers:
            lines.append("    public = public if public is not None else False")
        else:
            lines += [
                "    if public is None:  # only managers see rows that are not public",
                f"        public = not account.roles & {_set(managers)}"
                if managers
                else "        public = True",
            ]
        lines += [
            f"    state = {_py_dict(shown.body if shown else ())} if public else "
            f"{_py_dict(hidden.body if hidden else ())}",
            "    if public is None:",
            "        state = {}",
        ]
        values = "**state, "
        steps = shown.steps if shown else ()
    lines += [
        f"    body = new_{single}(client, poster, {values}**overrides)",
        f'    response = client.post("{resource.path}", json=body, headers=poster.headers)',
        "    assert response.status_code == 201, response.text",
        "    row = response.json()",
    ]
    if public and steps:
        updater = "poster" if "owner" in table.access.update else "manager(client)"
        if table.access.per_caller("update") and "owner" not in table.access.update:
            updater = "manager(client)"
        elif not table.access.per_caller("update"):
            updater = "poster"
        lines += [
            "    if public:",
            "        # The public state is reached by updates, along the brief's transitions.",
            f"        for step in ({''.join(_py_dict(((k, v),)) + ', ' for k, v in steps)}):",
            f"            moved = client.patch(f\"{resource.path}/{{row['id']}}\", json=step, "
            f"headers={updater}.headers)",
            "            assert moved.status_code == 200, moved.text",
            "            row = moved.json()",
        ]
    lines.append("    return row")
    return lines


def quoted(names: list[str] | frozenset[str]) -> str:
    """Python source for names as string literals: '"a", "b"'."""
    return ", ".join(f'"{n}"' for n in names)


def _set(names: list[str] | frozenset[str]) -> str:
    return "{" + quoted(sorted(names)) + "}"


def _py_dict(pairs: tuple[tuple[str, object], ...]) -> str:
    return "{" + ", ".join(f'"{k}": {v!r}' for k, v in pairs) + "}"


def _roles_helpers(api: Api) -> list[str]:
    manager = [
        "",
        "",
        "def manager(client: TestClient) -> Account:",
        '    """One account per test client holding every role: it may do whatever a role may."""',
        "    if client not in _MANAGERS:",
        "        _MANAGERS[client] = "
        + ("with_roles(client, *ROLES)" if api.plan.roles else "sign_up(client)"),
        "    return _MANAGERS[client]",
    ]
    if not api.plan.roles:
        return manager
    return [
        "",
        "",
        "def grant(client: TestClient, account: Account, *roles: str) -> Account:",
        '    """The account with these roles too, granted as an operator would (app.admin)."""',
        "    url = client.app.state.settings.database_url  # type: ignore[attr-defined]",
        "    for role in roles:",
        "        grant_role(url, account.email, role)",
        "    account.roles = account.roles | frozenset(roles)",
        "    return account",
        "",
        "",
        "def with_roles(client: TestClient, *roles: str) -> Account:",
        "    return grant(client, sign_up(client), *roles)",
        *manager,
    ]


def factories(api: Api) -> str:
    auth = api.auth
    users = api.plan.users
    user_extra = extra_fields(users) if users else []
    lines = [
        '"""Test data through the public API: accounts, valid payloads, rows and assertions.',
        "",
        "Payloads vary with a counter, so unique fields never collide between calls.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "import itertools",
        "import weakref",
        "from dataclasses import dataclass, field",
        "DATETIME_IMPORT",
        "from decimal import Decimal",
        "from typing import Any",
        "UUID_IMPORT",
        "",
        "from fastapi.testclient import TestClient",
        "",
    ]
    if api.plan.roles:
        lines.append("from app.access import ROLES")
        lines.append("from app.admin import grant_role")
    if auth == "session":
        lines.append("from app.auth import COOKIE as SESSION_COOKIE")
    lines.append("from app.errors import PROBLEM_BASE")
    lines += [
        "",
        "_counter = itertools.count(1)",
        "_MANAGERS: weakref.WeakKeyDictionary[TestClient, Account] = weakref.WeakKeyDictionary()",
        'PASSWORD = "correct horse battery staple"',
    ]
    if auth != "none":
        lines.append(f"BAD_CREDENTIALS = {BAD_CREDENTIALS[auth]}")
    lines += [
        "",
        "# The brief's type of every field, to compare what was sent with what came back.",
        "KINDS: dict[str, dict[str, str]] = {",
        *[f'    "{r.table.name}": {_kinds(r.writable)},' for r in api.resources],
        "}",
        "",
        "",
        "@dataclass",
        "class Account:",
        "    id: str | None",
        "    email: str | None",
        "    headers: dict[str, str] = field(default_factory=dict)",
        "    roles: frozenset[str] = frozenset()",
        "",
        "",
    ]
    if auth == "none":
        lines += [
            "def sign_up(client: TestClient) -> Account:",
            '    """auth = "none": every caller is anonymous, so an account is just no headers."""',
            "    return Account(None, None)",
        ]
    else:
        lines += [
            "def sign_up(client: TestClient, email: str | None = None) -> Account:",
            "    n = next(_counter)",
            '    email = email or f"person{n}@example.com"',
            '    body = {"email": email, "password": PASSWORD, **user_payload(n)}',
            *SIGN_UP[auth],
            *ACCOUNT_ID,
        ]
        lines += _payload_function("user_payload", [c for c in user_extra if c.required])
    lines += _roles_helpers(api)
    lines += [
        "",
        "",
        "def text(label: str, n: int, max_length: int | None, min_length: int = 0) -> str:",
        '    value = f"{label} {n}"',
        "    if max_length is not None and len(value) > max_length:",
        "        value = value[-max_length:]  # keep the number: it makes the value unique",
        '    return value.ljust(min_length, "x")',
        "",
        "",
        "def url(n: int, max_length: int | None) -> str:",
        '    value = f"https://example.com/items/{n}"',
        "    if max_length is not None and len(value) > max_length:",
        '        value = f"http://e.co/{n}"',
        "    return value",
        "",
        "",
        "def email(label: str, n: int, max_length: int | None) -> str:",
        '    value = f"{label}{n}@example.com"',
        "    if max_length is not None and len(value) > max_length:",
        '        value = f"{n}@e.co"',
        "    return value",
        "",
        "",
        "def amount(n: int, low: str, high: str, scale: int) -> str:",
        "    step = Decimal(1).scaleb(-scale)",
        "    span = int((Decimal(high) - Decimal(low)) / step) + 1",
        "    return str((Decimal(low) + step * ((n * 137) % span)).quantize(step))",
        "",
        "",
        "def assert_problem(response: Any, status: int, slug: str) -> dict[str, Any]:",
        '    """The response is an RFC 9457 problem document of the given type."""',
        "    assert response.status_code == status, response.text",
        '    assert response.headers["content-type"].startswith("application/problem+json")',
        "    body = response.json()",
        '    assert body["type"] == PROBLEM_BASE + slug, body',
        '    assert body["status"] == status',
        '    assert body["title"]',
        "    return body",
        "",
        "",
        'STATUS_SLUGS = {401: "authentication-required", 403: "forbidden", 404: "not-found"}',
        "",
        "",
        'def assert_status(response: Any, status: int, who: str = "") -> None:',
        '    """The answer has this status; refusals are problem documents of their type."""',
        "    if status in STATUS_SLUGS:",
        "        assert response.status_code == status, (who, response.text)",
        "        assert_problem(response, status, STATUS_SLUGS[status])",
        "    else:",
        "        assert response.status_code == status, (who, response.text)",
        "",
        "",
        "def assert_same(table: str, sent: dict[str, Any], got: dict[str, Any]) -> None:",
        '    """Every sent field came back with the same value, as its type compares."""',
        "    for key, value in sent.items():",
        "        kind = KINDS[table][key]",
        '        if value is None or kind not in ("decimal", "datetime"):',
        "            assert got[key] == value, (key, value, got[key])",
        '        elif kind == "decimal":',
        "            assert Decimal(str(got[key])) == Decimal(str(value)), key",
        "        else:",
        "            assert datetime.fromisoformat(got[key]) == datetime.fromisoformat(value), key",
    ]
    for resource in api.resources:
        lines += _payload_function(f"{resource.table.singular}_payload", resource.fields)
        lines += _factory(api, resource)
    lines.append("")
    text = "\n".join(lines)
    body = text.split("def text(", 1)[1]
    used = [n for n in ("UTC", "date", "timedelta") if re.search(rf"\b{n}\b", body)]
    names = ["UTC"] * ("UTC" in used) + ["date"] * ("date" in used) + ["datetime"]
    names += ["timedelta"] * ("timedelta" in used)
    text = text.replace("DATETIME_IMPORT", f"from datetime import {', '.join(names)}")
    uuid_line = "from uuid import UUID" if "UUID(" in body else ""
    return text.replace("UUID_IMPORT\n", uuid_line + "\n" if uuid_line else "")


def test_migrations() -> str:
    return render("test_migrations.py.tmpl")


def test_errors(api: Api) -> str:
    first = api.resources[0]
    return render(
        "test_errors.py.tmpl",
        path=first.path,
        headers="alice.headers",
    )


def test_auth(api: Api) -> str:
    template = {
        "jwt": "test_auth_jwt.py.tmpl",
        "api-key": "test_auth_api_key.py.tmpl",
        "session": "test_auth_session.py.tmpl",
    }[api.auth]
    values = {}
    if api.auth == "session":
        values["cookie"] = cookie_name(api.name)
    if api.auth == "jwt":
        values["project"] = api.name
    return render(template, **values)
