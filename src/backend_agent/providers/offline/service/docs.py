"""Phase 6's reader-facing documents: the service README, `.env.example` and
docs/operations.md — each built from the plan, the targets and the code's own settings."""

from __future__ import annotations

from .. import facts
from ..target import PYTHON, Target
from .accounts import cookie_name
from .api import Api, endpoints, invalidation
from .problems import CATALOGUE
from .settings_doc import Setting, table

DEFAULT_AVAILABILITY = "99.5%"


def _auth_walkthrough(api: Api) -> list[str]:
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


def roles_section(api: Api, admin: str = "python -m app.admin") -> list[str]:
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


SIGN_UP_NOTE = (
    "Sign-up answers `202` with the same body whether the email was new or already had an "
    "account (then nothing changes), so nobody can find out who has one; log in to know "
    "it worked. Sign-up and log-in are limited per client address and per email."
)


def readme(api: Api, previous: str | None) -> str:
    brief = api.plan.brief
    name = api.name
    eps = endpoints(api)
    lines = [
        f"# {name}",
        "",
        f"{brief.project.summary or name}. A FastAPI service over PostgreSQL with "
        + api.auth_words
        + f"; resources: {', '.join(f'{r.name} (`{r.path}`)' for r in api.resources)}.",
        "",
        "## Run it",
        "",
        "Needs Python 3.11+ and PostgreSQL 13+.",
        "",
        "```sh",
        "python -m venv .venv && . .venv/bin/activate",
        "pip install -e '.[test]'",
        f"createdb {name.replace('-', '_')}",
        "cp .env.example .env          # then edit it"
        + ("; it says how to make JWT_SECRET" if api.auth == "jwt" else ""),
        "python -m app.migrate         # applies migrations/*.sql",
        "python -m app.serve           # http://127.0.0.1:8000, docs at " + api.docs_path,
        "```",
        "",
        "Or all of it in containers — two replicas behind a load balancer, PostgreSQL, Redis, "
        "the migration run once first:",
        "",
        "```sh",
        (
            "JWT_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))') "
            if api.auth == "jwt"
            else ""
        )
        + "POSTGRES_PASSWORD=... docker compose up --build",
        "```",
        "",
        "## Configure",
        "",
        "Settings are environment variables (or lines of `.env`); every one is listed in "
        "[docs/operations.md](docs/operations.md). The ones to set first:",
        "",
        "| Variable | What |",
        "|---|---|",
        "| `DATABASE_URL` | the PostgreSQL database |",
        "| `ENVIRONMENT` | `production` by default: strict start-up checks (weak secrets refused); "
        "`.env.example` sets `development` for a laptop |",
    ]
    if api.auth == "jwt":
        lines.append("| `JWT_SECRET` | 32+ random characters that sign access tokens |")
    lines += [
        "| `HOST`, `PORT` | where to listen (`HOST=0.0.0.0` in a container) |",
        "| `REDIS_URL` | Redis shared by every instance: rate limits and the cache hold across them |",
        '| `TRUSTED_PROXIES` | the load balancers in front, e.g. `["10.0.0.0/8"]`: the client is the '
        "rightmost X-Forwarded-For address that is not one of them |",
        '| `CORS_ORIGINS` | browser origins allowed to call the API, e.g. `["https://app.example.com"]` |',
        "",
        "## Use it",
        "",
        *_auth_walkthrough(api),
        "",
        *([SIGN_UP_NOTE, ""] if api.auth != "none" else []),
        "| Method | Path | Who may call it | What |",
        "|---|---|---|---|",
        *[f"| {e.method} | `{e.path}` | {e.access} | {e.summary} |" for e in eps],
        "",
        "Lists are newest first and paginated: `?limit=` (1-100, default 20) and "
        "`?cursor=` (the `next_cursor` of the previous page). A list holds the rows the caller "
        "may see; a row they may see but not change answers 403 to a change, one they may not "
        "see answers 404.",
        "",
        *roles_section(api),
        "Errors are RFC 9457 problem documents (`application/problem+json`); branch on `type`:",
        "",
        "| Status | type | When |",
        "|---|---|---|",
        *[
            f"| {p.status} | `urn:{name}:problem:{p.slug}` | {p.when} |"
            for p in CATALOGUE
            if api.auth != "none" or p.slug != "busy"
        ],
        "",
        "## Test",
        "",
        "The suite runs against a real PostgreSQL; it creates a schema of its own and drops it "
        "afterwards:",
        "",
        "```sh",
        f"TEST_DATABASE_URL=postgresql://localhost/{name.replace('-', '_')}_test pytest",
        "```",
        "",
        "## Migrate",
        "",
        "`python -m app.migrate` applies each new file of `migrations/` once, in order, in its "
        "own transaction, and records it in `schema_migrations`; `--status` lists what is "
        "pending (exit code 1 when something is). Never edit an applied migration: add "
        "`NNNN_description.sql` with the next number. See "
        "[the migration runbook](docs/runbooks/database-migration.md).",
        "",
        "## Deploy",
        "",
        "| File | What |",
        "|---|---|",
        "| `Dockerfile` | the image: multi-stage, runs as an unprivileged user, with a health check |",
        "| `compose.yaml` | two replicas behind nginx (`deploy/nginx.conf`), PostgreSQL, Redis; "
        "the migration runs once before the replicas start |",
        "| `deploy/k8s/` | ConfigMap, Secret (shape only), migration Job, Deployment with probes and "
        "resources, Service, HorizontalPodAutoscaler, PodDisruptionBudget |",
        "| `.github/workflows/ci.yml` | lint, the suite against PostgreSQL and Redis, the image |",
        "",
        "On Kubernetes: create the Secret from your secret store, `kubectl apply -f "
        "deploy/k8s/configmap.yaml`, run `migrate-job.yaml` to completion, then apply the rest. "
        "The suite validates all of these files (`tests/test_deploy.py`). Running more than one "
        "instance: [the scale-out runbook](docs/runbooks/scale-out.md).",
        "",
        "## Layout",
        "",
        "| Path | Holds |",
        "|---|---|",
        "| `app/routers/` | HTTP routes, one module per resource |",
        "| `app/services/` | the rules: who may do what, references, links |",
        *(
            ["| `app/access.py` | the brief's access rules and the caller's roles |"]
            if api.plan.users
            else []
        ),
        "| `app/repositories/` | the SQL |",
        "| `app/models/` | request and response bodies with the brief's limits |",
        "| `app/infra/` | logs, request ids, cache, rate limits, Redis, probes |",
        "| `app/hardening/` | metrics, security headers, CORS, body limits, timeouts, tracing |",
        "| `deploy/`, `Dockerfile`, `compose.yaml` | how it is deployed |",
        "| `migrations/` | the schema, as numbered SQL files |",
        "| `tests/` | the test suite |",
        "",
        "## More",
        "",
        "* [Requirements](docs/requirements.md), [architecture](docs/architecture.md), "
        "[data model](docs/data-model.md), [decisions](docs/adr/)",
        "* [Security review](docs/security-review.md) against the OWASP API Top 10",
        "* [Operations](docs/operations.md) and [runbooks](docs/runbooks/)",
        "",
    ]
    if (
        previous
        and previous.strip()
        and not previous.startswith(f"# {name}\n\n{brief.project.summary or name}. A FastAPI")
    ):
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
    ]
    if api.auth == "jwt":
        lines += [
            "# Generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))'",
            "JWT_SECRET=",
        ]
    if api.auth == "session":
        lines.append("SESSION_COOKIE_SECURE=false  # plain http:// in development only")
    lines += [
        "LOG_LEVEL=INFO",
        '# CORS_ORIGINS=["http://localhost:5173"]',
        "# More than one instance: share limits and cache, and name the load balancer.",
        "# REDIS_URL=redis://localhost:6379/0",
        '# TRUSTED_PROXIES=["127.0.0.1"]',
        "# METRICS_TOKEN=",
        "# OTEL_EXPORTER_OTLP_ENDPOINT=http://localhost:4318",
        "",
    ]
    return "\n".join(lines)


def error_budget(api: Api) -> tuple[str, float, bool]:
    given = api.plan.brief.targets.availability
    availability = given or DEFAULT_AVAILABILITY
    return availability, 1 - float(availability.rstrip("%")) / 100, given is not None


def alerts(api: Api) -> list[str]:
    """Alert rules worth setting, with thresholds from the brief's targets."""
    brief = api.plan.brief
    availability, budget, given = error_budget(api)
    fast, slow = budget * 14.4, budget * 6
    p99 = brief.targets.p99_latency_ms
    rps = brief.targets.requests_per_second
    errors = (
        'sum(rate(http_requests_total{status=~"5.."}[%s])) / sum(rate(http_requests_total[%s]))'
    )
    out = [
        f"* **Error budget, fast burn** (page): `{errors % ('1h', '1h')} > {fast:.4f}` — "
        f"at this rate the monthly budget of a {availability} target"
        + ("" if given else " (assumed: the brief gives none)")
        + " is gone in two days.",
        f"* **Error budget, slow burn** (ticket): `{errors % ('6h', '6h')} > {slow:.4f}`.",
    ]
    if p99:
        out.append(
            "* **Latency** (page after 10 min): `histogram_quantile(0.99, sum by (le) "
            f"(rate(http_request_duration_seconds_bucket[5m]))) > {p99 / 1000}` — the p99 "
            f"target is {p99} ms, and {p99 / 1000} s is one of the histogram's buckets."
        )
    out += [
        "* **Not ready** (page): any instance failing `/readyz` for 2 minutes — see "
        "[database down](runbooks/incident-database-down.md).",
        f"* **Pool saturation** (ticket): `db_pool_requests_waiting > 0` for 5 minutes — "
        f"requests queue for one of {facts.pool_size(brief)} connections per instance.",
        '* **Refusals** (ticket): `sum(rate(http_requests_total{status="429"}[10m]))` above 1% '
        "of traffic — a client is hitting the rate limit; check it is not your own front end.",
    ]
    if rps:
        out.append(
            f"* **Capacity** (ticket): `sum(rate(http_requests_total[5m])) > {round(rps * 0.8)}` "
            f"— 80% of the {rps} requests/s the service was sized for."
        )
    return out


PROCESS = {
    "python": "`python -m app.serve` (uvicorn)",
    "typescript": "`npm start` (node dist/server.js)",
}


def access_line(api: Api, target: Target) -> str:
    """One access line as the target's logger writes it."""
    path = api.resources[0].path
    common = (
        f'"request_id": "4bf92f3577b34da6", "method": "GET", "path": "{path}", '
        f'"route": "{path}", "client": "203.0.113.9", "status": 200, "duration_ms": 3.1'
    )
    if target.language == "typescript":
        return (
            f'{{"level": "INFO", "time": "2025-01-01T12:00:00.000Z", "service": "{api.name}", '
            f'{common}, "message": "GET {path} 200"}}'
        )
    return (
        '{"time": "2025-01-01T12:00:00.000+00:00", "level": "INFO", "logger": "app.access", '
        f'"message": "GET {path} 200", {common}}}'
    )


def operations(api: Api, settings: list[Setting], target: Target = PYTHON) -> str:
    brief = api.plan.brief
    availability, budget, given = error_budget(api)
    rate, burst = facts.client_rate(brief)
    inv = invalidation(api.plan)
    retention = brief.targets.data_retention_days
    lines = [
        f"# Operations — {api.name}",
        "",
        "## The process",
        "",
        f"One stateless process per instance: {PROCESS[target.language]} on PORT, talking to "
        f"PostgreSQL through a pool of up to {facts.pool_size(brief)} connections. Run at "
        "least two instances behind a load balancer"
        + (f" to meet {availability} availability" if given else "")
        + "; every instance needs the same settings.",
        "",
        "| Probe | Path | Meaning |",
        "|---|---|---|",
        "| liveness | `/healthz` | the process answers; restart it if not |",
        "| readiness | `/readyz` | PostgreSQL answers within READINESS_TIMEOUT_SECONDS; no traffic if not |",
        "",
        *(
            [
                f"Two instances open up to {2 * facts.pool_size(brief)} connections: more than "
                "PostgreSQL's default `max_connections` (100). Raise it, or put PgBouncer in "
                "transaction mode between the service and the database.",
                "",
            ]
            if 2 * facts.pool_size(brief) >= 100
            else []
        ),
        "Instances share what must hold across them through Redis (REDIS_URL): rate-limit "
        "buckets and the cache's versions and entries. Behind a load balancer, list it in "
        "TRUSTED_PROXIES. See [scaling out](runbooks/scale-out.md).",
        "",
        "After a PostgreSQL restart nothing needs restarting: each request skips pooled "
        "connections the server closed, so requests and `/readyz` recover as soon as it answers.",
        "",
        "On SIGTERM the process stops accepting connections, finishes requests in flight for up to "
        "SHUTDOWN_DEADLINE_SECONDS (20), then closes the pool: give the orchestrator a grace "
        "period of at least 30 s.",
        "",
        "## Configuration reference",
        "",
        "Environment variables (or `.env`); read once at start-up. In staging and production "
        "unsafe values are refused and the process exits with code 2, listing every problem.",
        "",
        *table(settings),
        "",
        "## Metrics",
        "",
        f"`GET {api.metrics_path}` (Prometheus text format; keep it on the internal network):",
        "",
        "| Metric | Type | Labels |",
        "|---|---|---|",
        "| `http_requests_total` | counter | method, route (template), status |",
        "| `http_request_duration_seconds` | histogram | method, route, status |",
        "| `http_requests_in_flight` | gauge | |",
        "| `db_pool_connections` | gauge | state (open, idle) |",
        "| `db_pool_requests_waiting` | gauge | |",
        "",
        "Counters are per process: scrape every instance and `sum` across them. Labels are "
        "bounded: unknown paths are `unmatched`, unknown methods `OTHER`. With METRICS_TOKEN "
        "set, scrapers send `Authorization: Bearer <token>`; others get 401.",
        "",
        "## Traces",
        "",
        "Off by default. Install the `otel` extra and set OTEL_EXPORTER_OTLP_ENDPOINT (an "
        "OTLP/HTTP collector, e.g. `http://otel-collector:4318`): each request is a span, each "
        "SQL statement a child span, probes are not traced; OTEL_SERVICE_NAME names the service.",
        "",
        "## Logs",
        "",
        "JSON lines on stdout, one object per line. Every line a request causes carries its "
        "`request_id`, which is also returned as `X-Request-ID` (and taken from the caller when it "
        "sends a sane one). One access line per request:",
        "",
        "```json",
        access_line(api, target),
        "```",
        "",
        "Request bodies, credentials and query strings are never logged.",
        "",
        "## Alerts worth setting",
        "",
        f"Error budget: {availability} availability leaves {budget:.3%} of requests to fail, about "
        f"{facts.downtime_minutes(availability):.0f} minutes of full outage in a 30-day month.",
        "",
        *alerts(api),
        "",
        "## Limits in force",
        "",
        f"* {rate} requests/s per client address, bursts of {burst} (429 with Retry-After); "
        "shared by all instances with REDIS_URL.",
        *(
            [
                f"* Sign-up and log-in: {facts.AUTH_LIMITS.per_address_per_minute}/min per address "
                f"(bursts of {facts.AUTH_LIMITS.address_burst}) and "
                f"{facts.AUTH_LIMITS.per_account_per_minute}/min per email (bursts of "
                f"{facts.AUTH_LIMITS.account_burst}); at most "
                f"{facts.password_hashing(brief).concurrency} password hashes at once per "
                "instance, 503 `busy` after PASSWORD_HASH_WAIT_SECONDS."
            ]
            if api.auth != "none"
            else []
        ),
        f"* Request bodies: JSON only (415), up to 1 MiB (413); requests up to {facts.request_timeout_seconds(brief)} s "
        f"(504); SQL statements up to {facts.statement_timeout_ms(brief)} ms.",
        "* Read cache: 5 s per entry; a write invalidates "
        + "; ".join(f"`{k}` → {', '.join(v)}" for k, v in inv.items())
        + ". With more than one instance set REDIS_URL so invalidation reaches them all.",
        "",
        "## Data",
        "",
        f"Tables: {', '.join(f'`{t.name}`' for t in api.plan.all_tables)}"
        + (
            f" and join tables {', '.join(f'`{link.name}`' for link in api.plan.links)}"
            if api.plan.links
            else ""
        )
        + ". Back up PostgreSQL with point-in-time recovery; test a restore every quarter.",
        "",
    ]
    if retention:
        lines += [
            f"Retention: the brief keeps data {retention} days. Nothing in the service deletes old "
            "rows yet: schedule a job that deletes rows whose `created_at` is older, in batches, "
            "and keep backups no longer than that.",
            "",
        ]
    lines += [
        "## Runbooks",
        "",
        "* [Deploy](runbooks/deploy.md)",
        "* [Scale out](runbooks/scale-out.md)",
        "* [Roll back](runbooks/rollback.md)",
        "* [Database migration](runbooks/database-migration.md)",
        "* [Incident: high error rate](runbooks/incident-high-error-rate.md)",
        "* [Incident: database down](runbooks/incident-database-down.md)",
        "",
    ]
    return "\n".join(lines)
