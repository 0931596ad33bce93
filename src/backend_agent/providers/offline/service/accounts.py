"""User accounts and credentials for `stack.auth` = jwt, api-key or session.

The users table comes from the plan (with the brief's User fields, if any); credentials are
what the mode needs: a JWT signed at log-in, hashed API keys, or server-side sessions.
"""

from __future__ import annotations

from ..schema import Plan, Table
from .models import Imports, create_field, out_columns, out_field, update_field
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


def extra_fields(users: Table) -> list:
    return [c for c in users.columns if c.source is not None]


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
    imports = Imports({"Annotated", "BaseModel", "ConfigDict", "Field", "UUID"})
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
            "",
            "",
            "class SignUpResult(BaseModel):",
            "    user: UserOut",
            "    api_key: NewApiKey",
        ]
    return "\n".join(lines) + "\n"


def user_repository(plan: Plan) -> str:
    assert plan.users is not None
    auth = plan.brief.stack.auth
    extra = extra_fields(plan.users)
    columns = ", ".join(c.sql for c in out_columns(plan.users.columns))
    names = ", ".join(["email", "password_hash", *(c.sql for c in extra)])
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
        "async def insert(",
        "    conn: AsyncConnection, password_hash: str, data: dict[str, Any]",
        ") -> dict[str, Any]:",
        "    cursor = await conn.execute(",
        f"        {lit(f'INSERT INTO users ({names}) VALUES ({values}) RETURNING {{COLUMNS}}', f=True)},",
        '        {**adapt(data, JSON_FIELDS), "_password_hash": password_hash},',
        "    )",
        "    row = await cursor.fetchone()",
        "    assert row is not None",
        "    return row",
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
