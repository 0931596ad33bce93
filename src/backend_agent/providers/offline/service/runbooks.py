"""docs/runbooks/: step-by-step procedures for this service's deploys and incidents, naming
its tables, routes, limits and problem types, so the steps can be followed as written."""

from __future__ import annotations

from ....core.migrations import NO_TRANSACTION
from .. import facts
from ..naming import article
from ..target import PYTHON, Target
from .api import Api


def _resources(api: Api) -> str:
    return ", ".join(f"`{r.path}`" for r in api.resources)


def deploy(api: Api, target: Target = PYTHON) -> str:
    brief = api.plan.brief
    first = api.resources[0]
    check = f"{first.path}/public" if first.public else first.path
    return "\n".join(
        [
            f"# Runbook: deploy {api.name}",
            "",
            "A deploy is: tests green, migrations applied, instances replaced one at a time "
            "behind the readiness probe, then watched.",
            "",
            "## Before",
            "",
            f"1. The suite is green against PostgreSQL: `{target.commands.test}`.",
            "2. See what the release will migrate: "
            f"`DATABASE_URL=<production> {target.commands.migrate_status}`. Read every pending "
            "file; anything that rewrites a large table "
            f"({', '.join(t.name for t in api.plan.tables)}) goes through "
            "[the migration runbook](database-migration.md) first.",
            "3. Confirm the new settings, if any, are set in every environment "
            "([reference](../operations.md#configuration-reference)); the process refuses to "
            "start in production without them.",
            "",
            "## Deploy",
            "",
            f"1. Apply migrations once, from one place: `{target.commands.migrate}`. It takes an "
            "advisory lock, so a second runner waits instead of racing; each file runs in its "
            "own transaction.",
            "2. Replace instances one at a time. A new instance takes traffic only when `/readyz` "
            "answers 200; an old one gets SIGTERM and drains its requests for up to 20 s "
            "(set the grace period to 30 s or more).",
            "3. Keep at least two instances serving throughout"
            + (
                f" — the availability target is {brief.targets.availability}."
                if brief.targets.availability
                else "."
            ),
            "",
            "## Verify (15 minutes)",
            "",
            "* `/readyz` is 200 on every instance.",
            "* The 5xx ratio and p99 latency on the dashboard are where they were before"
            + (
                f" (p99 ≤ {brief.targets.p99_latency_ms} ms)."
                if brief.targets.p99_latency_ms
                else "."
            ),
            f"* A real request works: `curl -s https://<host>{check}` answers 200"
            + (
                " without a credential."
                if first.public or not first.table.owned
                else " with a credential (401 without)."
            ),
            "* No `internal-error` problem types in the logs: "
            "`jq 'select(.status >= 500)'` over the access lines.",
            "",
            "If any check fails, [roll back](rollback.md) first and investigate after.",
            "",
        ]
    )


def rollback(api: Api) -> str:
    cascades = [
        f"deleting {article(t.singular)} {t.singular.replace('_', ' ')} also deletes its "
        f"{child.name.replace('_', ' ')}"
        for child in api.plan.tables
        for fk in child.foreign_keys
        if fk.on_delete == "CASCADE" and fk.column != "owner_id"
        for t in [api.plan.table(fk.target_entity)]
    ]
    lines = [
        f"# Runbook: roll back {api.name}",
        "",
        "## The code",
        "",
        "1. Redeploy the previous release the same way as a deploy (one instance at a time, "
        "gated by `/readyz`).",
        "2. The previous release must work with the current schema. It does when migrations "
        "follow expand → migrate → contract (add first, remove only in a later release), which "
        "is the rule here.",
        "3. Verify as after a deploy.",
        "",
        "## The schema",
        "",
        "Migrations are forward-only: an applied file is never edited or reverted (the runner "
        "refuses a changed checksum). To undo a schema change, write a new migration that "
        "reverses it, review it like any other, and deploy it.",
        "",
        "## The data",
        "",
        "If a bad release wrote or deleted data, stop writes first (scale to zero or put the "
        "load balancer in maintenance), then restore into a new database with point-in-time "
        "recovery to just before the release, and copy the affected rows back.",
    ]
    if cascades:
        lines += [
            "",
            "Deletes spread through foreign keys here, so check the dependants too: "
            + "; ".join(cascades)
            + ".",
        ]
    lines.append("")
    return "\n".join(lines)


def database_migration(api: Api, target: Target = PYTHON) -> str:
    tables = api.plan.tables
    return "\n".join(
        [
            f"# Runbook: change the database schema of {api.name}",
            "",
            "## Write the migration",
            "",
            "1. Add `migrations/NNNN_description.sql` with the next number after the highest one "
            "(the first is `0001_init.sql`). Lower-case names, digits and underscores only.",
            "2. Make it additive: new tables, new nullable columns, new indexes. Constraints on "
            "big tables: add them `NOT VALID`, then `VALIDATE CONSTRAINT` in a later file.",
            "3. Indexes on tables that already hold data "
            f"({', '.join(t.name for t in tables)}): one file with "
            f"`{NO_TRANSACTION}` as its first line and a single "
            "`CREATE INDEX CONCURRENTLY` statement.",
            "4. Renames and type changes go expand → migrate → contract: add the new column, "
            "backfill in batches of a few thousand rows, switch the code, and drop the old column "
            "in a later release.",
            f"5. Run the suite: {SUITE_SETUP[target.language]} every migration to a fresh "
            "schema, and "
            f"`{target.migrations_test}` checks the runner.",
            "",
            "## Apply it",
            "",
            f"1. `{target.commands.migrate_status}` lists what is pending (exit code 1 when "
            "something is).",
            f"2. `{target.commands.migrate}` applies it. Statements stop after "
            "DATABASE_STATEMENT_TIMEOUT_MS only for the app's own connections, not the "
            "runner's: watch long ones in `pg_stat_activity`.",
            "3. If a file fails, it is rolled back and named in the error; nothing after it runs. "
            "Fix the file (it was never applied) and run again.",
            "",
            "## When the runner refuses",
            "",
            "* `... was changed after it was applied`: someone edited an applied migration. "
            "Restore it from git history and put the change in a new file.",
            "* `two migrations share the number NNNN`: two branches added the same number; "
            "renumber the one not yet applied anywhere.",
            "",
        ]
    )


def high_error_rate(api: Api) -> str:
    brief = api.plan.brief
    return "\n".join(
        [
            f"# Incident: high error rate in {api.name}",
            "",
            "Raised by the error-budget burn alerts ([operations](../operations.md#alerts-worth-setting)).",
            "",
            "## 1. Where",
            "",
            "Break the errors down by route and status:",
            "",
            "```promql",
            'sum by (route, status) (rate(http_requests_total{status=~"5.."}[5m]))',
            "```",
            "",
            f"Resources here: {_resources(api)}, plus `/auth`"
            + (" (accounts)" if api.auth != "none" else "")
            + ".",
            "",
            "## 2. What kind",
            "",
            "Every error is a problem document; its `type` says which branch to take:",
            "",
            "| type | Likely cause | Do |",
            "|---|---|---|",
            "| `database-unavailable` (503) | PostgreSQL unreachable, or the pool "
            f"({facts.pool_size(brief)} connections) exhausted | [database down](incident-database-down.md); "
            "check `db_pool_requests_waiting` |",
            f"| `timeout` (504) | requests past {facts.request_timeout_seconds(brief)} s: slow queries "
            "or lock waits | look at `pg_stat_activity` for long-running statements and locks |",
            "| `internal-error` (500) | a bug, often from the last deploy | find the request id in "
            "the access line, read its log lines; [roll back](rollback.md) if it started with a release |",
            "| `rate-limited` (429, not an error) | one address over its budget | find it in the "
            "access lines (`client`); block it upstream if hostile. Every client limited at once: "
            "TRUSTED_PROXIES does not list the load balancer, so all share its bucket |",
            *(
                [
                    "| `busy` (503) | more log-ins at once than the hashing slots "
                    "(PASSWORD_HASH_CONCURRENCY per instance) | a log-in flood: check 429s on "
                    "`/auth`; add instances, or slots only with the cores to run them |"
                ]
                if api.auth != "none"
                else []
            ),
            "",
            "## 3. Follow one request",
            "",
            "```sh",
            "jq -c 'select(.status >= 500) | {request_id, route, status}' < service.log | tail",
            "jq -c 'select(.request_id == \"<id>\")' < service.log",
            "```",
            "",
            "## 4. Mitigate, then fix",
            "",
            "* Started with a deploy: roll back first.",
            "* One route only: if it is a write, the data is safe (each request is one "
            "transaction); if it is a read, the cache (5 s) may be hiding part of the load.",
            "* Everything: treat it as a database incident until proved otherwise.",
            "",
            "Afterwards write down the cause, the detection time and the fix.",
            "",
        ]
    )


def database_down(api: Api, target: Target = PYTHON) -> str:
    brief = api.plan.brief
    pool = facts.pool_size(brief)
    return "\n".join(
        [
            f"# Incident: the database of {api.name} is down",
            "",
            "## Symptoms",
            "",
            "* `/readyz` answers 503 `not-ready` on every instance; the load balancer stops "
            "sending traffic; `/healthz` still answers, so instances are not restarted.",
            "* Requests that got through answer 503 `database-unavailable`.",
            "",
            "## Check",
            "",
            '1. `pg_isready -d "$DATABASE_URL"` from an instance: network or server?',
            "2. Connections: instances × "
            f"{pool} (DATABASE_POOL_MAX_SIZE) must stay below the server's `max_connections`; "
            "`SELECT count(*) FROM pg_stat_activity` shows how close it is.",
            "3. Disk: a full disk stops writes first (`SELECT pg_size_pretty(pg_database_size(current_database()))`).",
            "4. Long locks or runaway queries: `pg_stat_activity` ordered by `xact_start`; the "
            "app's own statements end after DATABASE_STATEMENT_TIMEOUT_MS "
            f"({facts.statement_timeout_ms(brief)} ms).",
            "",
            "## Recover",
            "",
            "* Server down: restart it or fail over to the replica. Once it answers, the "
            "instances recover by themselves — every request skips pooled connections the "
            "restart killed, and `/readyz` turns 200 — so do not restart them. Only if the "
            "primary's address changed: point DATABASE_URL at it and roll the instances.",
            "* Too many connections: lower DATABASE_POOL_MAX_SIZE or the instance count, or put "
            "PgBouncer in front.",
            f"* Restored from backup: run `{target.commands.migrate_status}` — the restored schema "
            "must have every migration the running release expects.",
            "",
            "## After",
            "",
            "* `/readyz` is 200 everywhere and the error rate is back to normal.",
            f"* Writes that failed were rolled back (one transaction per request): clients saw "
            f"503 and may retry. Check for duplicates where a retry could create a second row "
            f"({', '.join(r.path for r in api.resources)}).",
            "",
        ]
    )


def scale_out(api: Api) -> str:
    brief = api.plan.brief
    pool = facts.pool_size(brief)
    lines = [
        f"# Runbook: run {api.name} on more than one instance",
        "",
        "Instances are stateless; what they share lives in PostgreSQL and Redis. "
        "`compose.yaml` runs two behind nginx, `deploy/k8s/` as many as the autoscaler decides.",
        "",
        "## Before the second instance",
        "",
        "1. **REDIS_URL** on every instance, the same Redis: rate limits then hold across "
        "instances (a client gets one budget, not one per instance) and a write through one "
        "instance invalidates the cached reads of all. Without it, N instances allow N times "
        "the rate and a read elsewhere may be stale for up to CACHE_TTL_SECONDS.",
        "2. **TRUSTED_PROXIES** lists the load balancers (addresses or their subnet, as a JSON "
        "list). The client is then the rightmost X-Forwarded-For address that is not a listed "
        "proxy. Check it: the access lines' `client` must be callers' addresses, not the "
        "balancer's — if it is the balancer's, every client shares one rate-limit bucket.",
        f"3. **Connections**: instances × DATABASE_POOL_MAX_SIZE ({pool}) must stay under the "
        "server's `max_connections`, with room for migrations and people; beyond that put "
        "PgBouncer (transaction mode) in between.",
        "4. **Same settings everywhere** (the ConfigMap and Secret, or compose's environment)"
        + (
            ": the same JWT_SECRET, or tokens from one instance fail on another"
            if api.auth == "jwt"
            else ""
        )
        + ".",
        "5. **Migrations once per release**, from one place (the `migrate` service or the "
        "Job), never at each instance's start. The runner's advisory lock makes two runs safe, "
        "not useful.",
        "",
        "## Add or remove instances",
        "",
        "* compose: `docker compose up -d --scale app=3`.",
        "* Kubernetes: the HorizontalPodAutoscaler keeps 2 or more and adds replicas when CPU "
        "stays above 70%; raise `maxReplicas` in `deploy/k8s/hpa.yaml`. `kubectl scale` is "
        "undone by the autoscaler.",
        "* A removed instance gets SIGTERM after its readiness is gone (preStop pause), drains "
        "requests in flight for SHUTDOWN_DEADLINE_SECONDS and exits; no accepted request is "
        "lost.",
        "",
        "## Check",
        "",
        "* Traffic spreads: `sum by (instance) (rate(http_requests_total[5m]))`.",
        "* `db_pool_requests_waiting` stays at 0 on every instance.",
        "* One client hitting the limit gets 429 from every instance alike.",
    ]
    if api.auth != "none":
        h = facts.password_hashing(brief)
        lines.append(
            f"* Log-in capacity grows with instances: each runs {h.concurrency} hashes at once "
            f"(about {h.per_instance} log-ins/s); the budget is {h.logins_per_second}/s."
        )
    lines += [
        "",
        "## When Redis goes away",
        "",
        "Requests keep being answered: each instance limits and caches on its own (the log "
        "says `redis unavailable`) and reads skip the cache. Bring Redis back; nothing needs a "
        "restart. Cached reads may be stale for up to CACHE_TTL_SECONDS after writes made "
        "while it was away.",
        "",
    ]
    return "\n".join(lines)


SUITE_SETUP = {"python": "its conftest applies", "typescript": "each test file applies"}


def runbooks(api: Api, target: Target = PYTHON) -> dict[str, str]:
    """The runbooks, with `target`'s commands. Scaling out leans on the Python service's
    deployment files (compose, Kubernetes) and trusted proxies, which only it has."""
    scale = {"docs/runbooks/scale-out.md": scale_out(api)} if target.language == "python" else {}
    return {
        **scale,
        "docs/runbooks/deploy.md": deploy(api, target),
        "docs/runbooks/rollback.md": rollback(api),
        "docs/runbooks/database-migration.md": database_migration(api, target),
        "docs/runbooks/incident-high-error-rate.md": high_error_rate(api),
        "docs/runbooks/incident-database-down.md": database_down(api, target),
    }
