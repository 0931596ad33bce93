"""User accounts and credentials for `stack.auth` = jwt, api-key or session: the auth
module, and the accounts module's schemas, SQL and routes."""

from __future__ import annotations

from ..schema import Plan
from ..service.accounts import PASSWORD_MAX, PASSWORD_MIN, cookie_name, key_prefix
from ..service.api import Api
from ..service.models import out_columns
from .project import render
from .repositories import quoted
from .schemas import create_field, extra_fields, helpers_used, out_field, update_field

SUMMARY = {
    "jwt": "short-lived JWT access tokens issued at log-in (see src/passwords.ts).",
    "api-key": "API keys sent in the `X-API-Key` header.",
    "session": "server-side sessions, carried by an HttpOnly cookie.",
}
IMPORTS = {
    "jwt": [
        'import type { FastifyInstance, FastifyRequest } from "fastify";',
        'import { jwtVerify, SignJWT } from "jose";',
        "",
        'import type { Config } from "./config.js";',
        'import { Unauthorized } from "./errors.js";',
    ],
    "api-key": [
        'import { createHash, randomBytes, timingSafeEqual } from "node:crypto";',
        "",
        'import type { FastifyInstance, FastifyRequest } from "fastify";',
        "",
        'import { Unauthorized } from "./errors.js";',
        'import { keyByPrefix } from "./modules/accounts/repository.js";',
    ],
    "session": [
        'import { createHash, randomBytes } from "node:crypto";',
        "",
        'import type { FastifyInstance, FastifyRequest } from "fastify";',
        "",
        'import type { Config } from "./config.js";',
        'import { Unauthorized } from "./errors.js";',
        'import { sessionUser } from "./modules/accounts/repository.js";',
    ],
}
PARTS = {"jwt": "auth_jwt.part", "api-key": "auth_api_key.part", "session": "auth_session.part"}
ROUTES = {
    "jwt": "accounts_jwt.ts.tmpl",
    "api-key": "accounts_api_key.ts.tmpl",
    "session": "accounts_session.ts.tmpl",
}


def auth_module(api: Api) -> str:
    auth = api.auth
    values = {"project": api.name}
    if auth == "api-key":
        values["key_prefix"] = key_prefix(api.name)
    if auth == "session":
        values["cookie"] = cookie_name(api.name)
    return render(
        "auth.ts.tmpl",
        summary=SUMMARY[auth],
        imports="\n".join(IMPORTS[auth]),
        principal_fields="\n  tokenHash: string;" if auth == "session" else "",
        mode="\n" + render(PARTS[auth], **values),
    )


def passwords_module() -> str:
    return render("passwords.ts.tmpl")


ME_UPDATE = """
  app.patch(
    "/auth/me",
    { schema: { summary: "Change your own fields", tags, auth: "required", body: UserUpdate, response: { 200: UserOut } } },
    async (request) => {
      const row = await transaction(app.pool, (db) => users.update(db, caller(request).id, request.body));
      if (row === undefined) throw new NotFound("the account no longer exists");
      return row;
    },
  );"""


def accounts_routes(plan: Plan) -> str:
    assert plan.users is not None
    extra = extra_fields(plan.users)
    return render(
        ROUTES[plan.brief.stack.auth],
        update_import=", UserUpdate" if extra else "",
        me_update=ME_UPDATE if extra else "",
    )


def user_schemas(plan: Plan) -> str:
    assert plan.users is not None
    auth = plan.brief.stack.auth
    extra = extra_fields(plan.users)
    lines = [
        f"export const PASSWORD_MIN = {PASSWORD_MIN};",
        f"export const PASSWORD_MAX = {PASSWORD_MAX};",
        "",
        "/** What sign-up answers, whether the email was free or taken. */",
        'export const SignUpAccepted = z.object({ status: z.literal("accepted"), detail: z.string() });',
        "",
        "export const SignUp = z.strictObject({",
        "  email: email(),",
        "  password: z.string().min(PASSWORD_MIN).max(PASSWORD_MAX),",
        *[create_field(c) for c in extra],
        "});",
        "",
        "export const LogIn = z.strictObject({",
        "  email: z.string().max(EMAIL_MAX_LENGTH),",
        "  password: z.string().max(PASSWORD_MAX),",
        "});",
        "",
        "export const UserOut = z.object({",
        "  id: id(),",
        "  email: z.string(),",
        *[out_field(c) for c in extra],
        "  created_at: timestamp(),",
        "});",
        "export type UserRecord = z.input<typeof UserOut>;",
        "",
        "/** Another account, as far as others may see it: its id only. */",
        "export const UserRef = z.object({ id: id() });",
        "/** What a listing of accounts reads: the id, and the keyset of the page. */",
        "export type UserRefRecord = z.input<typeof UserRef> & { created_at: string };",
    ]
    if extra:
        lines += [
            "",
            "export const UserUpdate = z.strictObject({",
            *[update_field(c) for c in extra],
            "});",
            "export type UserUpdate = z.output<typeof UserUpdate>;",
        ]
    if auth == "jwt":
        lines += [
            "",
            "export const Token = z.object({",
            "  access_token: z.string(),",
            '  token_type: z.literal("bearer"),',
            "  expires_in: z.number().int(),",
            "});",
        ]
    if auth == "api-key":
        lines += [
            "",
            "export const ApiKeyOut = z.object({ id: id(), prefix: z.string(), created_at: timestamp() });",
            "export type ApiKeyRecord = z.input<typeof ApiKeyOut>;",
            "",
            "/** Shown once: only a hash of the secret is kept. */",
            "export const NewApiKey = ApiKeyOut.extend({ key: z.string() });",
        ]
    body = "\n".join(lines)
    helpers = sorted(set(helpers_used(body)) | {"email", "id", "timestamp"})
    head = [
        "/**",
        " * Accounts: what a person sends to sign up and log in, and what the API shows of them.",
        " *",
        f" * Passwords are {PASSWORD_MIN}-{PASSWORD_MAX} characters: long enough to resist guessing",
        " * (NIST SP 800-63B), bounded so hashing cannot be abused. A password never appears in",
        " * a response.",
        " */",
        'import { z } from "zod";',
        "",
        f'import {{ EMAIL_MAX_LENGTH, {", ".join(helpers)} }} from "../../fields.js";',
        "",
    ]
    return "\n".join(head) + body + "\n"


def user_repository(plan: Plan) -> str:
    assert plan.users is not None
    auth = plan.brief.stack.auth
    extra = extra_fields(plan.users)
    columns = ", ".join(c.sql for c in out_columns(plan.users.columns))
    names = ", ".join(["email", "password_hash", *(c.sql for c in extra)])
    values = ", ".join(f"${i}" for i in range(1, len(extra) + 3))
    params = ["data.email", "passwordHash"] + [
        f"jsonParam(data.{c.api})"
        if c.kind == "json"
        else (f"data.{c.api} ?? null" if c.nullable else f"data.{c.api}")
        for c in extra
    ]
    json_fields = sorted(c.api for c in extra if c.kind == "json")
    db_names = ["type Db"] + (["only"] if auth == "api-key" else [])
    if extra:
        db_names.append("assignments")
    if json_fields:
        db_names.append("jsonParam")
    types = ["SignUp", "UserRecord"] + (["UserUpdate"] if extra else [])
    if auth == "api-key":
        types.append("ApiKeyRecord")
    lines = [
        "/** SQL for `users` and their credentials. Emails match whatever their case. */",
        'import type { z } from "zod";',
        "",
        f'import {{ {", ".join(sorted(db_names, key=lambda n: n.removeprefix("type ")))} }} from "../../db.js";',
        f'import type {{ {", ".join(sorted(types))} }} from "./schemas.js";',
        "",
        f"const COLUMNS = {quoted(columns)};",
    ]
    if extra:
        lines += [
            "const COLUMN: Readonly<Record<string, string>> = {",
            *[f"  {c.api}: {quoted(c.sql)}," for c in extra],
            "};",
            "const JSON_FIELDS: ReadonlySet<string> = new Set("
            + (f"[{', '.join(quoted(j) for j in json_fields)}]" if json_fields else "")
            + ");",
        ]
    lines += [
        "",
        "/** A new account; an email already taken (whatever its case) changes nothing. */",
        "export async function insert(",
        "  db: Db,",
        "  passwordHash: string,",
        '  data: Omit<z.output<typeof SignUp>, "password">,',
        "): Promise<void> {",
        "  await db.query(",
        f"    `INSERT INTO users ({names}) VALUES ({values}) ON CONFLICT DO NOTHING`,",
        f"    [{', '.join(params)}],",
        "  );",
        "}",
        "",
        "export async function byEmail(db: Db, email: string): Promise<{ id: string; password_hash: string } | undefined> {",
        "  const { rows } = await db.query<{ id: string; password_hash: string }>(",
        '    "SELECT id, password_hash FROM users WHERE lower(email) = lower($1)",',
        "    [email],",
        "  );",
        "  return rows[0];",
        "}",
        "",
        "export async function get(db: Db, id: string): Promise<UserRecord | undefined> {",
        "  const { rows } = await db.query<UserRecord>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);",
        "  return rows[0];",
        "}",
        "",
        "export async function exists(db: Db, id: string): Promise<boolean> {",
        '  const { rowCount } = await db.query("SELECT 1 FROM users WHERE id = $1", [id]);',
        "  return rowCount === 1;",
        "}",
    ]
    if extra:
        lines += [
            "",
            "export async function update(db: Db, id: string, changes: UserUpdate): Promise<UserRecord | undefined> {",
            "  const params: unknown[] = [id];",
            "  const sets = assignments(changes, COLUMN, params, JSON_FIELDS);",
            "  if (sets.length === 0) return get(db, id);",
            "  const { rows } = await db.query<UserRecord>(",
            '    `UPDATE users SET ${sets.join(", ")} WHERE id = $1 RETURNING ${COLUMNS}`,',
            "    params,",
            "  );",
            "  return rows[0];",
            "}",
        ]
    if auth == "api-key":
        lines += [
            "",
            "export async function insertKey(db: Db, userId: string, prefix: string, keyHash: string): Promise<ApiKeyRecord> {",
            "  const { rows } = await db.query<ApiKeyRecord>(",
            '    "INSERT INTO api_keys (user_id, prefix, key_hash) VALUES ($1, $2, $3) RETURNING id, prefix, created_at",',
            "    [userId, prefix, keyHash],",
            "  );",
            "  return only(rows);",
            "}",
            "",
            "export async function keyByPrefix(db: Db, prefix: string): Promise<{ user_id: string; key_hash: string } | undefined> {",
            "  const { rows } = await db.query<{ user_id: string; key_hash: string }>(",
            '    "SELECT user_id, key_hash FROM api_keys WHERE prefix = $1 AND revoked_at IS NULL",',
            "    [prefix],",
            "  );",
            "  return rows[0];",
            "}",
            "",
            "export async function listKeys(db: Db, userId: string): Promise<ApiKeyRecord[]> {",
            "  const { rows } = await db.query<ApiKeyRecord>(",
            '    "SELECT id, prefix, created_at FROM api_keys WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at, id",',
            "    [userId],",
            "  );",
            "  return rows;",
            "}",
            "",
            "export async function revokeKey(db: Db, userId: string, keyId: string): Promise<boolean> {",
            "  const { rowCount } = await db.query(",
            '    "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL",',
            "    [keyId, userId],",
            "  );",
            "  return rowCount === 1;",
            "}",
        ]
    if auth == "session":
        lines += [
            "",
            "export async function insertSession(db: Db, userId: string, tokenHash: string, ttlHours: number): Promise<void> {",
            "  // Each log-in also sweeps this person's expired sessions.",
            '  await db.query("DELETE FROM sessions WHERE user_id = $1 AND expires_at <= now()", [userId]);',
            "  await db.query(",
            '    "INSERT INTO sessions (user_id, token_hash, expires_at) VALUES ($1, $2, now() + make_interval(hours => $3))",',
            "    [userId, tokenHash, ttlHours],",
            "  );",
            "}",
            "",
            "export async function sessionUser(db: Db, tokenHash: string): Promise<string | undefined> {",
            "  const { rows } = await db.query<{ user_id: string }>(",
            '    "SELECT user_id FROM sessions WHERE token_hash = $1 AND expires_at > now()",',
            "    [tokenHash],",
            "  );",
            "  return rows[0]?.user_id;",
            "}",
            "",
            "export async function deleteSession(db: Db, tokenHash: string): Promise<void> {",
            '  await db.query("DELETE FROM sessions WHERE token_hash = $1", [tokenHash]);',
            "}",
        ]
    return "\n".join(lines) + "\n"
