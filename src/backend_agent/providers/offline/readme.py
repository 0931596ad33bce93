"""The README and `.env.example` text both targets write: what a reader is told about
configuring, calling and reading more about the service is decided here once; each target's
`docs` adds only what is its own (commands, layout, its settings).
"""

from __future__ import annotations

from .service.accounts import cookie_name
from .service.api import Api, endpoints
from .service.problems import ProblemType

PAGINATION = (
    "Lists are newest first and paginated: `?limit=` (1-100, default 20) and "
    "`?cursor=` (the `next_cursor` of the previous page)."
)


def auth_walkthrough(api: Api) -> list[str]:
    base = "http://127.0.0.1:8000"
    first = api.resources[0]
    sample = "'{...}'"
    if api.auth == "jwt":
        return [
            "```sh",
            f"curl -s -X POST {base}/auth/signup -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\'',
            f"TOKEN=$(curl -s -X POST {base}/auth/login -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\' | jq -r .access_token)',
            f'curl -s {base}{first.path} -H "Authorization: Bearer $TOKEN"',
            "```",
        ]
    if api.auth == "api-key":
        return [
            "```sh",
            f"curl -s -X POST {base}/auth/signup -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\'',
            f"KEY=$(curl -s -X POST {base}/auth/keys -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\' | jq -r .key)',
            f'curl -s {base}{first.path} -H "X-API-Key: $KEY"',
            "```",
            "",
            "A key is shown once. Issue more the same way, revoke one with "
            "`DELETE /auth/keys/{key_id}`.",
        ]
    if api.auth == "session":
        return [
            "```sh",
            f"curl -s -X POST {base}/auth/signup -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\'',
            f"curl -s -c jar -X POST {base}/auth/login -H 'Content-Type: application/json' \\",
            '  -d \'{"email": "ada@example.com", "password": "a long passphrase"}\'',
            f"curl -s -b jar {base}{first.path}",
            "```",
            "",
            f"The session lives in the HttpOnly cookie `{cookie_name(api.name)}`; "
            "`POST /auth/logout` ends it.",
        ]
    return [
        "```sh",
        f"curl -s -X POST {base}{first.path} -H 'Content-Type: application/json' -d {sample}",
        "```",
        "",
        '`auth = "none"`: every endpoint is open to anyone.',
    ]


def roles_section(api: Api, admin: str) -> list[str]:
    """The README's roles and how an operator grants them with the target's `admin`."""
    roles = api.plan.brief.roles
    if not roles:
        return []
    return [
        "## Roles",
        "",
        "Every account is a member; these roles add rights (see the table above):",
        "",
        *[f"* `{r.name}`" + (f" — {r.description}" if r.description else "") for r in roles],
        "",
        "An operator grants and revokes them against the database (there is no HTTP route for it):",
        "",
        "```sh",
        f"{admin} grant-role ada@example.com {roles[0].name}",
        f"{admin} revoke-role ada@example.com {roles[0].name}",
        f"{admin} roles ada@example.com",
        "```",
        "",
        "Roles are read from the database on every request that needs them, never from the "
        "token: a revocation holds from the account's next request. A GET answer cached "
        "before it may still be served to the same credential for up to CACHE_TTL_SECONDS.",
        "",
    ]


def configure(api: Api, environment: str, more: list[str]) -> list[str]:
    """The README's settings to set first: the database, `environment`, the JWT secret when
    there is one, where to listen, then the target's `more`."""
    lines = [
        "## Configure",
        "",
        "Settings are environment variables (or lines of `.env`); every one is listed in "
        "[docs/operations.md](docs/operations.md). The ones to set first:",
        "",
        "| Variable | What |",
        "|---|---|",
        "| `DATABASE_URL` | the PostgreSQL database |",
        f"| `ENVIRONMENT` | {environment} |",
    ]
    if api.auth == "jwt":
        lines.append("| `JWT_SECRET` | 32+ random characters that sign access tokens |")
    return [*lines, "| `HOST`, `PORT` | where to listen (`HOST=0.0.0.0` in a container) |", *more]


def endpoint_table(api: Api) -> list[str]:
    return [
        "| Method | Path | Who may call it | What |",
        "|---|---|---|---|",
        *[f"| {e.method} | `{e.path}` | {e.access} | {e.summary} |" for e in endpoints(api)],
    ]


def problem_table(api: Api, problems: list[ProblemType]) -> list[str]:
    return [
        "Errors are RFC 9457 problem documents (`application/problem+json`); branch on `type`:",
        "",
        "| Status | type | When |",
        "|---|---|---|",
        *[f"| {p.status} | `urn:{api.name}:problem:{p.slug}` | {p.when} |" for p in problems],
    ]


MORE = [
    "## More",
    "",
    "* [Requirements](docs/requirements.md), [architecture](docs/architecture.md), "
    "[data model](docs/data-model.md), [decisions](docs/adr/)",
    "* [Security review](docs/security-review.md) against the OWASP API Top 10",
    "* [Operations](docs/operations.md) and [runbooks](docs/runbooks/)",
    "",
]


def earlier_readme(previous: str | None, generated: str) -> list[str]:
    """A README that was on the branch before, unless it is one this generator wrote (it
    starts with `generated`): kept at the end so nothing a person wrote is lost."""
    if not previous or not previous.strip() or previous.startswith(generated):
        return []
    return [
        "## From the earlier README",
        "",
        "_Kept from the README that was on this branch before the service was generated._",
        "",
        previous.strip(),
        "",
    ]


def env_example(api: Api, listen: list[str], jwt_hint: str, tail: list[str]) -> str:
    """`.env.example`: the database, then the target's `listen` lines, the JWT secret (with
    how to make one) or the session cookie's development setting, the log level and the
    target's commented-out `tail`."""
    lines = [
        f"# Local settings for {api.name}: copy to .env (which is never committed) and edit.",
        "ENVIRONMENT=development",
        f"DATABASE_URL=postgresql://localhost/{api.name.replace('-', '_')}",
        *listen,
    ]
    if api.auth == "jwt":
        lines += [f"# Generate one: {jwt_hint}", "JWT_SECRET="]
    if api.auth == "session":
        lines.append("SESSION_COOKIE_SECURE=false  # plain http:// in development only")
    return "\n".join([*lines, "LOG_LEVEL=INFO", *tail, ""])
