"""The TypeScript suite's shared parts: the per-file service, factories and assertions,
and the tests of accounts, errors and migrations."""

from __future__ import annotations

from datetime import date, datetime

from ..plan import length_limits
from ..schema import Column
from ..service.accounts import cookie_name
from ..service.api import Api, Resource
from ..service.samples import Repeat, decimal_range, int_range
from .names import factory, ts
from .project import render
from .schemas import extra_fields

ME = [
    '  const me = await call(app, "GET", "/auth/me", { headers });',
    "  expect(me.statusCode, me.body).toBe(200);",
    "  return { id: me.json().id, email: address, headers };",
]
SIGN_UP = {
    "jwt": [
        '  const login = await call(app, "POST", "/auth/login", { body: { email: address, password: PASSWORD } });',
        "  expect(login.statusCode, login.body).toBe(200);",
        "  const token: string = login.json().access_token;",
        "  const headers = { authorization: `Bearer ${token}` };",
        *ME,
    ],
    "api-key": [
        '  const issued = await call(app, "POST", "/auth/keys", { body: { email: address, password: PASSWORD } });',
        "  expect(issued.statusCode, issued.body).toBe(201);",
        '  const headers = { "x-api-key": String(issued.json().key) };',
        *ME,
    ],
    "session": [
        '  const login = await call(app, "POST", "/auth/login", { body: { email: address, password: PASSWORD } });',
        "  expect(login.statusCode, login.body).toBe(200);",
        '  const headers = { cookie: String(login.headers["set-cookie"]).split(";")[0] ?? "" };',
        *ME,
    ],
}

BAD_CREDENTIALS = {
    "jwt": '{ authorization: "Bearer not.a.token" }',
    "api-key": '{ "x-api-key": "nope.not-a-key" }',
    "session": '{ cookie: "SESSION=not-a-session" }',
}


def test_settings(api: Api) -> str:
    lines = [
        '  ENVIRONMENT: "test",',
        '  LOG_LEVEL: "ERROR", // requests log at INFO: keep test output to failures',
    ]
    if api.auth == "jwt":
        lines.append(f"  JWT_SECRET: {ts('test-secret-' + 'x' * 40)},")
    if api.auth == "session":
        lines.append('  SESSION_COOKIE_SECURE: "false",')
    if api.auth != "none":
        lines += [
            '  PASSWORD_HASH_TIME_COST: "1",',
            '  PASSWORD_HASH_MEMORY_KIB: "64",',
            '  PASSWORD_HASH_PARALLELISM: "1",',
        ]
    return "\n".join(lines) + "\n"


def service_support(api: Api) -> str:
    return render("test_service.ts.tmpl", test_settings=test_settings(api))


def valid(column: Column) -> str | None:
    """A TypeScript expression in `n` giving a valid value; None for references."""
    kind = column.kind
    if kind == "reference":
        return None
    f = column.source
    assert f is not None
    label = ts(column.api)
    if kind in ("string", "text"):
        low, high = length_limits(f)
        return f"text({label}, n, {high if high is not None else 'null'}, {low or 0})"
    if kind == "url":
        return f"url(n, {length_limits(f)[1]})"
    if kind == "email":
        return f"email({label}, n, {length_limits(f)[1]})"
    if kind == "int":
        low, high = int_range(column)
        return f"{low} + (n % {high - low + 1})"
    if kind == "decimal":
        low, high, scale = decimal_range(column)
        return f'amount(n, "{format(low, "f")}", "{format(high, "f")}", {scale})'
    if kind == "bool":
        return "n % 2 === 1"
    if kind == "date":
        return "day(n)"
    if kind == "datetime":
        return "minute(n)"
    if kind == "uuid":
        return "uuidOf(n)"
    if kind == "enum":
        return f"pick({ts(f.values or [])}, n)"
    if kind == "json":
        return '{ n, tags: ["a", "b"] }'
    raise ValueError(f"no sample for {kind}")


def literal(value: object) -> str:
    """A sample value (see service.samples) as TypeScript."""
    if isinstance(value, Repeat):
        return f"{ts(value.text)}.repeat({value.times})"
    if isinstance(value, datetime | date):
        return ts(value.isoformat())
    return ts(value)


def _payload(name: str, columns: list[Column]) -> list[str]:
    body = [f"    {c.api}: {valid(c)}," for c in columns if valid(c) is not None]
    return [
        "",
        f"export function {name}({'n' if body else '_n'}: number): Record<string, unknown> {{",
        "  return {",
        *body,
        "  };",
        "}",
    ]


def _factory(api: Api, resource: Resource) -> list[str]:
    make = factory(resource, "new")
    refs = [r for r in resource.references if not r.column.nullable]
    needs = [r for r in resource.references if not r.column.nullable and r.target.name != "users"]
    lines = [
        "",
        f"/** A valid body for a new {resource.table.singular.replace('_', ' ')}; required "
        "references are created first. */",
        f"export {'async ' if needs else ''}function {make}("
        f"{'app' if needs else '_app'}: App, {'account' if refs else '_account'}: Account, overrides: Record<string, unknown> = {{}}"
        "): Promise<Record<string, unknown>> {",
        f"  const body = {factory(resource, 'payload')}(next());",
    ]
    for ref in resource.references:
        if ref.column.nullable:
            continue
        col = ref.column.api
        if ref.target.name == "users":
            value = "account.id"
        else:
            value = f"(await {factory(api.resource(ref.target))}(app, account)).id"
        lines += [f"  if (!({ts(col)} in overrides)) body.{col} = {value};"]
    result = "{ ...body, ...overrides }"
    lines += [
        f"  return {result if needs else f'Promise.resolve({result})'};",
        "}",
        "",
        f"export async function {factory(resource)}(app: App, account: Account, overrides: Record<string, unknown> = {{}}): Promise<Row> {{",
        f"  const body = await {make}(app, account, overrides);",
        f'  const response = await call(app, "POST", {ts(resource.path)}, {{ body, headers: account.headers }});',
        "  expect(response.statusCode, response.body).toBe(201);",
        "  return response.json();",
        "}",
    ]
    return lines


def factories(api: Api) -> str:
    auth = api.auth
    users = api.plan.users
    user_extra = extra_fields(users) if users else []
    lines = [
        "/**",
        " * Test data through the public API: accounts, valid payloads, rows and assertions.",
        " * Payloads vary with a counter, so unique fields never collide between calls.",
        " */",
        'import type { LightMyRequestResponse } from "fastify";',
        'import { expect } from "vitest";',
        "",
        'import type { App } from "../../src/app.js";',
        'import { PROBLEM_BASE } from "../../src/errors.js";',
        "",
        "/** A response body as the tests read it. */",
        "// eslint-disable-next-line @typescript-eslint/no-explicit-any",
        "export type Row = Record<string, any>;",
        "",
        "let counter = 0;",
        "export const next = (): number => ++counter;",
        'export const PASSWORD = "correct horse battery staple";',
    ]
    if auth != "none":
        bad = BAD_CREDENTIALS[auth].replace("SESSION", cookie_name(api.name))
        lines.append(f"export const BAD_CREDENTIALS: Record<string, string> = {bad};")
    lines += [
        "",
        "/** The brief's type of every field, to compare what was sent with what came back. */",
        "const KINDS: Readonly<Record<string, Readonly<Record<string, string>>>> = {",
        *[
            f"  {r.table.name}: {{ "
            + ", ".join(f"{c.api}: {ts(c.kind)}" for c in r.writable)
            + " },"
            for r in api.resources
        ],
        "};",
        "",
        "export interface Account {",
        "  id: string | null;",
        "  email: string | null;",
        "  headers: Record<string, string>;",
        "}",
        "",
        "export async function call(",
        "  app: App,",
        '  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",',
        "  url: string,",
        "  options: { body?: unknown; headers?: Record<string, string>; query?: Record<string, string> } = {},",
        "): Promise<LightMyRequestResponse> {",
        "  return app.inject({",
        "    method,",
        "    url,",
        "    ...(options.body === undefined ? {} : { payload: options.body as object }),",
        "    headers: options.headers ?? {},",
        "    query: options.query ?? {},",
        "  });",
        "}",
        "",
    ]
    if auth == "none":
        lines += [
            '/** auth = "none": every caller is anonymous, so an account is just no headers. */',
            "export function signUp(_app: App): Promise<Account> {",
            "  return Promise.resolve({ id: null, email: null, headers: {} });",
            "}",
        ]
    else:
        lines += [
            "export async function signUp(app: App, email?: string): Promise<Account> {",
            "  const n = next();",
            "  const address = email ?? `person${n}@example.com`;",
            "  const body = { email: address, password: PASSWORD, ...userPayload(n) };",
            '  const created = await call(app, "POST", "/auth/signup", { body });',
            "  expect(created.statusCode, created.body).toBe(202);",
            *SIGN_UP[auth],
            "}",
        ]
        lines += _payload("userPayload", [c for c in user_extra if c.required])
    lines += [
        "",
        "export function text(label: string, n: number, maxLength: number | null, minLength = 0): string {",
        "  let value = `${label} ${n}`;",
        "  // Keep the number when cutting: it makes the value unique.",
        "  if (maxLength !== null && value.length > maxLength) value = value.slice(-maxLength);",
        '  return value.padEnd(minLength, "x");',
        "}",
        "",
        "export function url(n: number, maxLength: number): string {",
        "  const value = `https://example.com/items/${n}`;",
        "  return value.length > maxLength ? `http://e.co/${n}` : value;",
        "}",
        "",
        "export function email(label: string, n: number, maxLength: number): string {",
        "  const value = `${label}${n}@example.com`;",
        "  return value.length > maxLength ? `${n}@e.co` : value;",
        "}",
        "",
        "function units(text: string, scale: number): bigint {",
        '  const [whole = "0", fraction = ""] = text.replace("-", "").split(".");',
        '  const value = BigInt(whole + fraction.padEnd(scale, "0").slice(0, scale));',
        '  return text.startsWith("-") ? -value : value;',
        "}",
        "",
        "/** An exact decimal in [low, high] with `scale` places, varying with n. */",
        "export function amount(n: number, low: string, high: string, scale: number): string {",
        "  const from = units(low, scale);",
        "  const value = from + ((BigInt(n) * 137n) % (units(high, scale) - from + 1n));",
        '  const digits = (value < 0n ? -value : value).toString().padStart(scale + 1, "0");',
        '  const sign = value < 0n ? "-" : "";',
        "  return scale === 0 ? sign + digits : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;",
        "}",
        "",
        "export function day(n: number): string {",
        "  return new Date(Date.UTC(2024, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);",
        "}",
        "",
        "export function minute(n: number): string {",
        "  return new Date(Date.UTC(2024, 0, 1, 12) + n * 60_000).toISOString();",
        "}",
        "",
        "export function uuidOf(n: number): string {",
        '  return `00000000-0000-0000-0000-${n.toString(16).padStart(12, "0")}`;',
        "}",
        "",
        "export function pick<T>(values: readonly T[], n: number): T {",
        "  const value = values[n % values.length];",
        '  if (value === undefined) throw new Error("no values to pick from");',
        "  return value;",
        "}",
        "",
        "/** The response is an RFC 9457 problem document of the given type. */",
        "export function assertProblem(response: LightMyRequestResponse, status: number, slug: string): Row {",
        "  expect(response.statusCode, response.body).toBe(status);",
        '  expect(response.headers["content-type"]).toMatch(/^application\\/problem\\+json/);',
        "  const body: Row = response.json();",
        "  expect(body.type).toBe(PROBLEM_BASE + slug);",
        "  expect(body.status).toBe(status);",
        "  expect(body.title).toBeTruthy();",
        "  return body;",
        "}",
        "",
        "/** Every sent field came back with the same value, as its type compares. */",
        "export function assertSame(table: string, sent: Record<string, unknown>, got: Row): void {",
        "  for (const [key, value] of Object.entries(sent)) {",
        "    const kind = KINDS[table]?.[key];",
        '    if (value === null || value === undefined || (kind !== "decimal" && kind !== "datetime")) {',
        "      expect(got[key], key).toEqual(value);",
        '    } else if (kind === "decimal") {',
        "      expect(Number(got[key]), key).toBe(Number(value));",
        "    } else {",
        "      expect(Date.parse(String(got[key])), key).toBe(Date.parse(value as string));",
        "    }",
        "  }",
        "}",
    ]
    for resource in api.resources:
        lines += _payload(factory(resource, "payload"), resource.fields)
        lines += _factory(api, resource)
    return "\n".join(lines) + "\n"


AUTH_TESTS = {
    "jwt": "test_auth_jwt.ts.tmpl",
    "api-key": "test_auth_api_key.ts.tmpl",
    "session": "test_auth_session.ts.tmpl",
}


def auth_tests(api: Api) -> str:
    login = "/auth/keys" if api.auth == "api-key" else "/auth/login"
    common = render(
        "test_auth_common.part", login=login, login_status="201" if api.auth == "api-key" else "200"
    )
    values = {"common": common}
    if api.auth == "session":
        values["cookie"] = cookie_name(api.name)
    if api.auth == "jwt":
        values["project"] = api.name
    return render(AUTH_TESTS[api.auth], **values)


def error_tests(api: Api) -> str:
    return render("test_errors.ts.tmpl", path=api.resources[0].path)


def migration_tests() -> str:
    return render("test_migrations.ts.tmpl")
