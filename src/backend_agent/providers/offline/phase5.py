"""Phase 5, hardening: start-up validation, graceful shutdown, limits, timeouts, security
headers, CORS, metrics, and the security review.

New code lives in `app/hardening/` and `app/serve.py`; `app/main.py` and `app/settings.py`
get only their wiring lines, applied to the text on the branch.
"""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.proposal import FileChange, Proposal
from ..base import BranchReader
from . import facts, phase4
from .adr import Adr, Option, adr_files
from .branch_edit import derive, modification
from .schema import Plan
from .service import hardening
from .service.api import Api, build_api
from .service.security_review import review
from .target import PYTHON, Target

WHY = {
    "app/hardening/__init__.py": "places the hardening middleware around the infrastructure",
    "app/hardening/security_headers.py": "nosniff, DENY, CSP, no-store, HSTS",
    "app/hardening/body_limit.py": "413 for bodies over MAX_BODY_BYTES",
    "app/hardening/content_type.py": "415 for bodies that are not JSON",
    "app/hardening/tracing.py": "optional OpenTelemetry tracing over OTLP/HTTP",
    "pyproject.toml": "the optional otel extra; deployment validators for the tests",
    "Dockerfile": "multi-stage image, unprivileged, with a health check",
    ".dockerignore": "keeps secrets and tests out of the image build",
    "compose.yaml": "two replicas behind nginx, PostgreSQL, Redis, one migration first",
    "deploy/nginx.conf": "the compose load balancer",
    "deploy/k8s/configmap.yaml": "settings that are not secrets",
    "deploy/k8s/secret.example.yaml": "the shape of the Secret (placeholders only)",
    "deploy/k8s/deployment.yaml": "replicas with probes, resources and a graceful stop",
    "deploy/k8s/service.yaml": "the Service in front of the replicas",
    "deploy/k8s/hpa.yaml": "autoscaling from two replicas on CPU",
    "deploy/k8s/pdb.yaml": "drains leave one replica serving",
    "deploy/k8s/migrate-job.yaml": "migrations as a Job, serialised by the runner's advisory lock",
    ".github/workflows/ci.yml": "lint, tests against PostgreSQL and Redis, the image",
    "app/hardening/timeouts.py": "504 past REQUEST_TIMEOUT_SECONDS",
    "app/hardening/metrics.py": "Prometheus metrics by route and status",
    "app/serve.py": "uvicorn with a graceful shutdown deadline; refuses bad settings",
    "app/main.py": "installs the hardening in create_app",
    "app/settings.py": "serving, limits, CORS and metrics settings; unsafe values refused",
    "docs/security-review.md": "OWASP API Security Top 10 against this service",
}


EDITED = ("app/main.py", "app/settings.py", "pyproject.toml")


def originals(api: Api) -> dict[str, str]:
    """What phases 3 and 4 would have committed: the base when the branch cannot take edits."""
    base = phase4.originals(api)
    earlier = phase4.edits(api)
    return {path: derive(None, base[path], earlier[path]).content for path in EDITED}


def changes(api: Api, branch: dict[str, str]) -> tuple[list[FileChange], list[str]]:
    out = []
    for path, content in hardening.files(api).items():
        kind = "test" if path.startswith("tests/") else "code" if path.endswith(".py") else "config"
        why = WHY.get(path) or "tests of " + path.removeprefix(
            "tests/test_hardening_"
        ).removesuffix(".py")
        out.append(FileChange(path=path, action="create", kind=kind, content=content, why=why))
    out.append(
        FileChange(
            path="docs/security-review.md",
            action="create",
            kind="doc",
            content=review(api),
            why=WHY["docs/security-review.md"],
        )
    )
    notes = []
    edits = {
        "app/main.py": hardening.main_edits(),
        "app/settings.py": hardening.settings_edits(api.plan),
        "pyproject.toml": hardening.pyproject_edits(),
    }
    for path, original in originals(api).items():
        kind = "config" if path.endswith(".toml") else "code"
        change, note = modification(path, original, edits[path], branch, WHY[path], kind)
        out.append(change)
        if note:
            notes.append(note)
    return out, notes


SETTINGS_WORDS = {
    "python": {
        "settings": "pydantic-settings with a validator that is strict in staging and production",
        "env": "Read os.environ where needed",
        "metrics_library": "prometheus_client",
    },
    "typescript": {
        "settings": "a zod schema over the environment, with rules that are strict in staging and "
        "production",
        "env": "Read process.env where needed",
        "metrics_library": "prom-client",
    },
}


def adrs(api: Api, target: Target = PYTHON) -> list[Adr]:
    words = SETTINGS_WORDS[target.language]
    brief = api.plan.brief
    name = api.name
    request_s = facts.request_timeout_seconds(brief)
    statement = facts.statement_timeout_ms(brief)
    p99 = brief.targets.p99_latency_ms
    availability = brief.targets.availability
    return [
        Adr(
            slug="timeouts-and-graceful-shutdown",
            title=f"Layer the timeouts ({statement} ms per statement, {request_s} s per request) "
            "and drain on SIGTERM within 20 s",
            context=f"{name} runs behind a load balancer and is redeployed often"
            + (f"; its availability target is {availability}" if availability else "")
            + (f" and its p99 target {p99} ms" if p99 else "")
            + ". A stuck query or a restart must not turn into dropped requests or exhausted "
            "connections.",
            drivers=[
                "deploys must not fail requests that are already running",
                "a slow dependency must free its worker and connection",
                "each limit must fail before the one outside it, with its own error",
            ],
            options=[
                Option(
                    "Statement timeout < request deadline < shutdown deadline, all settings",
                    [
                        "each failure is reported by the layer that caused it",
                        "bounded resource use",
                    ],
                    ["limits must be tuned together (start-up refuses inconsistent ones)"],
                ),
                Option(
                    "Rely on client and proxy timeouts",
                    ["nothing to write"],
                    ["the server keeps working for clients that left"],
                ),
                Option(
                    "Kill on SIGTERM",
                    ["fast restarts"],
                    ["in-flight requests fail on every deploy"],
                ),
            ],
            chosen="Statement timeout < request deadline < shutdown deadline, all settings",
            because=f"ten times the p99 budget ({statement} ms) marks a query as broken, the "
            f"request deadline ({request_s} s) leaves room for two such statements, and 20 s of "
            "draining fits a default 30 s termination grace period."
            if p99
            else f"without a latency target, {statement} ms per statement and {request_s} s per "
            "request are conservative starting points, and 20 s of draining fits a default 30 s "
            "termination grace period.",
            good=[
                f"`{target.commands.serve}` stops accepting, finishes in-flight requests, then "
                "closes the pool; tested by sending SIGTERM to a real server process",
                "a timed-out request answers 504 `timeout`; a cancelled statement frees its "
                "connection",
            ],
            bad=["requests longer than the deadline (exports, reports) need a job queue instead"],
        ),
        Adr(
            slug="refuse-unsafe-configuration",
            title="Validate settings at start-up and refuse unsafe ones outside development",
            context=f"{name} reads its configuration from the environment. A missing variable or "
            "a development value left in production (a short "
            + ("JWT secret" if api.auth == "jwt" else "setting")
            + ", `*` CORS, cheap password hashing) must stop the deploy, not weaken it silently.",
            drivers=["fail at deploy time, not at the first request", "list every problem at once"],
            options=[
                Option(
                    words["settings"],
                    ["types, ranges and cross-checks in one place", "development stays convenient"],
                    ["the environment name itself must be set correctly"],
                ),
                Option(
                    words["env"],
                    ["no dependency"],
                    ["errors surface late and one at a time"],
                ),
            ],
            chosen=words["settings"],
            because="it turns every configuration mistake into one clear start-up error (exit "
            f"code 2 from `{target.commands.serve}`).",
            good=[
                "the settings class is the configuration reference (docs/operations.md lists it)"
            ],
            bad=[
                "ENVIRONMENT=development in production would skip the strict checks: set it in the deploy manifest"
            ],
        ),
        Adr(
            slug="prometheus-metrics",
            title="Expose Prometheus metrics by route template and status",
            context=f"Operators of {name} need request rates, error rates and latency per route to "
            "alert on the targets"
            + (f" (p99 ≤ {p99} ms)" if p99 else "")
            + ", without adding an agent to the service.",
            drivers=[
                "bounded label cardinality",
                "no extra process",
                "latency buckets that include the target",
            ],
            options=[
                Option(
                    f"A small in-process registry served at `{api.metrics_path}` in the text format",
                    ["no dependency", "labels are route templates, never raw paths"],
                    ["per-process counters: scrape every instance"],
                ),
                Option(
                    words["metrics_library"],
                    ["full client library"],
                    ["multiprocess mode needs a shared directory"],
                ),
                Option("OpenTelemetry metrics", ["vendor neutral"], ["a collector to run"]),
            ],
            chosen=f"A small in-process registry served at `{api.metrics_path}` in the text format",
            because="two metric families and the pool gauges cover the alerts that matter, and the "
            "format is what every scraper reads.",
            good=[
                "`http_requests_total` and `http_request_duration_seconds` by method, route and "
                "status; `db_pool_connections` and `db_pool_requests_waiting`",
                "metrics wrap every other layer, so 429, 413 and 504 answers are counted",
            ],
            bad=[
                f"`{api.metrics_path}` shows the service's traffic: keep it off the internet "
                "(network policy) or set METRICS_TOKEN, which scrapers then send as a bearer token"
            ],
            more="Labels stay bounded whatever clients send: unknown paths are `unmatched` and "
            "methods outside the standard seven are `OTHER`. Traces are optional: with "
            "OTEL_EXPORTER_OTLP_ENDPOINT set (and the `otel` extra installed) each request and "
            "its SQL statements are spans exported over OTLP/HTTP.",
        ),
        deployment_adr(api),
    ]


def deployment_adr(api: Api) -> Adr:
    brief = api.plan.brief
    availability = brief.targets.availability
    return Adr(
        slug="containers-compose-and-kubernetes",
        title="Ship one container image; run it as two or more replicas with shared Redis",
        context=f"{api.name} must run as several instances"
        + (f" to meet {availability} availability" if availability else "")
        + ": deploys replace instances one at a time, and a lost machine must not take the "
        "service down. Every instance needs the same settings, the migrations must run once "
        "per release (not once per instance), and state that must hold across instances — "
        "rate limits, cache invalidation — cannot live in one process.",
        drivers=[
            "the same image in CI, on a laptop and in production",
            "migrations applied exactly once, before new code serves",
            "rolling deploys and drains that lose no accepted request",
            "deployment files that are checked, not just written",
        ],
        options=[
            Option(
                "A multi-stage Dockerfile; compose.yaml for one machine; Kubernetes manifests "
                "for a cluster; a CI workflow that tests and builds the image",
                [
                    "one artefact everywhere",
                    "the generated suite validates every file (kubernetes-validate, "
                    "check-jsonschema, hadolint)",
                ],
                ["three formats to keep in step with the settings"],
            ),
            Option(
                "A Helm chart",
                ["templated values per environment"],
                ["another language to review; plain manifests are easier to read and patch"],
            ),
            Option(
                "Platform-specific files (a PaaS manifest)",
                ["least to write"],
                ["ties the service to one vendor"],
            ),
        ],
        chosen="A multi-stage Dockerfile; compose.yaml for one machine; Kubernetes manifests "
        "for a cluster; a CI workflow that tests and builds the image",
        because="they are the formats operators already read, and each can be validated by a "
        "standard tool in the service's own test suite.",
        good=[
            "the image runs as an unprivileged user with a health check; compose runs two "
            "replicas behind nginx with PostgreSQL and Redis, the migration first",
            "the Deployment has startup, liveness and readiness probes, resources sized for the "
            "password-hashing slots, a preStop pause and a grace period longer than the drain; "
            "an autoscaler keeps two replicas or more and a disruption budget keeps one up",
            "the migration Job relies on the runner's advisory lock: two Jobs at once apply "
            "each file once",
        ],
        bad=[
            "images, registries, ingress and TLS are the platform's: the manifests name an "
            "image tag and a Service, nothing more",
            "secrets are placeholders in secret.example.yaml; the real ones come from the "
            "platform's secret store",
        ],
    )


def summary(api: Api, notes: list[str]) -> str:
    brief = api.plan.brief
    lines = [
        f"# Hardening for {api.name}",
        "",
        "* **Start-up validation**: unsafe settings refused in staging and production, every "
        "problem listed, exit code 2.",
        "* **Graceful shutdown**: `python -m app.serve`; SIGTERM drains in-flight requests "
        "for up to 20 s, then closes the pool.",
        f"* **Limits**: bodies ≤ 1 MiB (413), requests ≤ {facts.request_timeout_seconds(brief)} s "
        f"(504), statements ≤ {facts.statement_timeout_ms(brief)} ms.",
        "* **Headers**: nosniff, DENY, deny-all CSP, no-store, HSTS outside development; CORS "
        "only for configured origins.",
        "* **Bodies**: JSON only (415 otherwise), at most MAX_BODY_BYTES (413).",
        f"* **Metrics**: `{api.metrics_path}` in Prometheus text format, labels bounded, "
        "optionally behind METRICS_TOKEN; optional OpenTelemetry tracing (OTLP endpoint from "
        "settings, the `otel` extra).",
        "* **Deployment**: a multi-stage `Dockerfile`; `compose.yaml` with two replicas behind "
        "nginx, PostgreSQL, Redis and the migration run once first; `deploy/k8s/` (Deployment "
        "with probes and resources, Service, HorizontalPodAutoscaler, PodDisruptionBudget, "
        "migration Job, ConfigMap and Secret); `.github/workflows/ci.yml`. The generated suite "
        "validates them with kubernetes-validate, check-jsonschema and hadolint.",
        "* **Security review**: `docs/security-review.md`, OWASP API Top 10 item by item.",
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
    if "app/infra/__init__.py" not in existing:
        notes.append(
            "app/infra/ is not on the branch (phase 4 was skipped or rejected): the hardening "
            "imports its request-id and rate-limit middleware, so add them or adapt "
            "app/hardening/__init__.py."
        )
    files += adr_files(adrs(api), existing, day)
    return Proposal(phase="hardening", summary=summary(api, notes), changes=files, questions=notes)
