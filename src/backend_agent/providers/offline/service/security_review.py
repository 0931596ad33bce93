"""docs/security-review.md: the OWASP API Security Top 10 (2023), item by item, for this
service — what it does, where in the code (`path::symbol`), which tests prove it, and what
is left to the team."""

from __future__ import annotations

from dataclasses import dataclass

from .. import facts
from .accounts import PASSWORD_MAX, PASSWORD_MIN
from .api import Api, Resource
from .rules import read_condition, write_condition
from .tests_resources import others_are_hidden
from .tests_rules import visibility


class Where:
    """Where a defence lives in one target's code (`file::symbol`) and which test proves it;
    each target says it in its own paths, the review's content is shared."""

    CODE: dict[str, str] = {}
    PHRASES: dict[str, str] = {}

    def code(self, key: str) -> str:
        return f"`{self.CODE[key]}`"

    def phrase(self, key: str) -> str:
        return self.PHRASES[key]

    def repo(self, r: Resource, function: str) -> str:
        raise NotImplementedError

    def service(self, r: Resource, method: str) -> str:
        raise NotImplementedError

    def model(self, r: Resource, suffix: str) -> str:
        raise NotImplementedError

    def route(self, r: Resource) -> str:
        raise NotImplementedError

    def test(self, r: Resource, name: str) -> str:
        raise NotImplementedError


class PythonPlaces(Where):
    CODE = {
        "verify_password": "app/passwords.py::Hashing.verify",
        "sign_up": "app/routers/accounts.py::sign_up",
        "auth_limit": "app/infra/auth_limit.py::AuthLimitMiddleware",
        "auth_tests": "tests/test_auth.py",
        "hash_slot_test": "tests/test_passwords.py::"
        "test_a_log_in_waiting_for_a_hash_holds_no_database_connection",
        "auth_limit_tests": "tests/test_infra_auth_limit.py",
        "client_address": "app/infra/clients.py::client_address",
        "content_type": "app/hardening/content_type.py::ContentTypeMiddleware",
        "content_type_test": "tests/test_hardening_http.py::test_bodies_that_are_not_json_get_415",
        "metrics_route": "app/hardening/metrics.py::metrics_route",
        "metrics_token_test": "tests/test_hardening_metrics.py::"
        "test_a_metrics_token_keeps_the_metrics_to_scrapers",
        "metrics_labels_test": "tests/test_hardening_metrics.py::"
        "test_labels_stay_bounded_whatever_clients_send",
        "shared_redis": "app/infra/shared.py::SharedRedis.call",
        "identify": "app/auth.py::optional_user",
        "settings_rules": "app/settings.py::Settings._refuse_unsafe_configuration",
        "weak_secret_test": "tests/test_hardening_settings.py::"
        "test_a_weak_jwt_secret_is_refused_outside_development",
        "revoke_key": "app/routers/accounts.py::revoke_key",
        "log_out": "app/routers/accounts.py::log_out",
        "user_out": "app/models/user.py::UserOut",
        "rate_limit": "app/infra/rate_limit.py::RateLimitMiddleware",
        "body_limit": "app/hardening/body_limit.py::BodyLimitMiddleware",
        "max_limit": "app/pagination.py::MAX_LIMIT",
        "deadline": "app/hardening/timeouts.py::TimeoutMiddleware",
        "db_limits": "app/db.py::conninfo",
        "rate_limit_tests": "tests/test_infra_rate_limit.py",
        "body_limit_test": "tests/test_hardening_http.py::"
        "test_bodies_over_the_limit_get_413_declared_or_streamed",
        "deadline_test": "tests/test_hardening_http.py::test_requests_past_the_deadline_get_504",
        "buckets": "app/infra/rate_limit.py::TokenBuckets",
        "url_pattern": "app/models/__init__.py::URL_PATTERN",
        "security_headers": "app/hardening/security_headers.py::SecurityHeadersMiddleware",
        "hardening": "app/hardening/__init__.py::install",
        "unexpected": "app/errors.py::_on_unexpected",
        "settings_tests": "tests/test_hardening_settings.py",
        "headers_test": "tests/test_hardening_http.py::test_security_headers_are_on_every_answer",
        "cors_test": "tests/test_hardening_http.py::test_cors_answers_configured_origins_only",
        "app": "app/main.py::create_app",
        "redis_store": "app/infra/cache.py::RedisStore",
        "access": "app/access.py",
        "rules": "app/access.py::RULES",
        "may": "app/access.py::may",
        "sees": "app/access.py::sees",
        "grant_role": "app/admin.py::grant_role",
    }
    PHRASES = {
        "strict": '`extra="forbid"`',
        "admin": "`python -m app.admin grant-role EMAIL ROLE` / `revoke-role`",
        "route_auth": "with a dependency (`CurrentUser` or `OptionalUser`), visible in its "
        "signature",
    }

    def repo(self, r: Resource, function: str) -> str:
        return f"`app/repositories/{r.module}.py::{function}`"

    def service(self, r: Resource, method: str) -> str:
        return f"`app/services/{r.module}.py::{r.name}Service.{method}`"

    def model(self, r: Resource, suffix: str) -> str:
        return f"`app/models/{r.module}.py::{r.name}{suffix}`"

    def route(self, r: Resource) -> str:
        return f"`app/routers/{r.module}.py::create_{r.table.singular}`"

    def test(self, r: Resource, name: str) -> str:
        return f"`{r.test_file}::test_{name}`"


@dataclass
class Item:
    code: str
    title: str
    status: str  # handled | partly | not applicable
    does: list[str]
    where: list[str]
    tests: list[str]
    left: list[str]


def _bola(api: Api, at: Where) -> Item:
    scoped = [r for r in api.resources if read_condition(r.table) or write_condition(r.table)]
    shared = [r for r in api.resources if r not in scoped]
    does, where, tests = [], [], []
    if scoped:
        does.append(
            "Rows of "
            + ", ".join(f"`{r.table.name}`" for r in scoped)
            + " are read, changed and deleted only through the caller's scope "
            f"({at.code('access')}: every row, their own, or the public ones) in the SQL itself; a row "
            "the caller cannot see answers 404, exactly like an id that does not exist."
        )
        for r in scoped:
            where += [at.repo(r, fn) for fn in ("get", "update", "delete")]
            tests.append(at.test(r, "each_kind_of_caller_gets_what_the_brief_allows"))
            if others_are_hidden(api, r):
                tests.append(at.test(r, "rows_of_others_are_not_found"))
    for r in [r for r in scoped if r.public]:
        does.append(
            f"`{r.table.name}` rows where {facts.public_words(r.table)} are what plain readers "
            f"see; the others are seen only by {facts.who(r.table.access.managers)}."
        )
        if visibility(api, r):
            tests.append(
                at.test(r, "rows_that_are_not_public_are_seen_only_by_those_who_may_change_them")
            )
    refs = [(r, ref) for r in api.resources for ref in r.references if read_condition(ref.target)]
    if refs:
        does.append(
            "A reference to a row the caller cannot see ("
            + ", ".join(f"`{r.table.name}.{ref.column.api}`" for r, ref in refs)
            + ") is refused as `invalid-reference`, so nobody attaches rows to rows hidden "
            "from them."
        )
        where += sorted({at.service(r, "_check_references") for r, _ in refs})
    links = [(r, e) for r in api.resources for e in r.links if e.writes]
    if links and api.auth != "none":
        does.append(
            "Linking requires the right to change both rows: "
            + ", ".join(f"`{e.link.name}`" for _, e in links)
            + "."
        )
        where += sorted({at.service(r, f"link_{e.far.singular}") for r, e in links})
    if shared and api.auth != "none":
        does.append(
            ", ".join(f"`{r.table.name}`" for r in shared)
            + " are read by anyone, as the brief's rules say."
        )
    status = "handled" if scoped else "not applicable"
    left = [
        "Rules reach rows through their owner and roles only: 'the buyer of an order sees its "
        "shipment' (visibility through a relation) needs code of its own."
    ]
    if api.auth == "none":
        status = "not applicable"
        does = ['`auth = "none"`: every row is public and anyone may change it, as the brief asks.']
        where, tests = [], []
        left = ["Do not store personal data in this service while it has no authentication."]
    return Item("API1:2023", "Broken Object Level Authorization", status, does, where, tests, left)


def _authentication(api: Api, at: Where) -> Item:
    auth = api.auth
    if auth == "none":
        return Item(
            "API2:2023",
            "Broken Authentication",
            "not applicable",
            ['The brief sets `auth = "none"`; there are no credentials to break.'],
            [],
            [],
            ["Add authentication before anything in it is private."],
        )
    h = facts.password_hashing(api.plan.brief)
    limits = facts.AUTH_LIMITS
    does = [
        f"Passwords are hashed with argon2id ({h.memory_kib // 1024} MiB, {h.time_cost} passes: "
        f"OWASP's baseline) and must be {PASSWORD_MIN}-{PASSWORD_MAX} characters; production "
        "refuses a weaker hash setting.",
        f"At most {h.concurrency} hashes run at once per instance; a sign-in that waits "
        f"{h.wait_seconds:g} s for a slot gets 503 `busy`, and no route holds a database "
        "connection while it hashes, so a log-in flood cannot exhaust memory or the pool.",
        "Log-in costs the same for an unknown email as for a wrong password and answers the "
        "same `invalid-credentials`; sign-up answers 202 with the same body whether the email "
        "is new or taken. Accounts cannot be enumerated by timing or wording.",
        f"Sign-up and log-in are limited per client address ({limits.per_address_per_minute}/min, "
        f"bursts of {limits.address_burst}) and per account ({limits.per_account_per_minute}/min, "
        f"bursts of {limits.account_burst}), on top of the limit every route has.",
    ]
    where = [at.code(k) for k in ("verify_password", "sign_up", "auth_limit")]
    tests = [at.code(k) for k in ("auth_tests", "hash_slot_test", "auth_limit_tests")]
    if auth == "jwt":
        does.append(
            "Access tokens are HS256 JWTs with `exp`, `iat`, `iss` required and checked; they live "
            "30 minutes (JWT_TTL_MINUTES). Production refuses a JWT_SECRET shorter than 32 "
            "characters or with little variety."
        )
        where += [at.code("identify"), at.code("settings_rules")]
        tests += [at.code("weak_secret_test")]
        left = ["Tokens cannot be revoked before they expire; add a deny list if that matters."]
    elif auth == "api-key":
        does.append(
            "API keys carry 256 random bits; only a SHA-256 of the secret is stored and compared "
            "in constant time; keys are revoked one by one."
        )
        where += [at.code("identify"), at.code("revoke_key")]
        left = ["Keys do not expire on their own: ask clients to rotate them."]
    else:
        does.append(
            "Sessions are random 256-bit tokens in an HttpOnly, SameSite=Lax cookie (Secure "
            "outside development, enforced at start-up); only their SHA-256 is stored; log-out "
            "deletes the session."
        )
        where += [at.code("identify"), at.code("log_out")]
        left = ["Sessions last SESSION_TTL_HOURS (7 days) with no idle timeout."]
    left.append("No email verification or password reset yet (out of scope in the requirements).")
    return Item("API2:2023", "Broken Authentication", "handled", does, where, tests, left)


def _properties(api: Api, at: Where) -> Item:
    return Item(
        "API3:2023",
        "Broken Object Property Level Authorization",
        "handled",
        [
            f"Every request model refuses unknown fields ({at.phrase('strict')}): a client cannot "
            "set `id`, `owner_id` or the timestamps (mass assignment).",
            "Response models list their fields explicitly: `owner_id` and password hashes are "
            "never serialised.",
        ],
        [at.model(api.resources[0], "Create")] + ([at.code("user_out")] if api.plan.users else []),
        [at.test(api.resources[0], "fields_the_client_may_not_set_are_refused")],
        [],
    )


def _consumption(api: Api, at: Where) -> Item:
    brief = api.plan.brief
    rate, burst = facts.client_rate(brief)
    return Item(
        "API4:2023",
        "Unrestricted Resource Consumption",
        "handled",
        [
            f"Token-bucket rate limit per client address: {rate}/s, bursts of {burst}; 429 with "
            "Retry-After. The address is the rightmost X-Forwarded-For hop not in "
            "TRUSTED_PROXIES, so a client cannot pick its own bucket; with REDIS_URL the "
            "buckets are shared by every instance.",
            "Request bodies over MAX_BODY_BYTES (1 MiB) are refused with 413, even when chunked; "
            "bodies that are not JSON with 415.",
            "Every list is paginated; `limit` is at most 100.",
            f"Requests are cancelled after {facts.request_timeout_seconds(brief)} s (504); SQL "
            f"statements after {facts.statement_timeout_ms(brief)} ms; idle transactions too.",
            f"The database pool is bounded ({facts.pool_size(brief)} connections) and a request "
            "waits at most 5 s for one (503).",
        ],
        [
            at.code(k)
            for k in (
                "rate_limit",
                "client_address",
                "body_limit",
                "content_type",
                "max_limit",
                "deadline",
                "db_limits",
            )
        ],
        [
            at.code(k)
            for k in ("rate_limit_tests", "body_limit_test", "content_type_test", "deadline_test")
        ],
        [
            "Without REDIS_URL rate limits are per instance: with N instances a client gets up "
            "to N times the rate. Set it whenever more than one instance runs.",
            "List exactly the load balancers in TRUSTED_PROXIES; behind one that is not listed, "
            "every client shares the balancer's bucket.",
        ],
    )


def _functions(api: Api, at: Where) -> Item:
    plan = api.plan
    if api.auth == "none":
        return Item(
            "API5:2023",
            "Broken Function Level Authorization",
            "not applicable",
            ['`auth = "none"`: there are no accounts, so every function is everyone\'s.'],
            [],
            [],
            ["Add authentication and roles before any function should be limited."],
        )
    rules = "; ".join(
        f"`{r.table.name}`: create {facts.who(r.table.access.create)}, change "
        f"{facts.who(r.table.access.update)}, delete {facts.who(r.table.access.delete)}"
        for r in api.resources
    )
    does = [
        f"Each verb of each table allows exactly the groups the brief names ({at.code('rules')}): "
        f"{rules}. A route answers 401 without credentials when the verb "
        "needs an account, 403 to a caller who may see the row but not do this, 404 to one "
        "who may not see it.",
    ]
    where = [at.code(k) for k in ("rules", "may", "sees")]
    if plan.roles:
        does.append(
            f"Roles ({', '.join(f'`{r}`' for r in plan.roles)}) live in `user_roles`, are read "
            "on each request that needs them (never from the token), and are granted and "
            f"revoked only with {at.phrase('admin')}: a revocation holds from the account's next "
            "request (a GET answered from the read cache before it may be served to the same "
            "credential for up to CACHE_TTL_SECONDS)."
        )
        where.append(at.code("grant_role"))
    tests = [at.test(r, "each_kind_of_caller_gets_what_the_brief_allows") for r in api.resources]
    open_ = [
        r.table.name
        for r in api.resources
        if r.table.entity is not None and r.table.entity.access is None and not r.table.owned
    ]
    left = []
    if open_:
        left.append(
            "The brief gives "
            + ", ".join(f"`{n}`" for n in open_)
            + " no access rule, so any signed-in account may create, change and delete them; "
            "if only some people should, add `access` (and a role) to the brief."
        )
    if not plan.roles:
        left.append(
            "The brief names no roles: nothing is limited to staff or admins. Add `[[roles]]` "
            "and `access` to the brief for functions only some people may use."
        )
    moves = facts.shared_moves(plan)
    left += moves
    status = "handled" if plan.roles and not open_ and not moves else "partly"
    return Item(
        "API5:2023", "Broken Function Level Authorization", status, does, where, tests, left
    )


def _flows(api: Api, at: Where) -> Item:
    return Item(
        "API6:2023",
        "Unrestricted Access to Sensitive Business Flows",
        "partly",
        [
            "Sign-up and every create ("
            + ", ".join(f"`POST {r.path}`" for r in api.resources)
            + ") are limited only by the per-address rate limit.",
        ],
        [at.code("buckets")],
        [],
        [
            "Decide which flows are sensitive for the business (bulk sign-ups, scraping public "
            "lists) and add stricter per-route limits or bot checks there.",
        ],
    )


def _ssrf(api: Api, at: Where) -> Item:
    urls = [f"`{r.table.name}.{c.api}`" for r in api.resources for c in r.fields if c.kind == "url"]
    does = ["The service never makes outbound HTTP requests."]
    if urls:
        does.append(
            "URL fields (" + ", ".join(urls) + ") are validated as http(s) and stored as text; "
            "nothing fetches them."
        )
    return Item(
        "API7:2023",
        "Server Side Request Forgery",
        "not applicable",
        does,
        [at.code("url_pattern")] if urls else [],
        [],
        [
            "If a feature ever fetches stored URLs (previews, webhooks), resolve and allow-list "
            "hosts first, and refuse private address ranges."
        ],
    )


def _misconfiguration(api: Api, at: Where) -> Item:
    return Item(
        "API8:2023",
        "Security Misconfiguration",
        "handled",
        [
            "Settings are validated at start-up; in staging and production unsafe values are "
            "refused with every problem listed (exit code 2). ENVIRONMENT defaults to "
            "production, so a machine that does not say it is for development gets the checks.",
            "Security headers on every response: nosniff, DENY framing, no referrer, a "
            "deny-all CSP for API responses, `Cache-Control: no-store`, HSTS outside development.",
            "CORS is off unless CORS_ORIGINS lists origins; `*` is refused in production.",
            "Errors are problem documents without stack traces or SQL; details go to the log "
            "with the request id.",
        ],
        [at.code(k) for k in ("settings_rules", "security_headers", "hardening", "unexpected")],
        [at.code(k) for k in ("settings_tests", "headers_test", "cors_test")],
        ["TLS terminates in front of the service (load balancer or ingress); keep it there."],
    )


def _inventory(api: Api, at: Where) -> Item:
    return Item(
        "API9:2023",
        "Improper Inventory Management",
        "partly",
        [
            f"The OpenAPI document (`/openapi.json`, browsable at `{api.docs_path}`) is generated "
            "from the code, so it lists exactly the routes that exist.",
            f"Operational routes are `/healthz`, `/readyz` and `{api.metrics_path}`; the metrics "
            "route can be turned off (METRICS_ENABLED) or kept to scrapers with METRICS_TOKEN, and "
            "its labels stay bounded whatever methods and paths clients send.",
        ],
        [at.code("app"), at.code("metrics_route")],
        [at.code("metrics_token_test"), at.code("metrics_labels_test")],
        [
            f"Expose `{api.metrics_path}` (or set METRICS_TOKEN) and the docs only on the internal network.",
            "Version the API (e.g. `/v1`) before a second client depends on it.",
        ],
    )


def _consumption_of_apis(api: Api, at: Where) -> Item:
    return Item(
        "API10:2023",
        "Unsafe Consumption of APIs",
        "not applicable",
        [
            "The service consumes no third-party API. Its dependencies are PostgreSQL and, when "
            "configured, Redis; values read back from them are validated by the response models.",
            "Redis is a help, not a dependency: when it fails, limits and caching fall back to "
            "the process for a second at a time and requests keep being answered.",
        ],
        [at.code("redis_store"), at.code("shared_redis")],
        [],
        ["Use `sslmode=verify-full` in DATABASE_URL and a TLS `rediss://` URL across networks."],
    )


def review(api: Api, at: Where | None = None) -> str:
    at = at or PythonPlaces()
    items = [
        _bola(api, at),
        _authentication(api, at),
        _properties(api, at),
        _consumption(api, at),
        _functions(api, at),
        _flows(api, at),
        _ssrf(api, at),
        _misconfiguration(api, at),
        _inventory(api, at),
        _consumption_of_apis(api, at),
    ]
    lines = [
        f"# Security review — {api.name}",
        "",
        "Checked against the [OWASP API Security Top 10 (2023)](https://owasp.org/API-Security/). "
        "Each item says what the service does, where (`file::symbol`), which generated tests "
        "prove it, and what is left to decide. Review it again whenever an endpoint is added.",
        "",
        "| Item | Status |",
        "|---|---|",
        *[f"| {i.code} {i.title} | {i.status} |" for i in items],
        "",
    ]
    for item in items:
        lines += [f"## {item.code} {item.title} — {item.status}", ""]
        lines += [f"* {d}" for d in item.does]
        if item.where:
            lines += ["", "Where: " + "; ".join(item.where) + "."]
        if item.tests:
            lines += ["", "Proved by: " + "; ".join(item.tests) + "."]
        if item.left:
            lines += ["", "Left to the team:", "", *[f"* {x}" for x in item.left]]
        lines.append("")
    lines += [
        "## What the brief left open",
        "",
        "The service enforces what the brief states; these it does not state, so nothing "
        "above covers them:",
        "",
        *[f"* {x}" for x in facts.left_open(api.plan)],
        "",
    ]
    return "\n".join(lines)
