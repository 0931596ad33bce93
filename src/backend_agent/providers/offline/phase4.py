"""Phase 4, infrastructure: logs with request ids, a read cache, rate limits, health probes.

Everything new lives in `app/infra/`; the phase-3 files get only the lines that wire it in
(an import and a call in `create_app`, settings fields, the `redis` extra), applied to the
text on the branch so a person's edits to those files survive.
"""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.proposal import FileChange, Proposal
from ..base import BranchReader
from . import facts
from .adr import Adr, Option, adr_files
from .branch_edit import modification
from .schema import Plan
from .service import infra
from .service.api import Api, build_api
from .service.project import main_module, pyproject, settings_module

EDITED = ("app/main.py", "app/settings.py", "pyproject.toml")


def originals(api: Api) -> dict[str, str]:
    """Phase 3's files as generated: where edits go when the branch's copy cannot take them."""
    return {
        "app/main.py": main_module(api),
        "app/settings.py": settings_module(api.plan),
        "pyproject.toml": pyproject(api.plan),
    }


def edits(api: Api) -> dict[str, list]:
    return {
        "app/main.py": infra.main_edits(),
        "app/settings.py": infra.settings_edits(api.plan),
        "pyproject.toml": infra.pyproject_edits(),
    }


def changes(api: Api, branch: dict[str, str]) -> tuple[list[FileChange], list[str]]:
    out = []
    for path, content in infra.files(api).items():
        kind = "test" if path.startswith("tests/") else "code"
        out.append(
            FileChange(path=path, action="create", kind=kind, content=content, why=_why(path))
        )
    notes = []
    plan_edits = edits(api)
    for path, original in originals(api).items():
        change, note = modification(
            path,
            original,
            plan_edits[path],
            branch,
            _why(path),
            "config" if path.endswith(".toml") else "code",
        )
        out.append(change)
        if note:
            notes.append(note)
    return out, notes


WHY = {
    "app/infra/__init__.py": "wires logging, rate limits and cache in request order",
    "app/infra/logging.py": "JSON log lines stamped with the request id",
    "app/infra/request_id.py": "X-Request-ID in and out, one access line per request",
    "app/infra/clients.py": "who a request is from: credential hash, address behind trusted proxies",
    "app/infra/shared.py": "Redis shared by every instance, with a per-process fallback",
    "app/infra/cache.py": "read cache with explicit invalidation (memory or Redis)",
    "app/infra/rate_limit.py": "token bucket per client (memory or Redis), 429 with Retry-After",
    "app/infra/auth_limit.py": "sign-up and log-in limited per address and per account",
    "app/infra/health.py": "/healthz and /readyz",
    "app/main.py": "installs the infrastructure in create_app",
    "app/settings.py": "settings for logs, cache, rate limits, trusted proxies and readiness",
    "pyproject.toml": "the optional redis extra; fakeredis for the cache and limit tests",
}


def _why(path: str) -> str:
    if path.startswith("tests/"):
        return "tests of " + path.removeprefix("tests/test_infra_").removesuffix(".py").replace(
            "_", " "
        )
    return WHY[path]


def adrs(api: Api) -> list[Adr]:
    brief = api.plan.brief
    limits = facts.AUTH_LIMITS
    name = api.name
    inv = infra.invalidation(api.plan)
    rate, burst = facts.client_rate(brief)
    rps = brief.targets.requests_per_second
    spread = [f"`{k}` → {', '.join(v)}" for k, v in inv.items() if len(v) > 1]
    return [
        Adr(
            slug="read-cache-with-explicit-invalidation",
            title="Cache GET responses per credential; invalidate by namespace on every write",
            context=f"Reads of {name} ({', '.join(r.path for r in api.resources)}) repeat far more "
            "often than writes"
            + (
                f", and the p99 target is {brief.targets.p99_latency_ms} ms"
                if brief.targets.p99_latency_ms
                else ""
            )
            + ". A cache must never show a person stale data after their own write, and never "
            "show one person's rows to another.",
            drivers=[
                "read-your-writes for the client that wrote",
                "owned rows are private: cached entries must not cross credentials",
                "one instance works without extra services; several instances share state",
            ],
            options=[
                Option(
                    "Namespace versions bumped by writes, entries keyed by version + credential + URL",
                    [
                        "invalidation is explicit and O(1): no key scans",
                        "works the same in memory or Redis",
                    ],
                    ["a write invalidates the whole namespace, not just the rows it touched"],
                ),
                Option("TTL only", ["simplest"], ["stale reads after writes, up to the TTL"]),
                Option("No cache", ["nothing to get wrong"], ["every read hits PostgreSQL"]),
                Option(
                    "HTTP caching only (ETag, Cache-Control)",
                    ["clients and CDNs do the work"],
                    ["still one query per validation; private data limits shared caches"],
                ),
            ],
            chosen="Namespace versions bumped by writes, entries keyed by version + credential + URL",
            because="it keeps read-your-writes on one instance without tracking which rows a "
            "response contains, and the same two operations map onto Redis for several instances.",
            good=[
                "a write bumps its namespace before its response is sent, so the writer's next "
                "read cannot hit the old version",
                "relations are followed: "
                + (
                    "; ".join(spread)
                    if spread
                    else "no resource's writes reach another's responses in this brief"
                ),
            ],
            bad=[
                "in-process (the default) each instance invalidates only itself: with several "
                "instances set REDIS_URL, or a read may be stale for up to CACHE_TTL_SECONDS (5 s)",
                "while Redis is unreachable reads skip the cache, and a write's invalidation can "
                "be lost: entries cached before it stay up to CACHE_TTL_SECONDS",
            ],
        ),
        Adr(
            slug="per-client-rate-limits",
            title=f"Limit each client to {rate} requests/s with bursts of {burst}, shared "
            "across instances through Redis",
            context=(
                f"The throughput target is {rps} requests/s for the whole service. "
                if rps
                else "The brief sets no throughput target. "
            )
            + "One client — a bug in a loop, a scraper, a credential-stuffing run against "
            "/auth — must not take the capacity everyone else needs. The service runs as "
            "several instances behind a load balancer, so a limit kept by each instance alone "
            "would let a client through once per instance, and every request would seem to "
            "come from the balancer.",
            drivers=[
                "a single client cannot exhaust the service, however many instances there are",
                "the client is who really sent the request, not the proxy, and a client cannot "
                "choose who it claims to be",
                "clients can see their budget and back off before they are refused",
                "probes keep working under load",
            ],
            options=[
                Option(
                    "Token buckets per client address in Redis (in process without it), "
                    "RateLimit-* headers, client from the rightmost untrusted X-Forwarded-For hop",
                    [
                        "one limit for a client across all instances",
                        "buckets are refilled by Redis's clock: the instances' clocks do not matter",
                        "the service still limits (per process) when Redis is away",
                    ],
                    ["a Redis round trip per request"],
                ),
                Option(
                    "Token buckets in each process",
                    ["no extra service"],
                    ["N instances allow N times the rate"],
                ),
                Option("Fixed window counter", ["simple"], ["double bursts at window edges"]),
                Option(
                    "Limits at the API gateway only",
                    ["one place"],
                    ["not there when running without one"],
                ),
            ],
            chosen="Token buckets per client address in Redis (in process without it), "
            "RateLimit-* headers, client from the rightmost untrusted X-Forwarded-For hop",
            because=(
                f"{rate} requests/s is 5% of the {rps}/s target"
                if rps and rate == round(rps / 20)
                else f"{rate} requests/s is the floor that keeps a page load's fan-out working"
            )
            + f", and a burst of {burst} covers a page load; both are settings "
            "(RATE_LIMIT_PER_SECOND, RATE_LIMIT_BURST). The address is the connection's peer "
            "unless that peer is listed in TRUSTED_PROXIES; then X-Forwarded-For is read from the "
            "right, each trusted hop handing over to the address it forwarded for, and the first "
            "untrusted address is the client — the entries a client can write itself are never "
            "used.",
            good=[
                "buckets are keyed by address, not by the credential a request claims: made-up "
                "tokens cannot mint fresh buckets, and neither can made-up X-Forwarded-For entries",
                "429 answers carry Retry-After and a problem document (`rate-limited`)",
                *(
                    [
                        "sign-up and log-in have their own, tighter buckets per address "
                        f"({limits.per_address_per_minute}/min, bursts of {limits.address_burst}) "
                        f"and per account ({limits.per_account_per_minute}/min, bursts of "
                        f"{limits.account_burst}), taken before any password is hashed"
                    ]
                    if api.auth != "none"
                    else []
                ),
            ],
            bad=[
                "clients behind one NAT share a bucket",
                "TRUSTED_PROXIES must list the load balancers exactly: too wide, and a client "
                "inside the range could claim any address",
                *(
                    [
                        "a per-account limit lets someone slow down another person's log-ins by "
                        "guessing at their email; the person still gets in once the attempts stop"
                    ]
                    if api.auth != "none"
                    else []
                ),
            ],
        ),
        Adr(
            slug="json-logs-and-request-ids",
            title="Log JSON lines to stdout, each with the request's id",
            context=f"When a request to {name} fails, operators need every line it caused, across "
            "the proxy and the service, without grepping free text.",
            drivers=[
                "one id across systems",
                "machine-parseable logs",
                "no log agent configuration per format",
            ],
            options=[
                Option(
                    "JSON lines on stdout with X-Request-ID propagation",
                    ["any log shipper parses it", "the id links proxy, service and client reports"],
                    ["less readable in a terminal than plain text"],
                ),
                Option(
                    "Plain text logs", ["readable"], ["parsing rules per format", "ids get lost"]
                ),
                Option(
                    "Full distributed tracing (OpenTelemetry) now",
                    ["spans and timings"],
                    ["a collector to run before the first deploy"],
                ),
            ],
            chosen="JSON lines on stdout with X-Request-ID propagation",
            because="it gives every log line the request id today and leaves tracing as an "
            "addition, not a rewrite.",
            good=[
                "an incoming X-Request-ID is kept when it is sane (≤128 safe characters), so a "
                "proxy's id flows through",
                "one access line per request with method, route, status and duration",
            ],
            bad=["request bodies are not logged: reproduce from the id and the access line"],
            more="Probes: `/healthz` answers while the process runs; `/readyz` answers 200 only "
            "when PostgreSQL answers `SELECT 1` within READINESS_TIMEOUT_SECONDS, else 503 "
            "`not-ready`, so a deploy or a database outage drains the instance instead of "
            "restarting it.",
        ),
    ]


def summary(api: Api, notes: list[str]) -> str:
    inv = infra.invalidation(api.plan)
    rate, burst = facts.client_rate(api.plan.brief)
    lines = [
        f"# Infrastructure for {api.name}",
        "",
        "New code lives in `app/infra/`; phase-3 files get only the lines that wire it in "
        "(`app/main.py`, `app/settings.py`, `pyproject.toml`), applied to the branch's "
        "current text so edits made there are kept.",
        "",
        "* **Logs**: JSON lines with `request_id` (no terminal colour codes); `X-Request-ID` "
        "kept or made, and returned.",
        f"* **Rate limits**: {rate} requests/s per client address, bursts of {burst}; 429 with "
        "`Retry-After` and `RateLimit-*` headers. The client is the rightmost X-Forwarded-For "
        "address that is not one of TRUSTED_PROXIES."
        + (
            " Sign-up and log-in also have limits per address and per account."
            if api.auth != "none"
            else ""
        ),
        "* **Several instances**: with REDIS_URL set, rate-limit buckets and the cache live in "
        "Redis, so limits hold across instances and a write invalidates every instance's reads; "
        "without it (or while Redis is away) each process keeps its own.",
        "* **Read cache**: GET responses per credential, 5 s TTL, invalidated on writes:",
        *[
            f"  * a write to `{k}` invalidates {', '.join(f'`{n}`' for n in v)}"
            for k, v in inv.items()
        ],
        "* **Probes**: `/healthz` (liveness), `/readyz` (PostgreSQL answers); like every "
        "request it skips pooled connections a database restart killed, so it recovers by "
        "itself.",
    ]
    if notes:
        lines += ["", "**Check before approving:**", "", *[f"* {n}" for n in notes]]
    return "\n".join(lines)


def propose(
    brief: Brief, plan: Plan, existing: list[str], day: date, branch: BranchReader
) -> Proposal:
    api = build_api(plan)
    texts = branch.read_many([p for p in EDITED if p in existing])
    files, notes = changes(api, texts)
    files += adr_files(adrs(api), existing, day)
    return Proposal(
        phase="infrastructure", summary=summary(api, notes), changes=files, questions=notes
    )
