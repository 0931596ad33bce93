"""Phases 3-6 of the TypeScript target: each proposes the target's own files and the
decisions both targets share, in this target's words."""

from __future__ import annotations

from datetime import date

from ....core.brief import Brief
from ....core.proposal import FileChange, Proposal
from ...base import BranchReader
from .. import facts, phase3, phase4, phase5, phase6
from ..adr import adr_files
from ..branch_edit import Edit, derive, modification
from ..schema import Plan
from ..service.api import Api, build_api, endpoints, invalidation
from ..service.docs import operations
from ..service.runbooks import runbooks
from ..target import TYPESCRIPT
from . import docs, hardening, infra, layer
from .names import module_dir
from .project import app_module, config_module, package_json, render
from .security import security_review


def propose_service_layer(brief: Brief, plan: Plan, existing: list[str], day: date) -> Proposal:
    api = build_api(plan)
    changes = layer.files(api)
    modules = [module_dir(r).rsplit("/", 1)[1] for r in api.resources]
    changes += adr_files(phase3.adrs(api, TYPESCRIPT, modules), existing, day)
    eps = endpoints(api)
    summary = "\n".join(
        [
            f"# Service layer for {api.name}",
            "",
            f"A Fastify 5 service in strict TypeScript over the phase-2 schema: {len(eps)} "
            f"endpoints for {len(api.resources)} resources, {api.auth_words}, zod schemas for "
            "every request and response (and the OpenAPI document at `/openapi.json` made from "
            "them), RFC 9457 errors, keyset pagination, and a migration runner. Its own vitest "
            "suite runs against a real PostgreSQL (`TEST_DATABASE_URL`): `npm test`.",
            "",
            "| Method | Path | Who |",
            "|---|---|---|",
            *[f"| {e.method} | `{e.path}` | {e.access} |" for e in eps],
        ]
    )
    questions = []
    if "package.json" in existing:
        questions.append(
            "The branch already has a package.json; this phase replaces it with the service's "
            "own. Reject that file if the repository holds another project."
        )
    return Proposal(phase="service-layer", summary=summary, changes=changes, questions=questions)


def _modify(
    api: Api,
    originals: dict[str, str],
    plan_edits: dict[str, list[Edit]],
    branch: dict[str, str],
    why: dict[str, str],
) -> tuple[list[FileChange], list[str]]:
    out, notes = [], []
    for path, original in originals.items():
        kind = "config" if path.endswith(".json") or path == "src/config.ts" else "code"
        change, note = modification(path, original, plan_edits[path], branch, why[path], kind)
        out.append(change)
        if note:
            notes.append(note)
    return out, notes


def _new(files: dict[str, str], why: dict[str, str], prefix: str) -> list[FileChange]:
    return [
        FileChange(
            path=path,
            action="create",
            kind="test" if path.startswith("test/") else "code",
            content=content,
            why=why.get(path)
            or "tests of " + path.removeprefix(prefix).removesuffix(".test.ts").replace("-", " "),
        )
        for path, content in files.items()
    ]


def phase3_originals(api: Api) -> dict[str, str]:
    """Phase 3's files as generated: where edits go when the branch's copy cannot take them."""
    return {
        "src/app.ts": app_module(api),
        "src/config.ts": config_module(api),
        "package.json": package_json(api),
    }


def phase4_edits(api: Api) -> dict[str, list[Edit]]:
    return {
        "src/app.ts": infra.app_edits(),
        "src/config.ts": infra.config_edits(api.plan),
        "package.json": infra.package_edits(),
    }


INFRA_WHY = {
    "src/infra/index.ts": "wires logging, rate limit and cache in request order",
    "src/infra/logging.ts": "JSON log lines stamped with the request id, X-Request-ID in and out",
    "src/infra/clients.ts": "who a request is from, for the cache and the rate limiter",
    "src/infra/cache.ts": "read cache with explicit invalidation (memory or Redis)",
    "src/infra/rate-limit.ts": "token bucket per client, 429 with Retry-After (memory or Redis)",
    "src/infra/auth-limit.ts": "sign-in attempts limited per address and per account",
    "src/infra/health.ts": "/healthz and /readyz",
    "src/app.ts": "installs the infrastructure in buildApp",
    "src/config.ts": "settings for logs, cache, rate limits and readiness",
    "package.json": "ioredis, for REDIS_URL",
}


def propose_infrastructure(
    brief: Brief, plan: Plan, existing: list[str], day: date, branch: BranchReader
) -> Proposal:
    api = build_api(plan)
    originals = phase3_originals(api)
    texts = branch.read_many([p for p in originals if p in existing])
    changes = _new(infra.files(api), INFRA_WHY, "test/infra-")
    modified, notes = _modify(api, originals, phase4_edits(api), texts, INFRA_WHY)
    changes += modified
    changes += adr_files(phase4.adrs(api), existing, day)
    rate, burst = facts.client_rate(brief)
    inv = invalidation(plan)
    summary = "\n".join(
        [
            f"# Infrastructure for {api.name}",
            "",
            "New code lives in `src/infra/`; phase-3 files get only the lines that wire it in "
            "(`src/app.ts`, `src/config.ts`, `package.json`), applied to the branch's current "
            "text so edits made there are kept.",
            "",
            "* **Logs**: pino JSON lines with `request_id`; `X-Request-ID` kept or made, and returned.",
            f"* **Rate limits**: {rate} requests/s per client address, bursts of {burst}; 429 with "
            "`Retry-After` and `RateLimit-*` headers; in Redis when `REDIS_URL` is set.",
            "* **Read cache**: GET responses per credential, 5 s TTL, invalidated on writes:",
            *[
                f"  * a write to `{k}` invalidates {', '.join(f'`{n}`' for n in v)}"
                for k, v in inv.items()
            ],
            "* **Probes**: `/healthz` (liveness), `/readyz` (PostgreSQL answers, not draining).",
            *(["", "**Check before approving:**", "", *[f"* {n}" for n in notes]] if notes else []),
        ]
    )
    return Proposal(phase="infrastructure", summary=summary, changes=changes, questions=notes)


def phase4_originals(api: Api) -> dict[str, str]:
    """What phases 3 and 4 would have committed: the base when the branch cannot take edits."""
    base, earlier = phase3_originals(api), phase4_edits(api)
    out = {
        path: derive(None, base[path], earlier[path]).content
        for path in ("src/app.ts", "src/config.ts")
    }
    out["src/server.ts"] = render("server.ts.tmpl", project=api.name)
    return out


def phase5_edits(api: Api) -> dict[str, list[Edit]]:
    return {
        "src/app.ts": hardening.app_edits(),
        "src/config.ts": hardening.config_edits(api.plan),
        "src/server.ts": hardening.server_edits(),
    }


HARDENING_WHY = {
    "src/hardening/index.ts": "server limits, and the hardening hooks in order",
    "src/hardening/http.ts": "security headers, CORS, the request deadline (504)",
    "src/hardening/metrics.ts": "Prometheus metrics by route template and status",
    "src/hardening/shutdown.ts": "SIGTERM drains requests in flight, then closes the pool",
    "src/hardening/rules.ts": "unsafe settings refused in staging and production",
    "Dockerfile": "a two-stage image that runs node dist/server.js as a non-root user",
    ".dockerignore": "keeps node_modules, tests and .env out of the image",
    "src/app.ts": "installs the hardening in buildApp",
    "src/config.ts": "serving, limits, CORS and metrics settings; unsafe values refused",
    "src/server.ts": "graceful shutdown on SIGTERM",
    "docs/security-review.md": "OWASP API Security Top 10 against this service",
}


def propose_hardening(
    brief: Brief, plan: Plan, existing: list[str], day: date, branch: BranchReader
) -> Proposal:
    api = build_api(plan)
    originals = phase4_originals(api)
    texts = branch.read_many([p for p in originals if p in existing])
    changes = _new(hardening.files(api), HARDENING_WHY, "test/hardening-")
    changes.append(
        FileChange(
            path="docs/security-review.md",
            action="create",
            kind="doc",
            content=security_review(api),
            why=HARDENING_WHY["docs/security-review.md"],
        )
    )
    modified, notes = _modify(api, originals, phase5_edits(api), texts, HARDENING_WHY)
    changes += modified
    if "src/infra/index.ts" not in existing:
        notes.append(
            "src/infra/ is not on the branch (phase 4 was skipped or rejected): the hardening "
            "reads its settings (LOG_LEVEL, rate limits) and /readyz's draining flag, so add "
            "them or adapt src/hardening/."
        )
    changes += adr_files(phase5.adrs(api, TYPESCRIPT), existing, day)
    summary = "\n".join(
        [
            f"# Hardening for {api.name}",
            "",
            "* **Start-up validation**: unsafe settings refused in staging and production, every "
            "problem listed, exit code 2.",
            "* **Graceful shutdown**: `npm start` (or `node dist/server.js`); SIGTERM turns "
            "/readyz to 503, drains requests in flight for up to 20 s, then closes the pool.",
            f"* **Limits**: bodies ≤ 1 MiB (413), requests ≤ {facts.request_timeout_seconds(brief)} s "
            f"(504), statements ≤ {facts.statement_timeout_ms(brief)} ms.",
            "* **Headers**: nosniff, DENY, deny-all CSP, no-store, HSTS outside development; CORS "
            "only for configured origins.",
            f"* **Metrics**: `{api.metrics_path}` in Prometheus text format.",
            "* **Container**: a two-stage Dockerfile; node runs as a non-root user.",
            "* **Security review**: `docs/security-review.md`, OWASP API Top 10 item by item.",
            *(["", "**Check before approving:**", "", *[f"* {n}" for n in notes]] if notes else []),
        ]
    )
    return Proposal(phase="hardening", summary=summary, changes=changes, questions=notes)


def propose_documentation(
    brief: Brief, plan: Plan, existing: list[str], day: date, branch: BranchReader
) -> Proposal:
    api = build_api(plan)
    texts = branch.read_many([p for p in ("README.md", "src/config.ts") if p in existing])
    final = derive(
        None, phase4_originals(api)["src/config.ts"], hardening.config_edits(plan)
    ).content
    settings = docs.settings_of(texts.get("src/config.ts") or final)
    previous = texts.get("README.md")
    files = {
        "README.md": (
            docs.readme(api, previous),
            "run, configure, use, test and migrate the service",
        ),
        ".env.example": (docs.env_example(api), "the settings a developer sets first"),
        "docs/operations.md": (
            operations(api, settings, TYPESCRIPT),
            "configuration reference, metrics, logs, alerts, limits",
        ),
    }
    for path, content in runbooks(api, TYPESCRIPT).items():
        files[path] = (
            content,
            "runbook: " + path.removeprefix("docs/runbooks/").removesuffix(".md").replace("-", " "),
        )
    changes = [
        FileChange(
            path=path,
            action="create",
            kind="config" if path == ".env.example" else "doc",
            content=content,
            why=why,
        )
        for path, (content, why) in files.items()
    ]
    changes += adr_files([phase6.adr(api)], existing, day)
    rate, burst = facts.client_rate(brief)
    summary = "\n".join(
        [
            f"# Documentation for {api.name}",
            "",
            f"* `README.md`: install, migrate, start, use ({len(api.resources)} resources, "
            f"{api.auth_words}), test — the npm scripts a Node developer expects.",
            f"* `docs/operations.md`: {len(settings)} settings read from `src/config.ts`, metrics, "
            f"logs, alerts from the targets, limits ({rate}/s per client, bursts of {burst}).",
            "* `docs/runbooks/`: deploy, rollback, database migration, high error rate, database down.",
        ]
    )
    return Proposal(phase="documentation", summary=summary, changes=changes)
