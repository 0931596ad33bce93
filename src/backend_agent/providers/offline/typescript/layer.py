"""Phase 3's files for the TypeScript target: the Fastify service and its vitest suite."""

from __future__ import annotations

from ....core.migrations import NO_TRANSACTION
from ....core.proposal import FileChange
from .. import facts
from ..service.api import Api
from ..service.problems import constraint_fields, transition_constraints
from . import accounts, repositories, routes, rules, schemas, services, test_support, tests
from .names import module_dir, suite_file, ts
from .project import app_module, config_module, fields_module, package_json, render


def change(path: str, content: str, why: str) -> FileChange:
    if path.startswith("test/"):
        kind = "test"
    elif path.endswith((".json", ".js")) or path.startswith(".") or path.endswith("config.ts"):
        kind = "config"
    else:
        kind = "code"
    return FileChange(path=path, action="create", kind=kind, content=content, why=why)


def _constraints(api: Api) -> str:
    items = constraint_fields(api.plan)
    return "{\n" + "".join(f"  {k}: {ts(list(v))},\n" for k, v in items.items()) + "}"


def _security(api: Api) -> str:
    return {
        "jwt": '{ type: "http", scheme: "bearer", bearerFormat: "JWT" }',
        "api-key": '{ type: "apiKey", in: "header", name: "X-API-Key" }',
        "session": '{ type: "apiKey", in: "cookie", name: "'
        + accounts.cookie_name(api.name)
        + '" }',
        "none": "null",
    }[api.auth]


def files(api: Api) -> list[FileChange]:
    plan = api.plan
    name = api.name
    out = [
        change(
            "package.json", package_json(api), f"how {name} is installed, built, run and tested"
        ),
        change(
            "tsconfig.json", render("tsconfig.json.tmpl"), "strict TypeScript for src/ and test/"
        ),
        change("tsconfig.build.json", render("tsconfig.build.json.tmpl"), "compiles src/ to dist/"),
        change("vitest.config.ts", render("vitest.config.ts.tmpl"), "the test runner"),
        change(
            "eslint.config.js",
            render("eslint.config.js.tmpl"),
            "lint: floating promises are errors",
        ),
        change(
            ".gitignore", render("gitignore.tmpl"), "keeps node_modules, dist and .env out of git"
        ),
        change(
            "src/config.ts", config_module(api), "configuration from the environment, validated"
        ),
        change(
            "src/db.ts",
            render("db.ts.tmpl", project=name),
            "pool, one transaction per request, keyset SQL",
        ),
        change(
            "src/errors.ts",
            render(
                "errors.ts.tmpl",
                project=name,
                constraint_fields=_constraints(api),
                transitions=ts(transition_constraints(plan))
                if transition_constraints(plan)
                else "",
            ),
            "RFC 9457 problem documents with stable types",
        ),
        change(
            "src/validation.ts",
            render("validation.ts.tmpl"),
            "zod validates requests and shapes responses",
        ),
        change("src/fields.ts", fields_module(), "field types shared with the SQL CHECKs"),
        change(
            "src/pagination.ts", render("pagination.ts.tmpl"), "keyset pagination, bounded limit"
        ),
        change(
            "src/openapi.ts",
            render("openapi.ts.tmpl", security_scheme=_security(api)),
            "the OpenAPI document, generated from the zod schemas",
        ),
        change(
            "src/migrate.ts",
            render("migrate.ts.tmpl", project=name, no_transaction=NO_TRANSACTION),
            "applies migrations/*.sql once each",
        ),
        change("src/app.ts", app_module(api), "the app factory: hooks, error handlers, routes"),
        change("src/server.ts", render("server.ts.tmpl", project=name), "listens on HOST:PORT"),
    ]
    if plan.users:
        out += [
            change(
                "src/access.ts",
                rules.access_module(plan),
                "who may do what: the brief's roles and rules",
            ),
            change("src/admin.ts", rules.admin_module(), "npm run admin -- grant-role EMAIL ROLE"),
            change("src/passwords.ts", accounts.passwords_module(), "argon2id password hashing"),
            change("src/auth.ts", accounts.auth_module(api), f"{api.auth} authentication"),
            change(
                "src/modules/accounts/schemas.ts",
                accounts.user_schemas(plan),
                "sign-up, log-in and account bodies",
            ),
            change(
                "src/modules/accounts/repository.ts",
                accounts.user_repository(plan),
                "SQL for users and credentials",
            ),
            change(
                "src/modules/accounts/routes.ts",
                accounts.accounts_routes(plan),
                "sign-up, log-in and the account",
            ),
        ]
    for r in api.resources:
        folder = module_dir(r)
        ownership = facts.access_sentence(r.table, api.auth)
        out += [
            change(
                f"{folder}/schemas.ts",
                schemas.resource_schemas(api, r),
                f"{r.name} bodies with the brief's rules",
            ),
            change(
                f"{folder}/repository.ts",
                repositories.repository_module(api, r),
                f"SQL for {r.table.name}",
            ),
            change(
                f"{folder}/service.ts",
                services.service_module(api, r, ownership),
                f"rules for {r.label}",
            ),
            change(
                f"{folder}/routes.ts",
                routes.routes_module(api, r, ownership),
                f"routes under {r.path}",
            ),
        ]
    out += [
        change(
            "test/support/service.ts",
            test_support.service_support(api),
            "a schema per test file, a fresh app per test",
        ),
        change(
            "test/support/factories.ts",
            test_support.factories(api),
            "valid payloads, accounts and assertions",
        ),
        change("test/migrations.test.ts", test_support.migration_tests(), "the migration runner"),
        change(
            "test/errors.test.ts",
            test_support.error_tests(api),
            "problem documents for every failure",
        ),
    ]
    if plan.users:
        out += [
            change(
                "test/auth.test.ts", test_support.auth_tests(api), f"{api.auth} sign-up and log-in"
            ),
            change(
                "test/passwords.test.ts", render("test_passwords.ts.tmpl"), "argon2id and its slots"
            ),
        ]
    for r in api.resources:
        out.append(
            change(suite_file(r), tests.resource_tests(api, r), f"every endpoint of {r.path}")
        )
    return out
