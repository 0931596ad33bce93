"""Phase 5's files for the TypeScript target: metrics, security headers, CORS, limits, the
request deadline, graceful shutdown, configuration refused when unsafe, the container —
and the lines they add to phase 3's app, config and server."""

from __future__ import annotations

from .. import facts
from ..branch_edit import Edit
from ..schema import Plan
from ..service.api import Api
from ..service.hardening import buckets
from . import edits
from .infra import CONFIG_OPEN
from .names import ts
from .project import ROUTES_LAST, render

SECRET_RULE = """  (config) =>
    strict(config) && (config.JWT_SECRET.length < 32 || new Set(config.JWT_SECRET).size < 10)
      ? `JWT_SECRET is weak: use 32 or more random characters, e.g. from ${SECRET_HINT}`
      : undefined,"""
COOKIE_RULE = """  (config) =>
    strict(config) && !config.SESSION_COOKIE_SECURE ? "SESSION_COOKIE_SECURE must be true: cookies only over HTTPS" : undefined,"""
HASH_RULE = """  (config) =>
    strict(config) && config.PASSWORD_HASH_MEMORY_KIB < 19456
      ? "PASSWORD_HASH_MEMORY_KIB below 19456 (19 MiB, the OWASP minimum for argon2id)"
      : undefined,"""


def rules(api: Api) -> str:
    out = []
    if api.auth == "jwt":
        out.append(SECRET_RULE)
    if api.auth == "session":
        out.append(COOKIE_RULE)
    if api.auth != "none":
        out.append(HASH_RULE)
    return "".join(line + "\n" for line in out)


def config_fields(plan: Plan) -> list[str]:
    return [
        "  // Phase 5: serving limits, timeouts, CORS, metrics.",
        "  MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(1_048_576),",
        f"  REQUEST_TIMEOUT_SECONDS: z.coerce.number().positive().default({facts.request_timeout_seconds(plan.brief)}),",
        "  SHUTDOWN_DEADLINE_SECONDS: z.coerce.number().positive().default(20),",
        "  // Browser origins allowed to call the API, comma-separated; empty: CORS off.",
        '  CORS_ORIGINS: z.string().default("").transform((text) => text.split(",").map((o) => o.trim()).filter(Boolean)),',
        "  HSTS_SECONDS: z.coerce.number().int().min(0).default(31_536_000), // sent in staging and production",
        "  METRICS_ENABLED: flag.default(true),",
        "  METRICS_TOKEN: z.string().min(16).optional(), // then only `Authorization: Bearer <token>` reads them",
    ]


def config_edits(plan: Plan) -> list[Edit]:
    return [
        edits.ensure_import('import { hardeningRules } from "./hardening/rules.js";'),
        edits.inside(CONFIG_OPEN, "});", config_fields(plan)),
        edits.inside(
            "export const RULES: ((config: Config) => string | undefined)[] = [",
            "];",
            ["  ...hardeningRules,"],
        ),
    ]


def app_edits() -> list[Edit]:
    return [
        edits.ensure_import(
            'import { hardeningOptions, installHardening } from "./hardening/index.js";'
        ),
        edits.after("  const app = Fastify({", ["    ...hardeningOptions(config),"]),
        edits.before(ROUTES_LAST, ["  installHardening(app);"]),
    ]


LISTEN = "await app.listen({ host: config.HOST, port: config.PORT });"


def server_edits() -> list[Edit]:
    return [
        edits.ensure_import('import { installShutdown } from "./hardening/shutdown.js";'),
        edits.after(LISTEN, ["installShutdown(app, config.SHUTDOWN_DEADLINE_SECONDS);"]),
    ]


def _cors_headers(api: Api) -> str:
    headers = ["Content-Type", "X-Request-ID"]
    if api.auth == "jwt":
        headers.insert(0, "Authorization")
    if api.auth == "api-key":
        headers.insert(0, "X-API-Key")
    return ts(headers)


def production_settings(api: Api) -> str:
    """Settings a production configuration of the test app needs to pass the rules."""
    items = {"ENVIRONMENT": "production"}
    if api.auth == "jwt":
        items["JWT_SECRET"] = "Zq3vR8wLk2Pn7Tx5Yb9Cd4Fg6Hj1Km0Ns-Ut_Vw"
    if api.auth == "session":
        items["SESSION_COOKIE_SECURE"] = "true"
    if api.auth != "none":
        items["PASSWORD_HASH_MEMORY_KIB"] = "19456"
    return "{ " + ", ".join(f"{k}: {ts(v)}" for k, v in items.items()) + " }"


def config_test(api: Api) -> str:
    auth = api.auth
    strong = production_settings(api)
    lines = [
        "/** Start-up validation: unsafe settings are refused outside development. */",
        'import { expect, it } from "vitest";',
        "",
        'import { ConfigError, loadConfig } from "../src/config.js";',
        'import { TEST_SETTINGS } from "./support/service.js";',
        "",
        'const BASE = { ...TEST_SETTINGS, DATABASE_URL: "postgresql://db.example/app" };',
        f"const PRODUCTION = {{ ...BASE, ...{strong} }};",
        "",
        "function problems(env: Record<string, string | undefined>): string[] {",
        "  try {",
        "    loadConfig(env);",
        "    return [];",
        "  } catch (error) {",
        "    if (error instanceof ConfigError) return error.problems;",
        "    throw error;",
        "  }",
        "}",
        "",
        'it("starts with a strong production configuration", () => {',
        '  expect(loadConfig(PRODUCTION).ENVIRONMENT).toBe("production");',
        "});",
        "",
        'it("refuses wildcard CORS in production, not in development", () => {',
        '  expect(problems({ ...PRODUCTION, CORS_ORIGINS: "*" }).join()).toContain("CORS_ORIGINS");',
        '  expect(problems({ ...BASE, ENVIRONMENT: "development", CORS_ORIGINS: "*" })).toEqual([]);',
        "});",
        "",
        'it("wants the request deadline to outlast a statement", () => {',
        '  const found = problems({ ...BASE, REQUEST_TIMEOUT_SECONDS: "1", DATABASE_STATEMENT_TIMEOUT_MS: "5000" });',
        '  expect(found.join()).toContain("REQUEST_TIMEOUT_SECONDS");',
        "});",
        "",
        'it("refuses a missing DATABASE_URL and lists every problem at once", () => {',
        '  const found = problems({ ...BASE, DATABASE_URL: undefined, PORT: "not-a-port" });',
        '  expect(found.some((p) => p.startsWith("DATABASE_URL"))).toBe(true);',
        '  expect(found.some((p) => p.startsWith("PORT"))).toBe(true);',
        "});",
    ]
    if auth == "jwt":
        lines += [
            "",
            'it("refuses a weak JWT secret outside development", () => {',
            '  for (const weak of ["changeme", "x".repeat(64), "short-but-random-7Qz"]) {',
            '    for (const environment of ["staging", "production"]) {',
            '      expect(problems({ ...PRODUCTION, ENVIRONMENT: environment, JWT_SECRET: weak }).join()).toContain("JWT_SECRET is weak");',
            "    }",
            '    expect(problems({ ...BASE, ENVIRONMENT: "development", JWT_SECRET: weak })).toEqual([]);',
            "  }",
            "});",
            "",
            'it("refuses a missing JWT secret", () => {',
            '  expect(problems({ ...BASE, JWT_SECRET: undefined }).join()).toContain("JWT_SECRET");',
            "});",
        ]
    if auth == "session":
        lines += [
            "",
            'it("refuses insecure session cookies in production", () => {',
            '  expect(problems({ ...PRODUCTION, SESSION_COOKIE_SECURE: "false" }).join()).toContain("SESSION_COOKIE_SECURE");',
            "});",
        ]
    if auth != "none":
        lines += [
            "",
            'it("refuses cheap password hashing in production", () => {',
            '  expect(problems({ ...PRODUCTION, PASSWORD_HASH_MEMORY_KIB: "1024" }).join()).toContain("PASSWORD_HASH_MEMORY_KIB");',
            "});",
        ]
    return "\n".join(lines) + "\n"


def _template(api: Api) -> str:
    first = api.resources[0]
    return f"{first.path}/:{first.id_param}".replace("/", "\\/")


def files(api: Api) -> dict[str, str]:
    plan = api.plan
    p99 = plan.brief.targets.p99_latency_ms
    bucket_list = buckets(plan)
    first = api.resources[0]
    return {
        "src/hardening/index.ts": render("hardening/index.ts.tmpl"),
        "src/hardening/http.ts": render("hardening/http.ts.tmpl", cors_headers=_cors_headers(api)),
        "src/hardening/metrics.ts": render(
            "hardening/metrics.ts.tmpl",
            metrics_path=api.metrics_path,
            buckets="[" + ", ".join(f"{b:g}" for b in bucket_list) + "]",
        ),
        "src/hardening/shutdown.ts": render("hardening/shutdown.ts.tmpl"),
        "src/hardening/rules.ts": render("hardening/rules.ts.tmpl", rules=rules(api)),
        "Dockerfile": render("hardening/Dockerfile.tmpl", project=api.name),
        ".dockerignore": render("hardening/dockerignore.tmpl"),
        "test/hardening-http.test.ts": render(
            "hardening/test_http.ts.tmpl",
            path=first.path,
            production_settings=production_settings(api),
        ),
        "test/hardening-metrics.test.ts": render(
            "hardening/test_metrics.ts.tmpl",
            path=first.path,
            metrics_path=api.metrics_path,
            template=_template(api),
            p99_bucket=f"{(p99 / 1000 if p99 else 0.25):g}",
        ),
        "test/hardening-config.test.ts": config_test(api),
        "test/hardening-shutdown.test.ts": render("hardening/test_shutdown.ts.tmpl"),
    }
