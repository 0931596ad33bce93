"""Phase 3, service layer: the FastAPI service with its own tests, and the ADRs behind it."""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.migrations import NO_TRANSACTION
from ...core.proposal import FileChange, Proposal
from . import facts
from .adr import Adr, Option, adr_files
from .schema import Plan
from .service import (
    accounts,
    models,
    repositories,
    routers,
    rules,
    services,
    tests_resources,
    tests_support,
)
from .service.api import Api, build_api, endpoints
from .service.problems import catalogue, errors_module
from .service.project import main_module, package_docs, pyproject, settings_module
from .service.render import render
from .target import PYTHON, Target


def _code(path: str, content: str, why: str) -> FileChange:
    kind = "test" if path.startswith("tests/") else "config" if path.endswith(".toml") else "code"
    return FileChange(path=path, action="create", kind=kind, content=content, why=why)


def files(api: Api) -> list[FileChange]:
    plan = api.plan
    name = api.name
    out = [
        _code("pyproject.toml", pyproject(plan), f"how {name} is installed, run and tested"),
        *[_code(p, c, "package docstring") for p, c in package_docs(api).items()],
        _code("app/settings.py", settings_module(plan), "configuration from the environment"),
        _code(
            "app/db.py",
            render("db.py.tmpl", project=name),
            "connection pool; one transaction per request",
        ),
        _code("app/errors.py", errors_module(api), "RFC 9457 problem documents with stable types"),
        _code(
            "app/pagination.py", render("pagination.py.tmpl"), "keyset pagination, bounded limit"
        ),
        _code(
            "app/migrate.py",
            render("migrate.py.tmpl", project=name, no_transaction=NO_TRANSACTION),
            "applies migrations/*.sql once each, in order",
        ),
        _code("app/main.py", main_module(api), "the app factory: routers, error handlers, pool"),
        _code(
            "app/models/__init__.py", models.shared_module(), "patterns shared with the SQL CHECKs"
        ),
        _code(
            "app/repositories/__init__.py",
            render("repositories_init.py.tmpl"),
            "keyset page and SET helpers",
        ),
    ]
    if plan.users:
        out.append(
            _code(
                "app/access.py",
                rules.access_module(plan),
                "who may do what: the brief's roles and access rules, per request",
            )
        )
    if plan.roles:
        out.append(
            _code(
                "app/admin.py",
                rules.admin_module(),
                "grant-role / revoke-role: the brief's roles, held in the database",
            )
        )
    if plan.users:
        out += [
            _code("app/passwords.py", accounts.passwords_module(), "argon2id password hashing"),
            _code(
                "app/auth.py", accounts.auth_module(plan), f"{api.auth} authentication dependencies"
            ),
            _code(
                "app/models/user.py",
                accounts.user_models(plan),
                "sign-up, log-in and account bodies",
            ),
            _code(
                "app/repositories/user.py",
                accounts.user_repository(plan),
                "SQL for users and credentials",
            ),
            _code(
                "app/routers/accounts.py",
                accounts.accounts_router(plan),
                "sign-up, log-in and the account",
            ),
        ]
    for r in api.resources:
        out += [
            _code(
                f"app/models/{r.module}.py",
                models.models_module(api, r),
                f"{r.name} bodies with the brief's rules",
            ),
            _code(
                f"app/repositories/{r.module}.py",
                repositories.repository_module(api, r),
                f"SQL for {r.table.name}",
            ),
            _code(
                f"app/services/{r.module}.py",
                services.service_module(api, r),
                f"rules for {r.label}",
            ),
            _code(
                f"app/routers/{r.module}.py",
                routers.router_module(api, r),
                f"routes under {r.path}",
            ),
        ]
    out += [
        _code(
            "tests/conftest.py",
            tests_support.conftest(api),
            "a real PostgreSQL schema per run, a fresh app per test",
        ),
        _code(
            "tests/factories.py",
            tests_support.factories(api),
            "valid payloads, accounts and assertions",
        ),
        _code("tests/test_migrations.py", tests_support.test_migrations(), "the migration runner"),
        _code(
            "tests/test_errors.py",
            tests_support.test_errors(api),
            "problem documents for every failure",
        ),
    ]
    if plan.users:
        out += [
            _code(
                "tests/test_auth.py", tests_support.test_auth(api), f"{api.auth} sign-up and log-in"
            ),
            _code(
                "tests/test_passwords.py",
                accounts.passwords_test(plan),
                "hashing slots, 503 busy, no connection held while hashing",
            ),
        ]
    for r in api.resources:
        out.append(
            _code(
                r.test_file,
                tests_resources.resource_tests(api, r),
                f"every endpoint of {r.path}",
            )
        )
    return out


STACK_WORDS = {
    "python": {
        "layers": "Routers, services and repositories over plain SQL with psycopg 3",
        "chosen": "Routers → services → repositories, async psycopg 3 pool, hand-written SQL",
        "orm": "SQLAlchemy ORM models and sessions",
        "commit": "one transaction per request, committed when the route returns and before the "
        'response is sent (`Depends(..., scope="function")`), so a client that got 201 '
        "can read its row at once",
        "models": "request models",
        "layout": "Layout: `app/routers/`, `app/services/`, `app/repositories/`, `app/models/` — "
        "one module per resource",
        "default_errors": 'FastAPI\'s default `{"detail": ...}` differs between validation '
        "errors and everything else.",
        "default_option": "FastAPI's default error bodies",
    },
    "typescript": {
        "layers": "Routes, services and repositories over plain SQL with node-postgres",
        "chosen": "Routes → services → repositories, a pg pool, hand-written SQL",
        "orm": "Prisma or TypeORM models and generated clients",
        "commit": "one transaction per request (`transaction()` in src/db.ts), committed before "
        "the handler returns its response, so a client that got 201 can read its row at once",
        "models": "zod schemas",
        "layout": "Layout: `src/modules/<resource>/` with `routes.ts`, `service.ts`, "
        "`repository.ts` and `schemas.ts` — one folder per resource",
        "default_errors": "Fastify's default `{statusCode, error, message}` bodies carry no "
        "stable type and differ from validation errors.",
        "default_option": "Fastify's default error bodies",
    },
}


def adrs(api: Api, target: Target = PYTHON, modules: list[str] | None = None) -> list[Adr]:
    """The service layer's decisions, in the words of `target`; `modules` names each
    resource's module as that target lays it out."""
    brief = api.plan.brief
    modules = modules or [r.module for r in api.resources]
    name = api.name
    words = STACK_WORDS[target.language]
    tables = ", ".join(r.table.name for r in api.resources)
    owned = [r for r in api.resources if r.table.owned]
    records = [
        Adr(
            slug="layered-service-plain-sql",
            title=words["layers"],
            context=f"{name} serves {len(api.resources)} resources ({tables}) from the schema of "
            "phase 2. The code needs a shape where HTTP, rules and SQL can each be read and "
            "tested on their own, and where every query can be checked against the indexes.",
            drivers=[
                "reviewers must see the SQL a request runs",
                f"p99 target: {brief.targets.p99_latency_ms} ms"
                if brief.targets.p99_latency_ms
                else "no latency target given: keep every query on an index",
                "a request's writes commit together, before the client is told they happened",
            ],
            options=[
                Option(
                    words["chosen"],
                    [
                        "every statement is visible and parameterised",
                        "no ORM session semantics to learn",
                    ],
                    ["SQL is written by hand and must be tested against PostgreSQL"],
                ),
                Option(
                    words["orm"],
                    ["less SQL to write"],
                    [
                        "the SQL that runs is implicit",
                        "a second definition of the schema to keep in step",
                    ],
                ),
                Option(
                    "Route functions with inline SQL",
                    ["fewest files"],
                    ["rules and SQL cannot be tested apart", "ownership checks get repeated"],
                ),
            ],
            chosen=words["chosen"],
            because="the schema is already plain SQL from phase 2, and each layer can then be read "
            "on its own: routers speak HTTP, services apply the rules, repositories hold the SQL.",
            good=[
                words["commit"],
                f"{words['models']} and SQL CHECK constraints come from one plan and agree",
            ],
            bad=["new queries need a repository function and a test against a real database"],
            more=f"{words['layout']} ({', '.join(modules)}). The "
            "pool holds "
            f"{facts.pool_size(brief)} connections per instance (from the capacity estimate of "
            f"phase 1); statements are cut off after {facts.statement_timeout_ms(brief)} ms.",
        ),
        Adr(
            slug="problem-details-errors",
            title="Answer every error with an RFC 9457 problem document",
            context=f"Clients of {name} need to tell a validation error from a conflict or a "
            "missing row without parsing English. " + words["default_errors"],
            drivers=[
                "a stable, machine-readable error type",
                "no stack traces or SQL in responses",
                "database constraint violations must name the field",
            ],
            options=[
                Option(
                    "RFC 9457 `application/problem+json` with a type per error",
                    [
                        "a standard clients and gateways understand",
                        "extensible with `errors` and `fields`",
                    ],
                    ["every handler must go through one translation point"],
                ),
                Option(
                    words["default_option"],
                    ["nothing to write"],
                    ["two shapes, no stable type"],
                ),
                Option(
                    "A custom error envelope", ["free form"], ["every client learns a new format"]
                ),
            ],
            chosen="RFC 9457 `application/problem+json` with a type per error",
            because="it is the standard for HTTP API errors and keeps one shape for every failure.",
            good=[
                "types are URNs (`urn:" + name + ":problem:<slug>`): stable identifiers that "
                "never depend on a documentation host",
                "constraint names map to fields, so a duplicate answers 409 with `fields`",
            ],
            bad=["changing a slug is a breaking change for clients; add new ones instead"],
            more="Types: "
            + "; ".join(f"`{p.slug}` ({p.status}) — {p.when}" for p in catalogue(3))
            + ".",
        ),
        Adr(
            slug="keyset-pagination",
            title="Paginate lists with a keyset cursor, newest first",
            context=f"Every list of {name} ({tables}) can grow without bound. Phase 2 indexed "
            "each table for `ORDER BY created_at DESC, id DESC`"
            + (", scoped by owner for owned tables" if owned else "")
            + ".",
            drivers=[
                "constant cost per page however deep",
                "pages that do not shift when rows are added",
            ],
            options=[
                Option(
                    "Keyset cursor on (created_at, id), `limit` 1-100 (default 20)",
                    ["one index range scan per page", "stable under inserts"],
                    ["no jumping to page N"],
                ),
                Option(
                    "LIMIT/OFFSET",
                    ["page numbers"],
                    ["deep pages scan and discard rows", "rows shift between pages"],
                ),
            ],
            chosen="Keyset cursor on (created_at, id), `limit` 1-100 (default 20)",
            because="it matches the indexes of phase 2 and keeps every page as cheap as the first.",
            good=["the cursor is opaque, so its encoding can change without breaking clients"],
            bad=["clients cannot show a total count without a separate query"],
        ),
    ]
    if brief.stack.auth != "none":
        records.append(accounts.password_adr(api.plan))
        records.append(_authorization_adr(api, target))
    return records


def _authorization_adr(api: Api, target: Target) -> Adr:
    plan = api.plan
    roles = ", ".join(f"`{r}`" for r in plan.roles)
    rules = "; ".join(
        f"{r.table.name}: {facts.access_sentence(r.table, api.auth).split('. Anyone')[0]}"
        for r in api.resources
    )
    scope = (
        f"A scope (every row / own rows / public rows) from {target.access_file} in every "
        "repository statement; roles read from `user_roles` per request"
    )
    return Adr(
        slug="authorization-by-rules-in-sql",
        title="Authorize with the brief's access rules in SQL: 404 for rows you cannot see, "
        "403 for rows you can",
        context="The brief says who may create, read, change and delete each entity's rows "
        + (f"and names the roles {roles}" if roles else "and names no roles")
        + f". {rules}.",
        drivers=[
            "ids of rows a caller may not see must reveal nothing",
            "a forgotten check must fail closed",
            "a revoked role must stop working without waiting for a token to expire",
            "references and links must not reach rows the caller may not see or change",
        ],
        options=[
            Option(
                scope,
                [
                    "the database never returns or changes a row the caller may not reach",
                    "403 only where the caller can see the row, so no existence oracle",
                    "a revocation holds from the next request",
                ],
                ["one small query for the caller's roles on requests that need them"],
            ),
            Option(
                "Roles as claims in the access token",
                ["no query for roles"],
                ["a revoked role keeps working until the token expires"],
            ),
            Option(
                "Load the row, then check in code and answer 403",
                ["explicit error"],
                ["403 confirms the id exists", "one missed check leaks data"],
            ),
        ],
        chosen=scope,
        because="it puts each rule where it cannot be skipped and keeps the brief's rules in "
        "one table (`RULES`) a reviewer can compare with the brief.",
        good=[
            "the generated tests check every verb for every kind of caller (anonymous, a "
            "member, the owner, each role) against what the brief allows",
            "a reference or a link to a row the caller cannot see is refused exactly like one "
            "to a row that does not exist",
        ]
        + (
            [
                f"roles are granted and revoked with `{target.commands.admin} grant-role EMAIL "
                "ROLE` / `revoke-role`; there is no HTTP route that hands out roles"
            ]
            if plan.roles
            else []
        ),
        bad=[
            "a cached GET answer made under a role may be served to the same credential for up "
            "to CACHE_TTL_SECONDS after a revocation",
            "rules reach rows through ownership and roles only: 'the buyer of an order sees "
            "its shipment' is not expressible and needs code of its own",
        ],
    )


def summary(api: Api) -> str:
    eps = endpoints(api)
    lines = [
        f"# Service layer for {api.name}",
        "",
        f"A FastAPI service over the phase-2 schema: {len(eps)} endpoints for "
        f"{len(api.resources)} resources, "
        + api.auth_words
        + ", RFC 9457 errors, keyset pagination, and a migration runner. Its own pytest suite "
        "runs against a real PostgreSQL (`TEST_DATABASE_URL`) and covers each endpoint's happy "
        "path, validation, authentication and ownership rules.",
        "",
        "| Method | Path | Who |",
        "|---|---|---|",
        *[f"| {e.method} | `{e.path}` | {e.access} |" for e in eps],
    ]
    return "\n".join(lines)


def propose(brief: Brief, plan: Plan, existing: list[str], day: date) -> Proposal:
    api = build_api(plan)
    changes = files(api)
    changes += adr_files(adrs(api), existing, day)
    questions = []
    if "pyproject.toml" in existing:
        questions.append(
            "The branch already has a pyproject.toml; this phase replaces it with the service's "
            "own. Reject that file if the repository holds another project."
        )
    return Proposal(
        phase="service-layer", summary=summary(api), changes=changes, questions=questions
    )
