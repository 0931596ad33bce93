"""Phase 6's reader-facing documents for the TypeScript target: the README (npm scripts a
Node developer expects), `.env.example`, and the settings read from src/config.ts itself."""

from __future__ import annotations

import re

from ..service.api import Api, endpoints
from ..service.docs import _auth_walkthrough, roles_section
from ..service.problems import CATALOGUE
from ..service.settings_doc import Setting
from ..target import TYPESCRIPT

_FIELD = re.compile(r"^  ([A-Z][A-Z0-9_]*): (.+),(?:\s*//.*)?$")
_DEFAULT = re.compile(r"\.default\((.+?)\)(?:\.|,?$|\s)")


def _shown(raw: str) -> str:
    value = raw.strip()
    if value.startswith('"') and value.endswith('"'):
        return value[1:-1] or '""'
    return value.replace("_", "")


def settings_of(source: str) -> list[Setting]:
    """The keys of `ConfigSchema` in src/config.ts, with their defaults (required: None)."""
    out = []
    inside = False
    for line in source.splitlines():
        if line.startswith("export const ConfigSchema = z.object({"):
            inside = True
            continue
        if inside and line == "});":
            break
        match = _FIELD.match(line) if inside else None
        if not match:
            continue
        name, expression = match.groups()
        default = _DEFAULT.search(expression + " ")
        optional = ".optional()" in expression
        shown = _shown(default.group(1)) if default else ("(unset)" if optional else None)
        out.append(Setting(name.lower(), expression, shown))
    return out


def readme(api: Api, previous: str | None) -> str:
    brief = api.plan.brief
    name = api.name
    db = name.replace("-", "_")
    eps = endpoints(api)
    lines = [
        f"# {name}",
        "",
        f"{brief.project.summary or name}. A Fastify service in TypeScript over PostgreSQL "
        f"with {api.auth_words}; resources: "
        + ", ".join(f"{r.name} (`{r.path}`)" for r in api.resources)
        + ".",
        "",
        "## Run it",
        "",
        "Needs Node.js 20.19+ (or 22), npm and PostgreSQL 13+.",
        "",
        "```sh",
        "npm install                   # then commit package-lock.json; later installs: npm ci",
        f"createdb {db}",
        "cp .env.example .env          # then edit it"
        + ("; it says how to make JWT_SECRET" if api.auth == "jwt" else ""),
        "npm run migrate               # applies migrations/*.sql to DATABASE_URL",
        "npm start                     # builds, then serves on HOST:PORT (127.0.0.1:8000)",
        "```",
        "",
        "`npm start` and `npm run migrate` compile `src/` to `dist/` first (`npm run build`). "
        "The OpenAPI document is at `/openapi.json`.",
        "",
        "| Script | Does |",
        "|---|---|",
        "| `npm run build` | compiles `src/` to `dist/` |",
        "| `npm start` | serves on HOST:PORT; SIGTERM drains requests and exits |",
        "| `npm run migrate` | applies pending migrations (`-- --status` lists them) |",
        "| `npm test` | the vitest suite, against TEST_DATABASE_URL (else DATABASE_URL) |",
        "| `npm run typecheck` | `tsc --noEmit` over src/ and test/ |",
        "| `npm run lint` | ESLint with type-aware rules (floating promises are errors) |",
        "",
        "## Configure",
        "",
        "Settings are environment variables (or lines of `.env`); every one is listed in "
        "[docs/operations.md](docs/operations.md). The ones to set first:",
        "",
        "| Variable | What |",
        "|---|---|",
        "| `DATABASE_URL` | the PostgreSQL database |",
        "| `ENVIRONMENT` | `production` turns on the strict start-up checks |",
    ]
    if api.auth == "jwt":
        lines.append("| `JWT_SECRET` | 32+ random characters that sign access tokens |")
    lines += [
        "| `HOST`, `PORT` | where to listen (`HOST=0.0.0.0` in a container) |",
        "| `CORS_ORIGINS` | browser origins allowed to call the API, comma-separated |",
        "| `REDIS_URL` | share rate limits and the cache between instances |",
        "",
        "## Use it",
        "",
        *_auth_walkthrough(api),
        "",
        "| Method | Path | Who may call it | What |",
        "|---|---|---|---|",
        *[f"| {e.method} | `{e.path}` | {e.access} | {e.summary} |" for e in eps],
        "",
        *roles_section(api, TYPESCRIPT.commands.admin),
        "Lists are newest first and paginated: `?limit=` (1-100, default 20) and "
        "`?cursor=` (the `next_cursor` of the previous page).",
        "",
        "Errors are RFC 9457 problem documents (`application/problem+json`); branch on `type`:",
        "",
        "| Status | type | When |",
        "|---|---|---|",
        *[f"| {p.status} | `urn:{name}:problem:{p.slug}` | {p.when} |" for p in CATALOGUE],
        "",
        "## Test",
        "",
        "The suite runs against a real PostgreSQL; each test file creates a schema of its own, "
        "applies the migrations there and drops it afterwards. With `TEST_REDIS_URL` set it "
        "also tests the Redis-backed limits and cache.",
        "",
        "```sh",
        f"TEST_DATABASE_URL=postgresql://localhost/{db}_test npm test",
        "```",
        "",
        "## Migrate",
        "",
        "`npm run migrate` applies each new file of `migrations/` once, in order, in its own "
        "transaction, and records it in `schema_migrations`; `npm run migrate -- --status` "
        "lists what is pending (exit code 1 when something is). Never edit an applied "
        "migration: add `NNNN_description.sql` with the next number. See "
        "[the migration runbook](docs/runbooks/database-migration.md).",
        "",
        "## Container",
        "",
        "```sh",
        f"docker build -t {name} .",
        f"docker run --rm --env-file .env {name} node dist/migrate.js",
        f"docker run --init -p 8000:8000 --env-file .env {name}",
        "```",
        "",
        "## Layout",
        "",
        "| Path | Holds |",
        "|---|---|",
        "| `src/modules/<resource>/` | `routes.ts` (HTTP), `service.ts` (rules), "
        "`repository.ts` (SQL), `schemas.ts` (zod) |",
        "| `src/infra/` | logs, request ids, cache, rate limits, probes |",
        "| `src/hardening/` | metrics, security headers, CORS, limits, shutdown, unsafe settings |",
        "| `src/config.ts` | every setting, validated at start-up |",
        "| `migrations/` | the schema, as numbered SQL files |",
        "| `test/` | the vitest suite |",
        "",
        "## More",
        "",
        "* [Requirements](docs/requirements.md), [architecture](docs/architecture.md), "
        "[data model](docs/data-model.md), [decisions](docs/adr/)",
        "* [Security review](docs/security-review.md) against the OWASP API Top 10",
        "* [Operations](docs/operations.md) and [runbooks](docs/runbooks/)",
        "",
    ]
    generated = f"# {name}\n\n{brief.project.summary or name}. A Fastify service"
    if previous and previous.strip() and not previous.startswith(generated):
        lines += [
            "## From the earlier README",
            "",
            "_Kept from the README that was on this branch before the service was generated._",
            "",
            previous.strip(),
            "",
        ]
    return "\n".join(lines)


def env_example(api: Api) -> str:
    name = api.name.replace("-", "_")
    lines = [
        f"# Local settings for {api.name}: copy to .env (which is never committed) and edit.",
        "ENVIRONMENT=development",
        f"DATABASE_URL=postgresql://localhost/{name}",
        "HOST=127.0.0.1",
        "PORT=8000",
    ]
    if api.auth == "jwt":
        lines += [
            "# Generate one: node -e \"console.log(require('crypto').randomBytes(48).toString('base64url'))\"",
            "JWT_SECRET=",
        ]
    if api.auth == "session":
        lines.append("SESSION_COOKIE_SECURE=false  # plain http:// in development only")
    lines += [
        "LOG_LEVEL=INFO",
        "# CORS_ORIGINS=http://localhost:5173",
        "# REDIS_URL=redis://localhost:6379",
        "",
    ]
    return "\n".join(lines)
