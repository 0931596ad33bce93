"""docs/security-review.md: the OWASP API Security Top 10 (2023), item by item, for this
service — what it does, where in the code (`path::symbol`), which tests prove it, and what
is left to the team."""

from __future__ import annotations

from dataclasses import dataclass

from .. import facts
from .accounts import PASSWORD_MAX, PASSWORD_MIN
from .api import Api
from .rules import read_condition, write_condition
from .tests_resources import others_are_hidden
from .tests_rules import visibility


@dataclass
class Item:
    code: str
    title: str
    status: str  # handled | partly | not applicable
    does: list[str]
    where: list[str]
    tests: list[str]
    left: list[str]


def _bola(api: Api) -> Item:
    scoped = [r for r in api.resources if read_condition(r.table) or write_condition(r.table)]
    shared = [r for r in api.resources if r not in scoped]
    does, where, tests = [], [], []
    if scoped:
        does.append(
            "Rows of "
            + ", ".join(f"`{r.table.name}`" for r in scoped)
            + " are read, changed and deleted only through the caller's scope "
            "(`app/access.py`: every row, their own, or the public ones) in the SQL itself; a row "
            "the caller cannot see answers 404, exactly like an id that does not exist."
        )
        for r in scoped:
            where += [
                f"`app/repositories/{r.module}.py::{fn}`" for fn in ("get", "update", "delete")
            ]
            tests.append(f"`{r.test_file}::test_each_kind_of_caller_gets_what_the_brief_allows`")
            if others_are_hidden(api, r):
                tests.append(f"`{r.test_file}::test_rows_of_others_are_not_found`")
    for r in [r for r in scoped if r.public]:
        does.append(
            f"`{r.table.name}` rows where {facts.public_words(r.table)} are what plain readers "
            f"see; the others are seen only by {facts.who(r.table.access.managers)}."
        )
        if visibility(api, r):
            tests.append(
                f"`{r.test_file}::"
                "test_rows_that_are_not_public_are_seen_only_by_those_who_may_change_them`"
            )
    refs = [(r, ref) for r in api.resources for ref in r.references if read_condition(ref.target)]
    if refs:
        does.append(
            "A reference to a row the caller cannot see ("
            + ", ".join(f"`{r.table.name}.{ref.column.api}`" for r, ref in refs)
            + ") is refused as `invalid-reference`, so nobody attaches rows to rows hidden "
            "from them."
        )
        where += sorted(
            {f"`app/services/{r.module}.py::{r.name}Service._check_references`" for r, _ in refs}
        )
    links = [(r, e) for r in api.resources for e in r.links if e.writes]
    if links and api.auth != "none":
        does.append(
            "Linking requires the right to change both rows: "
            + ", ".join(f"`{e.link.name}`" for _, e in links)
            + "."
        )
        where += sorted(
            {
                f"`app/services/{r.module}.py::{r.name}Service.link_{e.far.singular}`"
                for r, e in links
            }
        )
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


def _authentication(api: Api) -> Item:
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
    where = [
        "`app/passwords.py::Hashing.verify`",
        "`app/routers/accounts.py::sign_up`",
        "`app/infra/auth_limit.py::AuthLimitMiddleware`",
    ]
    tests = [
        "`tests/test_auth.py`",
        "`tests/test_passwords.py::test_a_log_in_waiting_for_a_hash_holds_no_database_connection`",
        "`tests/test_infra_auth_limit.py`",
    ]
    if auth == "jwt":
        does.append(
            "Access tokens are HS256 JWTs with `exp`, `iat`, `iss` required and checked; they live "
            "30 minutes (JWT_TTL_MINUTES). Production refuses a JWT_SECRET shorter than 32 "
            "characters or with little variety."
        )
        where += [
            "`app/auth.py::optional_user`",
            "`app/settings.py::Settings._refuse_unsafe_configuration`",
        ]
        tests += [
            "`tests/test_hardening_settings.py::test_a_weak_jwt_secret_is_refused_outside_development`"
        ]
        left = ["Tokens cannot be revoked before they expire; add a deny list if that matters."]
    elif auth == "api-key":
        does.append(
            "API keys carry 256 random bits; only a SHA-256 of the secret is stored and compared "
            "in constant time; keys are revoked one by one."
        )
        where += ["`app/auth.py::optional_user`", "`app/routers/accounts.py::revoke_key`"]
        left = ["Keys do not expire on their own: ask clients to rotate them."]
    else:
        does.append(
            "Sessions are random 256-bit tokens in an HttpOnly, SameSite=Lax cookie (Secure "
            "outside development, enforced at start-up); only their SHA-256 is stored; log-out "
            "deletes the session."
        )
        where += ["`app/auth.py::optional_user`", "`app/routers/accounts.py::log_out`"]
        left = ["Sessions last SESSION_TTL_HOURS (7 days) with no idle timeout."]
    left.append("No email verification or password reset yet (out of scope in the requirements).")
    return Item("API2:2023", "Broken Authentication", "handled", does, where, tests, left)


def _properties(api: Api) -> Item:
    return Item(
        "API3:2023",
        "Broken Object Property Level Authorization",
        "handled",
        [
            'Every request model refuses unknown fields (`extra="forbid"`): a client cannot set '
            "`id`, `owner_id` or the timestamps (mass assignment).",
            "Response models list their fields explicitly: `owner_id` and password hashes are "
            "never serialised.",
        ],
        [f"`app/models/{api.resources[0].module}.py::{api.resources[0].name}Create`"]
        + (["`app/models/user.py::UserOut`"] if api.plan.users else []),
        [f"`{api.resources[0].test_file}::test_fields_the_client_may_not_set_are_refused`"],
        [],
    )


def _consumption(api: Api) -> Item:
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
            "`app/infra/rate_limit.py::RateLimitMiddleware`",
            "`app/infra/clients.py::client_address`",
            "`app/hardening/body_limit.py::BodyLimitMiddleware`",
            "`app/hardening/content_type.py::ContentTypeMiddleware`",
            "`app/pagination.py::MAX_LIMIT`",
            "`app/hardening/timeouts.py::TimeoutMiddleware`",
            "`app/db.py::conninfo`",
        ],
        [
            "`tests/test_infra_rate_limit.py`",
            "`tests/test_hardening_http.py::test_bodies_over_the_limit_get_413_declared_or_streamed`",
            "`tests/test_hardening_http.py::test_bodies_that_are_not_json_get_415`",
            "`tests/test_hardening_http.py::test_requests_past_the_deadline_get_504`",
        ],
        [
            "Without REDIS_URL rate limits are per instance: with N instances a client gets up "
            "to N times the rate. Set it whenever more than one instance runs.",
            "List exactly the load balancers in TRUSTED_PROXIES; behind one that is not listed, "
            "every client shares the balancer's bucket.",
        ],
    )


def _functions(api: Api) -> Item:
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
        "Each verb of each table allows exactly the groups the brief names (`RULES` in "
        f"`app/access.py`): {rules}. A route answers 401 without credentials when the verb "
        "needs an account, 403 to a caller who may see the row but not do this, 404 to one "
        "who may not see it.",
    ]
    where = ["`app/access.py::RULES`", "`app/access.py::may`", "`app/access.py::sees`"]
    if plan.roles:
        does.append(
            f"Roles ({', '.join(f'`{r}`' for r in plan.roles)}) live in `user_roles`, are read "
            "on each request that needs them (never from the token), and are granted and "
            "revoked only with `python -m app.admin grant-role EMAIL ROLE` / `revoke-role`: "
            "a revocation holds from the account's next request (a GET answered from the read "
            "cache before it may be served to the same credential for up to CACHE_TTL_SECONDS)."
        )
        where.append("`app/admin.py::grant_role`")
    tests = [
        f"`{r.test_file}::test_each_kind_of_caller_gets_what_the_brief_allows`"
        for r in api.resources
    ]
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


def _flows(api: Api) -> Item:
    return Item(
        "API6:2023",
        "Unrestricted Access to Sensitive Business Flows",
        "partly",
        [
            "Sign-up and every create ("
            + ", ".join(f"`POST {r.path}`" for r in api.resources)
            + ") are limited only by the per-address rate limit.",
        ],
        ["`app/infra/rate_limit.py::TokenBuckets`"],
        [],
        [
            "Decide which flows are sensitive for the business (bulk sign-ups, scraping public "
            "lists) and add stricter per-route limits or bot checks there.",
        ],
    )


def _ssrf(api: Api) -> Item:
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
        ["`app/models/__init__.py::URL_PATTERN`"] if urls else [],
        [],
        [
            "If a feature ever fetches stored URLs (previews, webhooks), resolve and allow-list "
            "hosts first, and refuse private address ranges."
        ],
    )


def _misconfiguration(api: Api) -> Item:
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
        [
            "`app/settings.py::Settings._refuse_unsafe_configuration`",
            "`app/hardening/security_headers.py::SecurityHeadersMiddleware`",
            "`app/hardening/__init__.py::install`",
            "`app/errors.py::_on_unexpected`",
        ],
        [
            "`tests/test_hardening_settings.py`",
            "`tests/test_hardening_http.py::test_security_headers_are_on_every_answer`",
            "`tests/test_hardening_http.py::test_cors_answers_configured_origins_only`",
        ],
        ["TLS terminates in front of the service (load balancer or ingress); keep it there."],
    )


def _inventory(api: Api) -> Item:
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
        ["`app/main.py::create_app`", "`app/hardening/metrics.py::metrics_route`"],
        [
            "`tests/test_hardening_metrics.py::test_a_metrics_token_keeps_the_metrics_to_scrapers`",
            "`tests/test_hardening_metrics.py::test_labels_stay_bounded_whatever_clients_send`",
        ],
        [
            f"Expose `{api.metrics_path}` (or set METRICS_TOKEN) and the docs only on the internal network.",
            "Version the API (e.g. `/v1`) before a second client depends on it.",
        ],
    )


def _consumption_of_apis(api: Api) -> Item:
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
        ["`app/infra/cache.py::RedisStore`", "`app/infra/shared.py::SharedRedis.call`"],
        [],
        ["Use `sslmode=verify-full` in DATABASE_URL and a TLS `rediss://` URL across networks."],
    )


def review(api: Api) -> str:
    items = [
        _bola(api),
        _authentication(api),
        _properties(api),
        _consumption(api),
        _functions(api),
        _flows(api),
        _ssrf(api),
        _misconfiguration(api),
        _inventory(api),
        _consumption_of_apis(api),
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
