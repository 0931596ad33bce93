"""The TypeScript suite's shared parts: the per-file service, factories and assertions,
and the tests of accounts, errors and migrations."""

from __future__ import annotations

from datetime import date, datetime

from ..expect import creator_roles, recipe
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
    "  return { id: me.json().id, email: address, headers, roles: new Set<string>() };",
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
        "  // The access tests make many requests from one address; the limit tests set their own.",
        '  RATE_LIMIT_BURST: "100000",',
    ]
    if api.auth == "jwt":
        lines.append(f"  JWT_SECRET: {ts('test-secret-' + 'x' * 40)},")
    if api.auth == "session":
        lines.append('  SESSION_COOKIE_SECURE: "false",')
    if api.auth != "none":
        lines += [
            '  AUTH_BURST_PER_ADDRESS: "100000",',
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
    needs = [r for r in refs if r.target.name != "users"]
    lines = [
        "",
        f"/** A valid body for a new {resource.table.singular.replace('_', ' ')}; required "
        "references are created first. */",
        f"export {'async ' if needs else ''}function {make}("
        f"{'app' if needs else '_app'}: App, {'account' if refs else '_account'}: Account, "
        "overrides: Record<string, unknown> = {}"
        "): Promise<Record<string, unknown>> {",
        f"  const body = {factory(resource, 'payload')}(next());",
    ]
    for ref in refs:
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
        *_create_factory(api, resource),
    ]
    return lines


def _has_any(roles: list[str]) -> str:
    return f"[...account.roles].some((role) => {ts(roles)}.includes(role))"


def _create_factory(api: Api, resource: Resource) -> list[str]:
    """`createX`: a row the account can see, posted by an account allowed to create it (a
    manager when the account lacks the role); `publicState` forces the brief's public state."""
    table = resource.table
    needs = sorted(creator_roles(table))
    public = bool(table.public_when)
    sig = ", publicState?: boolean" if public else ""
    lines = [
        "",
        f"export async function {factory(resource)}(app: App, account: Account, "
        f"overrides: Record<string, unknown> = {{}}{sig}): Promise<Row> {{",
        f"  const poster = {_has_any(needs)} ? account : await manager(app);"
        if needs
        else "  const poster = account;",
    ]
    spread = ""
    steps: tuple = ()
    if public:
        shown, hidden = recipe(table, True), recipe(table, False)
        managers = sorted(table.access.roles & table.access.managers)
        reassigned = not table.owned
        lines.append(f"  {'let' if reassigned else 'const'} state = publicState;")
        if table.owned:
            lines.append(
                "  // Owners see their own rows: left alone unless `publicState` is given."
            )
        elif "signed-in" in table.access.managers:
            lines.append("  state ??= false;")
        else:
            lines.append(
                "  state ??= "
                + (f"!{_has_any(managers)}" if managers else "true")
                + "; // only managers see rows that are not public"
            )
        lines.append(
            f"  const values = state === undefined ? {{}} : state ? {_ts_object(shown.body if shown else ())} "
            f": {_ts_object(hidden.body if hidden else ())};"
        )
        spread = "...values, "
        steps = shown.steps if shown else ()
    lines += [
        f"  const body = await {factory(resource, 'new')}(app, poster, {{ {spread}...overrides }});",
        f'  const response = await call(app, "POST", {ts(resource.path)}, {{ body, headers: poster.headers }});',
        "  expect(response.statusCode, response.body).toBe(201);",
        f"  {'let' if public and steps else 'const'} row: Row = response.json();",
    ]
    if public and steps:
        if table.access.per_caller("update") and "owner" not in table.access.update:
            updater = "await manager(app)"
        else:
            updater = "poster"
        lines += [
            "  if (state === true) {",
            "    // The public state is reached by updates, along the brief's transitions.",
            f"    const updater = {updater};",
            f"    for (const step of [{', '.join(_ts_object(((k, v),)) for k, v in steps)}]) {{",
            f'      const moved = await call(app, "PATCH", `{resource.path}/${{String(row.id)}}`, {{ body: step, headers: updater.headers }});',
            "      expect(moved.statusCode, moved.body).toBe(200);",
            "      row = moved.json();",
            "    }",
            "  }",
        ]
    lines += ["  return row;", "}"]
    return lines


def _ts_object(pairs: tuple) -> str:
    return "{ " + ", ".join(f"{k}: {ts(v)}" for k, v in pairs) + " }" if pairs else "{}"


def _roles_helpers(api: Api) -> list[str]:
    if api.auth == "none":
        return [
            "",
            "/** Without accounts, every caller may do what anyone may. */",
            "export function manager(_app: App): Promise<Account> {",
            "  return Promise.resolve({ ...ANONYMOUS, roles: new Set<string>() });",
            "}",
        ]
    lines = [
        "",
        "const managers = new WeakMap<App, Account>();",
        "",
        "/** One account per app holding every role: it may do whatever a role may. */",
        "export async function manager(app: App): Promise<Account> {",
        "  let found = managers.get(app);",
        "  if (found === undefined) {",
        "    found = "
        + ("await withRoles(app, ...ROLES);" if api.plan.roles else "await signUp(app);"),
        "    managers.set(app, found);",
        "  }",
        "  return found;",
        "}",
    ]
    if api.plan.roles:
        lines += [
            "",
            "/** The account with these roles too, granted as an operator would (npm run admin). */",
            "export async function grant(app: App, account: Account, ...roles: string[]): Promise<Account> {",
            '  for (const role of roles) await grantRole(app.config.DATABASE_URL, account.email ?? "", role);',
            "  for (const role of roles) account.roles.add(role);",
            "  return account;",
            "}",
            "",
            "export async function withRoles(app: App, ...roles: string[]): Promise<Account> {",
            "  return grant(app, await signUp(app), ...roles);",
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
        *(
            [
                'import { ROLES } from "../../src/access.js";',
                'import { grantRole } from "../../src/admin.js";',
            ]
            if api.plan.roles
            else []
        ),
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
        "  roles: Set<string>;",
        "}",
        "",
        "export const ANONYMOUS: Account = { id: null, email: null, headers: {}, roles: new Set() };",
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
            "  return Promise.resolve({ ...ANONYMOUS, roles: new Set<string>() });",
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
        "/** The answer a rule gives: a status, and a problem document of the right type. */",
        'export function assertStatus(response: LightMyRequestResponse, status: number, who = ""): void {',
        "  expect(response.statusCode, `${who}: ${response.body}`).toBe(status);",
        "  const slug = PROBLEMS[status];",
        "  if (slug !== undefined) expect(response.json().type, who).toBe(PROBLEM_BASE + slug);",
        "}",
        "",
        'const PROBLEMS: Readonly<Record<number, string>> = { 401: "authentication-required", 403: "forbidden", 404: "not-found" };',
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
    lines += _roles_helpers(api)
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
