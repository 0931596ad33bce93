"""The TypeScript service's frame: package.json, compiler and test configuration, the
configuration schema, the app factory and the server entry point."""

from __future__ import annotations

import json

from .. import facts
from ..schema import EMAIL_MAX, EMAIL_PATTERN, URL_MAX, URL_PATTERN
from ..service.api import Api
from ..service.render import fill
from .names import module_dir, routes_function

PACKAGE = __package__

DEPENDENCIES = {
    "fastify": "^5.6.0",
    "pg": "^8.16.0",
    "zod": "^4.1.0",
}
AUTH_DEPENDENCIES = {"argon2": "^0.44.0"}
JWT_DEPENDENCIES = {"jose": "^6.1.0"}
DEV_DEPENDENCIES = {
    "@eslint/js": "^9.36.0",
    "@types/node": "^20.19.0",
    "@types/pg": "^8.15.0",
    "eslint": "^9.36.0",
    "typescript": "~5.9.3",
    "typescript-eslint": "^8.44.0",
    "vitest": "^4.0.0",
}
SCRIPTS = {
    "build": "tsc -p tsconfig.build.json",
    "prestart": "npm run build",
    "start": "node dist/server.js",
    "premigrate": "npm run build",
    "migrate": "node dist/migrate.js",
    "preadmin": "npm run build",
    "admin": "node dist/admin.js",
    "typecheck": "tsc --noEmit",
    "lint": "eslint .",
    "test": "vitest run",
}


def render(name: str, **values: str) -> str:
    return fill(PACKAGE, name, **values)


def package_json(api: Api) -> str:
    brief = api.plan.brief
    dependencies = dict(DEPENDENCIES)
    if api.auth != "none":
        dependencies.update(AUTH_DEPENDENCIES)
    if api.auth == "jwt":
        dependencies.update(JWT_DEPENDENCIES)
    document = {
        "name": brief.project.name,
        "version": "0.1.0",
        "description": brief.project.summary or brief.project.name,
        "private": True,
        "type": "module",
        "engines": {"node": ">=20.19"},
        "scripts": {k: v for k, v in SCRIPTS.items() if api.auth != "none" or "admin" not in k},
        "dependencies": dict(sorted(dependencies.items())),
        "devDependencies": DEV_DEPENDENCIES,
    }
    return json.dumps(document, indent=2) + "\n"


def _int(name: str, default: int, low: int = 0) -> str:
    return f"  {name}: z.coerce.number().int().min({low}).default({default}),"


def config_fields(api: Api) -> list[str]:
    brief = api.plan.brief
    auth = api.auth
    lines = [
        "  // Production unless said otherwise: a forgotten variable must not turn the checks off.",
        '  ENVIRONMENT: z.enum(["development", "test", "staging", "production"]).default("production"),',
        '  DATABASE_URL: z.string({ error: "set DATABASE_URL to the PostgreSQL URL" }).min(1),',
        _int("DATABASE_POOL_MAX_SIZE", facts.pool_size(brief), 1),
        "  DATABASE_POOL_TIMEOUT_SECONDS: z.coerce.number().positive().default(5),",
        _int("DATABASE_STATEMENT_TIMEOUT_MS", facts.statement_timeout_ms(brief)),
        '  HOST: z.string().default("127.0.0.1"),',
        "  PORT: z.coerce.number().int().min(1).max(65535).default(8000),",
    ]
    if auth == "jwt":
        lines += [
            '  JWT_SECRET: z.string({ error: "set JWT_SECRET: the key that signs access tokens" }).min(1),',
            f'  JWT_ISSUER: z.string().default("{brief.project.name}"),',
            "  JWT_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(30),",
        ]
    if auth == "session":
        lines += [
            _int("SESSION_TTL_HOURS", 168, 1),
            "  SESSION_COOKIE_SECURE: flag.default(true),",
        ]
    if auth != "none":
        h = facts.password_hashing(brief)
        lines += [
            "  // argon2id at OWASP's baseline; tests lower it. Slots: hashes at once per instance.",
            _int("PASSWORD_HASH_TIME_COST", h.time_cost, 1),
            _int("PASSWORD_HASH_MEMORY_KIB", h.memory_kib, 8),
            _int("PASSWORD_HASH_PARALLELISM", h.parallelism, 1),
            _int("PASSWORD_HASH_CONCURRENCY", h.concurrency, 1),
            f"  PASSWORD_HASH_WAIT_SECONDS: z.coerce.number().positive().default({h.wait_seconds:g}),",
        ]
    return lines


def config_module(api: Api) -> str:
    jwt = api.auth == "jwt"
    return render(
        "config.ts.tmpl",
        project=api.name,
        required="DATABASE_URL and JWT_SECRET have" if jwt else "DATABASE_URL has",
        pronoun="them" if jwt else "it",
        fields="\n".join(config_fields(api)),
    )


ROUTES_LAST = "  // Routes come last: the hooks installed above run before each of them."


def app_module(api: Api) -> str:
    brief = api.plan.brief
    routes = [(module_dir(r).removeprefix("src/"), routes_function(r)) for r in api.resources]
    if api.auth != "none":
        routes.insert(0, ("modules/accounts", "accountRoutes"))
    imports = [
        "import Fastify, {",
        "  type FastifyBaseLogger,",
        "  type FastifyInstance,",
        "  type RawReplyDefaultExpression,",
        "  type RawRequestDefaultExpression,",
        "  type RawServerDefault,",
        '} from "fastify";',
        'import type pg from "pg";',
        "",
    ]
    local = []
    if api.auth != "none":
        local.append('import { installAuth } from "./auth.js";')
    local += [
        'import type { Config } from "./config.js";',
        'import { createPool } from "./db.js";',
        'import { installErrorHandlers } from "./errors.js";',
        *[f'import {{ {fn} }} from "./{path}/routes.js";' for path, fn in routes],
        'import { installOpenApi } from "./openapi.js";',
        'import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from "./validation.js";',
    ]
    info = (
        json.dumps(
            {
                "title": brief.project.name,
                "version": "0.1.0",
                "description": brief.project.summary or brief.project.name,
            }
        )
        .replace('{"', '{ "')
        .replace('"}', '" }')
    )
    return "\n".join(
        [
            "/**",
            f" * The {brief.project.name} API: {brief.project.summary or brief.project.name}.",
            " *",
            " * `buildApp(config)` builds the application without listening, so tests inject",
            " * requests into it; src/server.ts listens.",
            " */",
            *imports,
            *local,
            "",
            "export type App = FastifyInstance<",
            "  RawServerDefault,",
            "  RawRequestDefaultExpression,",
            "  RawReplyDefaultExpression,",
            "  FastifyBaseLogger,",
            "  ZodTypeProvider",
            ">;",
            "",
            'declare module "fastify" {',
            "  interface FastifyInstance {",
            "    config: Config;",
            "    pool: pg.Pool;",
            "  }",
            "}",
            "",
            "export function buildApp(config: Config): App {",
            "  const app = Fastify({",
            "    logger: false,",
            "  }).withTypeProvider<ZodTypeProvider>();",
            "  // Bodies are JSON: anything else (text, forms) is refused with 415.",
            '  app.removeContentTypeParser("text/plain");',
            "  app.setValidatorCompiler(validatorCompiler);",
            "  app.setSerializerCompiler(serializerCompiler);",
            "  const pool = createPool(config);",
            "  // An idle connection that breaks emits an error; unheard, it would end the process.",
            '  pool.on("error", (error) => app.log.warn({ err: error }, "idle database connection failed"));',
            '  app.decorate("config", config);',
            '  app.decorate("pool", pool);',
            '  app.addHook("onClose", async () => {',
            "    await pool.end();",
            "  });",
            "  installErrorHandlers(app);",
            f"  installOpenApi(app, {info});",
            *(["  installAuth(app);"] if api.auth != "none" else []),
            ROUTES_LAST,
            *[f"  {fn}(app);" for _, fn in routes],
            "  return app;",
            "}",
            "",
        ]
    )


def fields_module() -> str:
    return render(
        "fields.ts.tmpl",
        url_pattern=URL_PATTERN.replace("/", "\\/"),
        email_pattern=EMAIL_PATTERN.replace("/", "\\/"),
        url_max=str(URL_MAX),
        email_max=str(EMAIL_MAX),
    )
