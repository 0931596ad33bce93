"""Targets: the languages the offline generator writes a service in, and the words for them.

Every target renders the one relational plan (`plan.py`) and the one HTTP shape
(`service/api.py`); phases 1-2 (ADRs, SQL) are shared, phases 3-6 are each target's own.
Documents that both targets write (architecture, ADRs, runbooks) take the few words that
differ — the framework, the driver, the commands — from here.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...core.brief import Brief


@dataclass(frozen=True)
class Commands:
    install: str
    migrate: str
    migrate_status: str
    serve: str
    test: str
    admin: str
    """Grants and revokes roles: `{admin} grant-role EMAIL ROLE`."""


@dataclass(frozen=True)
class Target:
    id: str
    language: str
    framework: str
    driver: str
    """The PostgreSQL client and its pool, as prose."""
    validation: str
    test_runner: str
    commands: Commands
    errors_file: str
    access_file: str
    auth_file: str
    settings_file: str
    main_file: str
    infra_dir: str
    hardening_dir: str
    migrations_test: str


PYTHON = Target(
    id="python-fastapi",
    language="python",
    framework="FastAPI",
    driver="psycopg 3",
    validation="pydantic",
    test_runner="pytest",
    commands=Commands(
        install="pip install -e '.[test]'",
        migrate="python -m app.migrate",
        migrate_status="python -m app.migrate --status",
        serve="python -m app.serve",
        test="TEST_DATABASE_URL=... pytest",
        admin="python -m app.admin",
    ),
    errors_file="app/errors.py",
    access_file="app/access.py",
    auth_file="app/auth.py",
    settings_file="app/settings.py",
    main_file="app/main.py",
    infra_dir="app/infra/",
    hardening_dir="app/hardening/",
    migrations_test="tests/test_migrations.py",
)

TYPESCRIPT = Target(
    id="typescript-fastify",
    language="typescript",
    framework="Fastify",
    driver="node-postgres (pg)",
    validation="zod",
    test_runner="vitest",
    commands=Commands(
        install="npm ci",
        migrate="npm run migrate",
        migrate_status="npm run migrate -- --status",
        serve="npm start",
        test="TEST_DATABASE_URL=... npm test",
        admin="npm run admin --",
    ),
    errors_file="src/errors.ts",
    access_file="src/access.ts",
    auth_file="src/auth.ts",
    settings_file="src/config.ts",
    main_file="src/app.ts",
    infra_dir="src/infra/",
    hardening_dir="src/hardening/",
    migrations_test="test/migrations.test.ts",
)

TARGETS = {t.id: t for t in (PYTHON, TYPESCRIPT)}
NODE_FRAMEWORKS = ("fastify", "express")


def target_for(brief: Brief) -> Target:
    """`[stack] language` picks the target (with `auto`, a Node framework picks TypeScript);
    anything else gets Python, and the architecture phase asks about the stack."""
    language, framework = brief.stack.language, brief.stack.framework
    node = language == "typescript" or (language == "auto" and framework in NODE_FRAMEWORKS)
    return TYPESCRIPT if node else PYTHON


def unsupported_stack(brief: Brief) -> str | None:
    """A question for phase 1 when the brief asks for a stack no target writes exactly."""
    language, framework = brief.stack.language, brief.stack.framework
    target = target_for(brief)
    wanted = {"python": "fastapi", "typescript": "fastify"}
    if language in ("auto", target.language) and framework in ("auto", wanted[target.language]):
        return None
    return (
        f"The brief asks for {language}/{framework}; the offline generator writes "
        f"{target.language}/{target.framework.lower()} (target `{target.id}`). Use the "
        "Anthropic provider for that stack, or change `[stack]`."
    )
