"""User accounts and credentials for `stack.auth` = jwt, api-key or session.

The users table comes from the plan (with the brief's User fields, if any); credentials are
what the mode needs: a JWT signed at log-in, hashed API keys, or server-side sessions.
"""

from __future__ import annotations

from .. import facts
from ..adr import Adr, Option
from ..schema import Plan
from ..users import extra_fields, user_columns
from .models import Imports, create_field, out_field, update_field
from .render import render
from .repositories import lit

AUTH_TEMPLATE = {
    "jwt": "auth_jwt.py.tmpl",
    "api-key": "auth_api_key.py.tmpl",
    "session": "auth_session.py.tmpl",
}
ACCOUNTS_TEMPLATE = {
    "jwt": "accounts_jwt.py.tmpl",
    "api-key": "accounts_api_key.py.tmpl",
    "session": "accounts_session.py.tmpl",
}
PASSWORD_MIN, PASSWORD_MAX = 8, 128


def cookie_name(project: str) -> str:
    return project.replace("-", "_") + "_session"


def key_prefix(project: str) -> str:
    return "".join(part[0] for part in project.split("-") if part)[:4] + "k"


def auth_module(plan: Plan) -> str:
    auth = plan.brief.stack.auth
    name = plan.brief.project.name
    values = {"project": name}
    if auth == "api-key":
        values["key_prefix"] = key_prefix(name)
    if auth == "session":
        values["cookie"] = cookie_name(name)
    return render(AUTH_TEMPLATE[auth], **values)


def passwords_module() -> str:
    return render("passwords.py.tmpl")


def passwords_test(plan: Plan) -> str:
    auth = plan.brief.stack.auth
    return render(
        "test_passwords.py.tmpl", login_path="/auth/keys" if auth == "api-key" else "/auth/login"
    )


def password_adr(plan: Plan) -> Adr:
    """Why the argon2id parameters and the slot count are what they are, from the targets."""
    brief = plan.brief
    h = facts.password_hashing(brief)
    rps = brief.targets.requests_per_second
    limits = facts.AUTH_LIMITS
    budget = (
        f"The throughput target is {rps} requests/s; sign-ups and log-ins are budgeted at "
        f"{h.logins_per_second}/s of it (2%, at least 5/s)."
        if rps
        else f"The brief gives no throughput target; sign-ups and log-ins are budgeted at "
        f"{h.logins_per_second}/s."
    )
    busy_cores = h.logins_per_second * h.hash_ms / 1000
    return Adr(
        slug="password-hashing-sized-for-the-targets",
        title=f"Hash passwords with argon2id at OWASP's baseline, at most {h.concurrency} at a "
        "time per instance",
        context=f"{brief.project.name} stores password hashes that must resist guessing if they "
        "leak, so each hash is deliberately slow and memory-hard. That makes log-in the cheapest "
        "way to exhaust the service: unbounded, every attempt holds a core and its hash memory, "
        "and if it also held a pooled database connection while hashing, a burst of log-ins "
        f"would starve every other request of connections. {budget}",
        drivers=[
            "hashes that resist offline guessing (OWASP Password Storage Cheat Sheet)",
            "memory and CPU spent on hashing bounded whatever the traffic",
            "capacity for the log-in budget with one of two instances down",
            "no database connection held while hashing",
        ],
        options=[
            Option(
                f"argon2id, {h.memory_kib // 1024} MiB, {h.time_cost} passes, {h.parallelism} lane; "
                f"{h.concurrency} slots per instance; 503 `busy` after {h.wait_seconds:g} s",
                [
                    "OWASP's recommended baseline for argon2id",
                    f"at most {h.memory_mib} MiB of hash memory per instance",
                    "a flood beyond capacity is refused quickly instead of queueing forever",
                ],
                ["past the capacity, log-ins get 503 `busy` and retry after a second"],
            ),
            Option(
                "argon2-cffi's defaults (64 MiB, 3 passes, 4 lanes), unbounded",
                ["a costlier hash to guess against"],
                [
                    "about 120 ms and 64 MiB per hash; with a thread per request, 40 log-ins "
                    "at once hold 2.5 GiB",
                ],
            ),
            Option(
                "bcrypt, cost 12",
                ["widely deployed"],
                ["not memory-hard: cheaper on GPUs", "passwords past 72 bytes are cut"],
            ),
        ],
        chosen=f"argon2id, {h.memory_kib // 1024} MiB, {h.time_cost} passes, {h.parallelism} "
        f"lane; {h.concurrency} slots per instance; 503 `busy` after {h.wait_seconds:g} s",
        because=f"one hash takes about {h.hash_ms} ms on one core, so the budget of "
        f"{h.logins_per_second}/s keeps {busy_cores:.2g} cores busy across the service, and "
        f"{h.concurrency} slots give one instance about {h.per_instance} hashes/s — enough for "
        "the whole budget with the other instance down — while the memory hashes can hold stays "
        f"at {h.memory_mib} MiB per instance.",
        good=[
            "routes hash first and borrow a connection only for their queries, so a waiting "
            "or slow hash holds none (a generated test proves it)",
            f"sign-up and log-in are also limited per client address ({limits.per_address_per_minute}"
            f"/min, bursts of {limits.address_burst}) and per account "
            f"({limits.per_account_per_minute}/min, bursts of {limits.account_burst}): see the "
            "rate-limit ADR",
            "every setting (PASSWORD_HASH_*) can be changed without code; the parameters are "
            "stored in each hash, so old hashes keep verifying",
        ],
        bad=[
            "the slot count does not follow the cores an instance really has: set "
            "PASSWORD_HASH_CONCURRENCY to them, or log-ins queue at the slots",
            "hashes made with older parameters are not upgraded on log-in (argon2's "
            "`check_needs_rehash` is not wired in): add that before raising the cost",
        ],
    )


def accounts_router(plan: Plan) -> str:
    assert plan.users is not None
    extra = extra_fields(plan.users)
    update = ""
    if extra:
        update = "\n".join(
            [
                "",
                "",
                '@router.patch("/me", response_model=UserOut, summary="Change your own fields")',
                "async def update_me(",
                "    body: UserUpdate, user: CurrentUser, conn: Connection",
                ") -> dict[str, Any]:",
                "    row = await users.update(",
                "        conn, user.id, body.model_dump(by_alias=True, exclude_unset=True)",
                "    )",
                "    if row is None:",
                '        raise NotFound("the account no longer exists")',
                "    return row",
            ]
        )
    return render(
        ACCOUNTS_TEMPLATE[plan.brief.stack.auth],
        update_import=", UserUpdate" if extra else "",
        me_update=update,
    )


def user_models(plan: Plan) -> str:
    assert plan.users is not None
    auth = plan.brief.stack.auth
    extra = extra_fields(plan.users)
    imports = Imports({"Annotated", "BaseModel", "ConfigDict", "Field", "Literal", "UUID"})
    imports.need("EMAIL_MAX_LENGTH", "EMAIL_PATTERN")
    imports.need("datetime")
    signup_extra = [create_field(c, imports) for c in extra]
    update_extra = [update_field(c, imports) for c in extra]
    out_extra = [out_field(c, imports) for c in extra]
    email = "Annotated[str, Field(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)]"
    password = f"Annotated[str, Field(min_length={PASSWORD_MIN}, max_length={PASSWORD_MAX})]"
    forbid = '    model_config = ConfigDict(extra="forbid", protected_namespaces=())'
    head = imports.lines()
    lines = [
        '"""Accounts: what a person sends to sign up and log in, and what the API shows of them.',
        "",
        f"Passwords are {PASSWORD_MIN}-{PASSWORD_MAX} characters: long enough to resist guessing "
        "(NIST SP 800-63B), bounded so hashing cannot be abused. A password never appears in a "
        "response.",
        '"""',
        "",
        *head,
        "",
        "",
        "class SignUp(BaseModel):",
        forbid,
        "",
        f"    email: {email}",
        f"    password: {password}",
        *signup_extra,
        "",
        "",
        "class LogIn(BaseModel):",
        forbid,
        "",
        "    email: Annotated[str, Field(max_length=EMAIL_MAX_LENGTH)]",
        f"    password: Annotated[str, Field(max_length={PASSWORD_MAX})]",
        "",
        "",
        "class SignUpAccepted(BaseModel):",
        '    """The same answer whether the email was free or taken: sign-up reveals no accounts."""',
        "",
        '    status: Literal["accepted"]',
        "    detail: str",
        "",
        "",
        "class UserOut(BaseModel):",
        "    model_config = ConfigDict(protected_namespaces=())",
        "",
        "    id: UUID",
        "    email: str",
        *out_extra,
        "    created_at: datetime",
        "",
        "",
        "class UserRef(BaseModel):",
        '    """Another account, as far as others may see it: its id only."""',
        "",
        "    id: UUID",
    ]
    if extra:
        lines += [
            "",
            "",
            "class UserUpdate(BaseModel):",
            forbid,
            "",
            *update_extra,
        ]
    if auth == "jwt":
        lines += [
            "",
            "",
            "class Token(BaseModel):",
            "    access_token: str",
            '    token_type: str = "bearer"',
            "    expires_in: int",
        ]
    if auth == "api-key":
        lines += [
            "",
            "",
            "class ApiKeyOut(BaseModel):",
            "    id: UUID",
            "    prefix: str",
            "    created_at: datetime",
            "",
            "",
            "class NewApiKey(ApiKeyOut):",
            '    """Shown once: only a hash of the secret is kept."""',
            "",
            "    key: str",
        ]
    return "\n".join(lines) + "\n"


def user_repository(plan: Plan) -> str:
    assert plan.users is not None
    auth = plan.brief.stack.auth
    found = user_columns(plan)
    extra, columns, names = found.extra, found.returned, found.inserted
    values = ", ".join(["%(email)s", "%(_password_hash)s", *(f"%({c.api})s" for c in extra)])
    json_fields = sorted(c.api for c in extra if c.kind == "json")
    lines = [
        '"""SQL for `users` and their credentials. Emails match whatever their case."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Any",
        "from uuid import UUID",
        "",
        "from psycopg import AsyncConnection" + (", sql" if extra else ""),
        "",
        "from . import adapt" + (", set_clause" if extra else ""),
        "",
        f"COLUMNS = {lit(columns)}",
        f"JSON_FIELDS: frozenset[str] = frozenset({{{', '.join(repr(j) for j in json_fields)}}})"
        if json_fields
        else "JSON_FIELDS: frozenset[str] = frozenset()",
        "",
        "",
        "async def insert(conn: AsyncConnection, password_hash: str, data: dict[str, Any]) -> bool:",
        '    """True if the account was made; False if the email (or another unique value) is',
        '    taken, in which case nothing changes and the caller answers as if it had been made."""',
        "    cursor = await conn.execute(",
        f"        {lit(f'INSERT INTO users ({names}) VALUES ({values}) ON CONFLICT DO NOTHING')},",
        '        {**adapt(data, JSON_FIELDS), "_password_hash": password_hash},',
        "    )",
        "    return cursor.rowcount == 1",
        "",
        "",
        "async def by_email(conn: AsyncConnection, email: str) -> dict[str, Any] | None:",
        "    cursor = await conn.execute(",
        '        "SELECT id, password_hash FROM users WHERE lower(email) = lower(%s)", (email,)',
        "    )",
        "    return await cursor.fetchone()",
        "",
        "",
        "async def get(conn: AsyncConnection, user_id: UUID) -> dict[str, Any] | None:",
        '    cursor = await conn.execute(f"SELECT {COLUMNS} FROM users WHERE id = %s", (user_id,))',
        "    return await cursor.fetchone()",
        "",
        "",
        "async def exists(conn: AsyncConnection, user_id: UUID) -> bool:",
        '    cursor = await conn.execute("SELECT 1 FROM users WHERE id = %s", (user_id,))',
        "    return await cursor.fetchone() is not None",
    ]
    if extra:
        lines += [
            "",
            "",
            "async def update(",
            "    conn: AsyncConnection, user_id: UUID, changes: dict[str, Any]",
            ") -> dict[str, Any] | None:",
            "    if not changes:",
            "        return await get(conn, user_id)",
            "    query = sql.SQL(",
            '        "UPDATE users SET {} WHERE id = %(_id)s RETURNING "',
            "    ).format(set_clause(changes)) + sql.SQL(COLUMNS)",
            '    cursor = await conn.execute(query, {**adapt(changes, JSON_FIELDS), "_id": user_id})',
            "    return await cursor.fetchone()",
        ]
    if auth == "api-key":
        lines += [
            "",
            "",
            "async def insert_key(",
            "    conn: AsyncConnection, user_id: UUID, prefix: str, key_hash: str",
            ") -> dict[str, Any]:",
            "    cursor = await conn.execute(",
            '        "INSERT INTO api_keys (user_id, prefix, key_hash) VALUES (%s, %s, %s) "',
            '        "RETURNING id, prefix, created_at",',
            "        (user_id, prefix, key_hash),",
            "    )",
            "    row = await cursor.fetchone()",
            "    assert row is not None",
            "    return row",
            "",
            "",
            "async def key_by_prefix(conn: AsyncConnection, prefix: str) -> dict[str, Any] | None:",
            "    cursor = await conn.execute(",
            '        "SELECT user_id, key_hash FROM api_keys WHERE prefix = %s AND revoked_at IS NULL",',
            "        (prefix,),",
            "    )",
            "    return await cursor.fetchone()",
            "",
            "",
            "async def list_keys(conn: AsyncConnection, user_id: UUID) -> list[dict[str, Any]]:",
            "    cursor = await conn.execute(",
            '        "SELECT id, prefix, created_at FROM api_keys "',
            '        "WHERE user_id = %s AND revoked_at IS NULL ORDER BY created_at, id",',
            "        (user_id,),",
            "    )",
            "    return await cursor.fetchall()",
            "",
            "",
            "async def revoke_key(conn: AsyncConnection, user_id: UUID, key_id: UUID) -> bool:",
            "    cursor = await conn.execute(",
            '        "UPDATE api_keys SET revoked_at = now() "',
            '        "WHERE id = %s AND user_id = %s AND revoked_at IS NULL",',
            "        (key_id, user_id),",
            "    )",
            "    return cursor.rowcount == 1",
        ]
    if auth == "session":
        lines += [
            "",
            "",
            "async def insert_session(",
            "    conn: AsyncConnection, user_id: UUID, token_hash: str, ttl_hours: int",
            ") -> None:",
            "    # Each log-in also sweeps this person's expired sessions.",
            "    await conn.execute(",
            '        "DELETE FROM sessions WHERE user_id = %s AND expires_at <= now()", (user_id,)',
            "    )",
            "    await conn.execute(",
            '        "INSERT INTO sessions (user_id, token_hash, expires_at) "',
            '        "VALUES (%s, %s, now() + make_interval(hours => %s))",',
            "        (user_id, token_hash, ttl_hours),",
            "    )",
            "",
            "",
            "async def session_user(conn: AsyncConnection, token_hash: str) -> UUID | None:",
            "    cursor = await conn.execute(",
            '        "SELECT user_id FROM sessions WHERE token_hash = %s AND expires_at > now()",',
            "        (token_hash,),",
            "    )",
            "    row = await cursor.fetchone()",
            '    return row["user_id"] if row else None',
            "",
            "",
            "async def delete_session(conn: AsyncConnection, token_hash: str) -> None:",
            '    await conn.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))',
        ]
    return "\n".join(lines) + "\n"
