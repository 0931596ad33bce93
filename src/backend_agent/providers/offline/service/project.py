"""The generated service's frame: pyproject.toml, settings, the app factory, package files."""

from __future__ import annotations

import json

from .. import facts
from ..schema import Plan
from .api import Api

SERVICE_DEPENDENCIES = [
    "fastapi>=0.121",  # Depends(scope="function"): commit before the response is sent
    "uvicorn>=0.30",
    "psycopg[binary]>=3.2",
    "psycopg-pool>=3.2",
    "pydantic>=2.7",
    "pydantic-settings>=2.3",
]
TEST_DEPENDENCIES = ["pytest>=8", "httpx>=0.27", "httpx2>=2"]


def dependencies(plan: Plan) -> list[str]:
    auth = plan.brief.stack.auth
    out = list(SERVICE_DEPENDENCIES)
    if auth != "none":
        out.append("argon2-cffi>=23.1")
    if auth == "jwt":
        out.append("pyjwt>=2.8")
    return out


def pyproject(plan: Plan) -> str:
    brief = plan.brief

    def array(items: list[str]) -> str:
        return "[\n" + "".join(f'    "{i}",\n' for i in items) + "]"

    return "\n".join(
        [
            "[build-system]",
            'requires = ["hatchling>=1.24"]',
            'build-backend = "hatchling.build"',
            "",
            "[project]",
            f'name = "{brief.project.name}"',
            'version = "0.1.0"',
            f"description = {json.dumps(brief.project.summary or brief.project.name)}",
            'requires-python = ">=3.11"',
            f"dependencies = {array(dependencies(plan))}",
            "",
            "[project.optional-dependencies]",
            f"test = {array(TEST_DEPENDENCIES)}",
            "",
            "[tool.hatch.build.targets.wheel]",
            'packages = ["app"]',
            "",
            "[tool.pytest.ini_options]",
            'testpaths = ["tests"]',
            "",
            "[tool.ruff]",
            "line-length = 100",
            "",
            "[tool.ruff.lint]",
            'select = ["E", "F", "W", "I", "B", "UP"]',
            'ignore = ["E501"]  # SQL and messages read better unbroken',
            "",
            "[tool.ruff.lint.isort]",
            'known-first-party = ["app", "factories"]',
            "",
        ]
    )


def settings_module(plan: Plan) -> str:
    brief = plan.brief
    auth = brief.stack.auth
    pool = facts.pool_size(brief)
    statement = facts.statement_timeout_ms(brief)
    lines = [
        f'"""Configuration of {brief.project.name}, read once at start-up from the environment.',
        "",
        "Each setting is the environment variable of the same name in upper case "
        "(DATABASE_URL, ...), or a line of `.env`. Defaults are the production values, "
        "ENVIRONMENT included: a machine that does not say it is for development gets the "
        "strict start-up checks. The database URL"
        + (" and the JWT secret have" if auth == "jwt" else " has")
        + " no default, so the service refuses to start without "
        + ("them." if auth == "jwt" else "it."),
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Literal",
        "",
        "from pydantic import Field" + (", SecretStr" if auth == "jwt" else ""),
        "from pydantic_settings import BaseSettings, SettingsConfigDict",
        "",
        "",
        "class Settings(BaseSettings):",
        '    model_config = SettingsConfigDict(env_file=".env", extra="ignore")',
        "",
        '    environment: Literal["development", "test", "staging", "production"] = "production"',
        '    database_url: str = Field(description="libpq URL of the PostgreSQL database")',
        "    database_pool_min_size: int = Field(default=1, ge=0)",
        f"    database_pool_max_size: int = Field(default={pool}, ge=1)",
        "    database_pool_timeout_seconds: float = Field(default=5.0, gt=0)",
        f"    database_statement_timeout_ms: int = Field(default={statement}, ge=0)",
    ]
    if auth == "jwt":
        lines += [
            '    jwt_secret: SecretStr = Field(min_length=1, description="HMAC key for access tokens")',
            f'    jwt_issuer: str = "{brief.project.name}"',
            "    jwt_ttl_minutes: int = Field(default=30, ge=1, le=1440)",
        ]
    if auth == "session":
        lines += [
            "    session_ttl_hours: int = Field(default=168, ge=1)",
            "    session_cookie_secure: bool = True",
        ]
    if auth != "none":
        h = facts.password_hashing(brief)
        lines += [
            "    # argon2id cost (OWASP's baseline) and how many hashes run at once; see the",
            "    # password-hashing ADR for how they follow from the throughput target. Tests lower them.",
            f"    password_hash_time_cost: int = Field(default={h.time_cost}, ge=1)",
            f"    password_hash_memory_kib: int = Field(default={h.memory_kib}, ge=8)",
            f"    password_hash_parallelism: int = Field(default={h.parallelism}, ge=1)",
            f"    password_hash_concurrency: int = Field(default={h.concurrency}, ge=1)",
            f"    password_hash_wait_seconds: float = Field(default={h.wait_seconds}, gt=0)",
        ]
    return "\n".join(lines) + "\n"


def router_modules(api: Api) -> list[str]:
    return (["accounts"] if api.auth != "none" else []) + [r.module for r in api.resources]


def main_module(api: Api) -> str:
    brief = api.plan.brief
    routers = router_modules(api)
    return "\n".join(
        [
            f'"""The {brief.project.name} API: {brief.project.summary or brief.project.name}.',
            "",
            "`create_app()` builds the application from settings; serve it with",
            "`uvicorn --factory app.main:create_app`.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from collections.abc import AsyncIterator",
            "from contextlib import asynccontextmanager",
            "",
            "from fastapi import FastAPI",
            "",
            "from .db import create_pool",
            "from .errors import install_error_handlers",
            *[f"from .routers import {m} as {m}_routes" for m in sorted(routers)],
            "from .settings import Settings",
            "",
            f"ROUTERS = ({', '.join(m + '_routes' for m in routers)},)",
            "",
            "",
            "@asynccontextmanager",
            "async def lifespan(app: FastAPI) -> AsyncIterator[None]:",
            "    pool = create_pool(app.state.settings)",
            "    await pool.open(wait=False)",
            "    app.state.pool = pool",
            "    try:",
            "        yield",
            "    finally:",
            "        await pool.close()",
            "",
            "",
            "def create_app(settings: Settings | None = None) -> FastAPI:",
            "    settings = settings or Settings()",
            "    app = FastAPI(",
            f'        title="{brief.project.name}",',
            '        version="0.1.0",',
            f"        description={json.dumps(brief.project.summary or brief.project.name)},",
            "        lifespan=lifespan,",
            f'        docs_url="{api.docs_path}",',
            "    )",
            "    app.state.settings = settings",
            "    install_error_handlers(app)",
            "    for module in ROUTERS:",
            "        app.include_router(module.router)",
            "    return app",
            "",
        ]
    )


def package_docs(api: Api) -> dict[str, str]:
    name = api.name
    return {
        "app/__init__.py": f'"""{name}: {api.plan.brief.project.summary or "the service"}."""\n',
        "app/routers/__init__.py": '"""HTTP routes, one module per resource; no SQL here."""\n',
        "app/services/__init__.py": '"""Domain rules, one module per resource; no HTTP here."""\n',
    }
