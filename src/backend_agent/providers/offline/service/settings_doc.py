"""The configuration reference, read from `app/settings.py` itself.

Defaults are parsed out of the code on the branch (so the table cannot drift from it);
what each setting means is written once, here. A setting someone added on the branch shows
up too, marked as needing a description.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

MEANING = {
    "environment": "development, test, staging or production (the default); staging and production refuse unsafe values",
    "database_url": "libpq URL of PostgreSQL, e.g. postgresql://app@db:5432/app?sslmode=verify-full",
    "database_pool_min_size": "connections kept open when idle",
    "database_pool_max_size": "most connections per instance (capacity estimate of the architecture)",
    "database_pool_timeout_seconds": "longest a request waits for a free connection before 503",
    "database_statement_timeout_ms": "server-side limit per SQL statement (also bounds idle transactions)",
    "jwt_secret": "HMAC key that signs access tokens; 32+ random characters outside development",
    "jwt_issuer": "`iss` claim written and required in tokens",
    "jwt_ttl_minutes": "lifetime of an access token",
    "session_ttl_hours": "lifetime of a log-in session",
    "session_cookie_secure": "send the session cookie over HTTPS only (required outside development)",
    "password_hash_time_cost": "argon2id iterations",
    "password_hash_memory_kib": "argon2id memory per hash (at least 19456 outside development)",
    "password_hash_parallelism": "argon2id lanes",
    "password_hash_concurrency": "hashes one instance runs at once (each takes a core and its memory)",
    "password_hash_wait_seconds": "longest a sign-in waits for a hashing slot before 503 busy",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "cache_ttl_seconds": "lifetime of a cached GET response; 0 turns the cache off",
    "cache_max_entries": "in-process cache size (least recently used go first)",
    "cache_max_bytes": "in-process cache memory in bytes (least recently used go first); an answer over 1/16 of it is never cached, in Redis either",
    "redis_url": "Redis shared by every instance for rate limits and the cache, e.g. redis://redis:6379/0 (needs the `redis` extra); unset: per process",
    "rate_limit_per_second": "steady requests per second per client address",
    "rate_limit_burst": "requests a client address may send at once",
    "trusted_proxies": 'load balancers whose X-Forwarded-For is believed, as a JSON list of addresses or networks (`["10.0.0.0/8"]`); the client is the rightmost address not in it',
    "auth_attempts_per_minute_per_address": "sign-ups and log-ins per minute from one client address",
    "auth_burst_per_address": "sign-ups and log-ins one client address may send at once",
    "auth_attempts_per_minute_per_account": "sign-ups and log-ins per minute for one email, from anywhere",
    "auth_burst_per_account": "sign-ups and log-ins for one email at once",
    "readiness_timeout_seconds": "how long /readyz waits for the database",
    "host": "address to listen on (0.0.0.0 in a container)",
    "port": "port to listen on",
    "max_body_bytes": "largest request body; larger ones get 413",
    "request_timeout_seconds": "deadline per request; later ones get 504",
    "shutdown_deadline_seconds": "how long SIGTERM waits for requests in flight",
    "cors_origins": "browser origins allowed to call the API, as a JSON list; empty: CORS off",
    "hsts_seconds": "Strict-Transport-Security max-age, sent in staging and production",
    "metrics_enabled": "serve Prometheus metrics",
    "metrics_token": "if set, the metrics answer only `Authorization: Bearer <token>` (32+ random characters outside development)",
    "otel_exporter_otlp_endpoint": "OTLP/HTTP collector to send traces to (needs the `otel` extra); unset: no tracing",
    "otel_service_name": "`service.name` of the traces",
}


@dataclass(frozen=True)
class Setting:
    name: str
    type: str
    default: str | None
    """None: required, no default."""

    @property
    def env(self) -> str:
        return self.name.upper()

    @property
    def meaning(self) -> str:
        return MEANING.get(self.name, "added on the branch: describe it here")


def _shown(value: ast.expr) -> str:
    """A default as an environment variable would spell it: strings without quotes."""
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Constant) and value.value is None:
        return "(unset)"
    return ast.unparse(value)


def _default(value: ast.expr | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, ast.Call) and getattr(value.func, "id", "") == "Field":
        for keyword in value.keywords:
            if keyword.arg == "default":
                return _shown(keyword.value)
            if keyword.arg == "default_factory":
                return {"list": "[]", "dict": "{}"}.get(ast.unparse(keyword.value), "(computed)")
        return None
    return _shown(value)


def settings_of(source: str) -> list[Setting]:
    """The fields of `class Settings` in the given module text ([] if it cannot be read)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    node = next(
        (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings"), None
    )
    if node is None:
        return []
    out = []
    for item in node.body:
        if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
            out.append(Setting(item.target.id, ast.unparse(item.annotation), _default(item.value)))
    return out


def table(settings: list[Setting]) -> list[str]:
    rows = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for s in settings:
        default = "**required**" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{s.env}` | {default} | {s.meaning} |")
    return rows
