"""Phase 4's files for the TypeScript target: logs with request ids, the read cache, rate
limits, health probes — and the lines they add to phase 3's app, config and package.json."""

from __future__ import annotations

from .. import facts
from ..branch_edit import Edit
from ..schema import Plan
from ..service.accounts import cookie_name
from ..service.api import Api, Resource, invalidation, namespaces
from . import edits
from .names import factory, ts
from .project import ROUTES_LAST, render

OPTIONS_LINE = "    ...infrastructureOptions(config),"
INSTALL_LINE = "  installInfrastructure(app);"
CONFIG_OPEN = "export const ConfigSchema = z.object({"


def _credential(api: Api) -> tuple[str, str, str]:
    """(words, header names, cookie) for src/infra/clients.ts."""
    if api.auth == "jwt":
        return "the bearer token", '["authorization"]', "null"
    if api.auth == "api-key":
        return "the X-API-Key header", '["x-api-key"]', "null"
    if api.auth == "session":
        return "the session cookie", "[]", ts(cookie_name(api.name))
    return "none: this API has no credentials", "[]", "null"


def config_fields(plan: Plan) -> list[str]:
    rate, burst = facts.client_rate(plan.brief)
    return [
        "  // Phase 4: logs, read cache, rate limits, readiness.",
        '  LOG_LEVEL: z.enum(["DEBUG", "INFO", "WARNING", "ERROR"]).default("INFO"),',
        "  CACHE_TTL_SECONDS: z.coerce.number().min(0).default(5), // 0 turns the cache off",
        "  CACHE_MAX_ENTRIES: z.coerce.number().int().min(1).default(10_000),",
        "  REDIS_URL: z.string().min(1).optional(), // shared limits and cache for several instances",
        f"  RATE_LIMIT_PER_SECOND: z.coerce.number().positive().default({rate}),",
        f"  RATE_LIMIT_BURST: z.coerce.number().int().min(1).default({burst}),",
        "  // The load balancers in front, as a JSON list of addresses or networks; see src/infra/clients.ts.",
        "  TRUSTED_PROXIES: ProxyList,",
        "  READINESS_TIMEOUT_SECONDS: z.coerce.number().positive().default(2),",
        *auth_limit_fields(plan),
    ]


def auth_limit_fields(plan: Plan) -> list[str]:
    if plan.brief.stack.auth == "none":
        return []
    limits = facts.AUTH_LIMITS
    return [
        f"  AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS: z.coerce.number().positive().default({limits.per_address_per_minute}),",
        f"  AUTH_BURST_PER_ADDRESS: z.coerce.number().int().min(1).default({limits.address_burst}),",
        f"  AUTH_ATTEMPTS_PER_MINUTE_PER_ACCOUNT: z.coerce.number().positive().default({limits.per_account_per_minute}),",
        f"  AUTH_BURST_PER_ACCOUNT: z.coerce.number().int().min(1).default({limits.account_burst}),",
    ]


GUARDED = {
    "jwt": ["POST /auth/signup", "POST /auth/login"],
    "session": ["POST /auth/signup", "POST /auth/login"],
    "api-key": ["POST /auth/signup", "POST /auth/keys"],
}
AUTH_LIMIT_INSTALL = """
  installAuthLimit(
    app,
    buckets("auth:address", config.AUTH_ATTEMPTS_PER_MINUTE_PER_ADDRESS / 60, config.AUTH_BURST_PER_ADDRESS),
    buckets("auth:account", config.AUTH_ATTEMPTS_PER_MINUTE_PER_ACCOUNT / 60, config.AUTH_BURST_PER_ACCOUNT),
    proxies,
  );"""


def config_edits(plan: Plan) -> list[Edit]:
    return [
        edits.ensure_import('import { ProxyList } from "./infra/clients.js";'),
        edits.inside(CONFIG_OPEN, "});", config_fields(plan)),
    ]


def app_edits() -> list[Edit]:
    return [
        edits.ensure_import(
            'import { infrastructureOptions, installInfrastructure } from "./infra/index.js";'
        ),
        edits.replace("    logger: false,", OPTIONS_LINE),
        edits.before(ROUTES_LAST, [INSTALL_LINE]),
    ]


def package_edits() -> list[Edit]:
    return [edits.add_dependencies("dependencies", {"ioredis": "^5.8.0"})]


def _related_test(api: Api) -> list[str]:
    """A cross-resource invalidation test for the first edge the brief has, if any."""
    for r in api.resources:
        for end in r.links:
            if not end.writes or end.far_is_users:
                continue
            far = api.resource(end.far)
            return [
                "",
                f"it({ts(f'linking refreshes the {far.label} side')}, async () => {{",
                "  const { app } = service;",
                "  const alice = await manager(app);",
                f"  const near = await {factory(r)}(app, alice);",
                f"  const far = await {factory(far)}(app, alice);",
                f"  const listing = `{far.path}/${{far.id}}{r.path}`;",
                '  await call(app, "GET", listing, { headers: alice.headers });',
                '  expect((await call(app, "GET", listing, { headers: alice.headers })).headers["x-cache"]).toBe("HIT");',
                f"  const link = `{r.path}/${{near.id}}{end.segment}/${{far.id}}`;",
                '  expect((await call(app, "PUT", link, { headers: alice.headers })).statusCode).toBe(204);',
                '  const after = await call(app, "GET", listing, { headers: alice.headers });',
                '  expect(after.headers["x-cache"]).toBe("MISS");',
                "  expect(ids(after)).toEqual([near.id]);",
                "});",
            ]
    for r in api.resources:
        for ref in r.references:
            if ref.target.name in ("users", r.table.name) or ref.rule != "CASCADE":
                continue
            parent = api.resource(ref.target)
            return [
                "",
                f"it({ts(f'deleting {ref.target.singular} refreshes {r.label}')}, async () => {{",
                "  const { app } = service;",
                "  const alice = await manager(app);",
                f"  const parent = await {factory(parent)}(app, alice);",
                f"  const child = await {factory(r)}(app, alice, {{ {ref.column.api}: parent.id }});",
                f'  await call(app, "GET", {ts(r.path)}, {{ headers: alice.headers }});',
                f'  expect((await call(app, "GET", {ts(r.path)}, {{ headers: alice.headers }})).headers["x-cache"]).toBe("HIT");',
                f'  const gone = await call(app, "DELETE", `{parent.path}/${{parent.id}}`, {{ headers: alice.headers }});',
                "  expect(gone.statusCode).toBe(204);",
                f'  const after = await call(app, "GET", {ts(r.path)}, {{ headers: alice.headers }});',
                '  expect(after.headers["x-cache"]).toBe("MISS");',
                "  expect(ids(after)).not.toContain(child.id);",
                "});",
            ]
    return []


def _credential_test(api: Api, r: Resource) -> list[str]:
    if api.auth == "none":
        return []
    return [
        "",
        'it("serves a cached response only to the same credential", async () => {',
        "  const { app } = service;",
        "  const alice = await manager(app);",
        "  const bob = await signUp(app);",
        f"  await {factory(r)}(app, alice{', {}, false' if r.public else ''});",
        '  await call(app, "GET", PATH, { headers: alice.headers });',
        '  expect((await call(app, "GET", PATH, { headers: alice.headers })).headers["x-cache"]).toBe("HIT");',
        '  const theirs = await call(app, "GET", PATH, { headers: bob.headers });',
        '  expect(theirs.headers["x-cache"]).toBe("MISS");',
        *(["  expect(theirs.json().items).toEqual([]);"] if r.table.owned else []),
        "});",
    ]


def cache_test(api: Api) -> str:
    r = api.resources[0]
    more = _credential_test(api, r) + _related_test(api)
    code = "\n".join(more)
    used = {factory(r), "call", "manager", "signUp"} | {
        word for word in code.replace("(", " ").split() if word.startswith("create")
    }
    return render(
        "infra/test_cache.ts.tmpl",
        factories=", ".join(sorted(used, key=str.lower)),
        factory=factory(r),
        path=r.path,
        namespace=r.table.name,
        more_tests=code + ("\n" if more else ""),
    )


def _object(items: dict[str, str]) -> str:
    return "{\n" + "".join(f"  {ts(k)}: {v},\n" for k, v in items.items()) + "}"


def files(api: Api) -> dict[str, str]:
    words, headers, cookie = _credential(api)
    first = api.resources[0]
    inv = invalidation(api.plan)
    limited = api.auth != "none"
    out = {
        "src/infra/index.ts": render(
            "infra/index.ts.tmpl",
            project=api.name,
            auth_limit_import='\nimport { installAuthLimit } from "./auth-limit.js";'
            if limited
            else "",
            auth_limit=AUTH_LIMIT_INSTALL if limited else "",
        ),
        "src/infra/logging.ts": render("infra/logging.ts.tmpl", project=api.name),
        "src/infra/clients.ts": render(
            "infra/clients.ts.tmpl", credential=words, headers=headers, cookie=cookie
        ),
        "src/infra/cache.ts": render(
            "infra/cache.ts.tmpl",
            project=api.name,
            namespaces=_object({k: ts(v) for k, v in namespaces(api).items()}),
            invalidates=_object({k: ts(list(v)) for k, v in inv.items()}),
        ),
        "src/infra/rate-limit.ts": render(
            "infra/rate-limit.ts.tmpl", project=api.name, metrics_path=api.metrics_path
        ),
        "src/infra/health.ts": render("infra/health.ts.tmpl"),
        "test/infra-request-id.test.ts": render(
            "infra/test_request_id.ts.tmpl", table=first.table.name
        ),
        "test/infra-cache.test.ts": cache_test(api),
        "test/infra-rate-limit.test.ts": render("infra/test_rate_limit.ts.tmpl", path=first.path),
        "test/infra-health.test.ts": render("infra/test_health.ts.tmpl"),
    }
    if limited:
        out["src/infra/auth-limit.ts"] = render(
            "infra/auth-limit.ts.tmpl", guarded=ts(GUARDED[api.auth])
        )
        login = "/auth/keys" if api.auth == "api-key" else "/auth/login"
        out["test/infra-auth-limit.test.ts"] = render("infra/test_auth_limit.ts.tmpl", login=login)
    return out
