"""Phase 1, architecture: requirements, the architecture overview and the first four ADRs."""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.proposal import FileChange, Proposal
from . import facts
from .adr import Adr, Option, adr_files
from .schema import Plan
from .target import target_for, unsupported_stack


def _sentence(text: str) -> str:
    """Upper-case the first letter only: `str.capitalize` would also lower "JWT"."""
    return text[:1].upper() + text[1:]


def requirements_md(brief: Brief, plan: Plan) -> str:
    p = brief.project
    lines = [
        f"# Requirements — {p.name}",
        "",
        f"> {p.summary or 'No summary was given in the brief.'}",
        "",
        "## As stated in the brief",
        "",
        *(p.requirements.strip().splitlines() or ["(The brief gives no free-text requirements.)"]),
        "",
        "## Functional requirements",
        "",
    ]
    number = 1
    if plan.users:
        lines.append(
            f"{number}. **Accounts.** {_sentence(facts.AUTH_LABEL[brief.stack.auth])}."
            " Emails are unique regardless of case."
        )
        number += 1
    for table in plan.tables:
        fields = ", ".join(f"`{c.api}`" for c in table.fields)
        lines.append(
            f"{number}. **{table.class_name}.** Create, read, update, delete and list "
            f"{table.name.replace('_', ' ')} ({fields}). "
            + facts.access_sentence(table, brief.stack.auth)
        )
        number += 1
        for rule in facts.rule_sentences(table):
            lines.append(f"{number}. {rule}")
            number += 1
    for sentence in facts.relation_sentences(plan):
        lines.append(f"{number}. {sentence}")
        number += 1
    for table in plan.tables:
        for unique in table.uniques:
            scope = " per owner" if unique.columns[0] == "owner_id" else ""
            scope += " whoever owns them" if table.owned and not scope else ""
            lines.append(
                f"{number}. No two {table.name.replace('_', ' ')} share "
                f"{' + '.join(f'`{c}`' for c in unique.brief_columns)}{scope}; a duplicate is "
                "refused with 409 Conflict."
            )
            number += 1
    lines += [
        f"{number}. Every list is paginated (a bounded `limit` and a `cursor`) and ordered "
        "newest first.",
        "",
        *_roles(brief),
        "## Non-functional requirements",
        "",
        *facts.targets_table(brief),
        "",
        "Always, whatever the targets:",
        "",
        "* Errors are RFC 9457 `application/problem+json` documents with a stable `type` per "
        "error.",
        "* Every request gets a request id, echoed in the `X-Request-ID` header and in every log "
        "line it causes; logs are structured JSON.",
        "* Input is validated at the edge with the limits stated in the brief; the database "
        "enforces the same rules with constraints.",
        "* The service starts only with valid configuration and shuts down gracefully.",
        "",
        "## Assumptions",
        "",
        f"* One PostgreSQL database ({brief.stack.database}, version 13 or later) is the "
        "system of record.",
        "* Clients are API consumers (web or mobile front ends); no server-rendered pages.",
        "* Times are stored in UTC (`timestamptz`) and returned in ISO 8601.",
        "",
        "## Left open by the brief",
        "",
        *[f"* {item}" for item in facts.left_open(plan)],
        "",
        "## Out of scope for now",
        "",
        "* Email verification and password reset (the data model leaves room for both).",
        "",
    ]
    return "\n".join(lines)


def _roles(brief: Brief) -> list[str]:
    if brief.stack.auth == "none":
        return []
    lines = ["## Roles", ""]
    lines.append(
        "Every signed-up account is a **member**. "
        + (
            "The brief adds these roles, granted and revoked by an operator with "
            f"`{target_for(brief).commands.admin} grant-role EMAIL ROLE` / `revoke-role` (a "
            "revocation holds from the account's next request):"
            if brief.roles
            else "The brief names no other role."
        )
    )
    if brief.roles:
        lines.append("")
        lines += [
            f"* **{r.name}**" + (f" — {r.description}" if r.description else "")
            for r in brief.roles
        ]
    return [*lines, ""]


def architecture_md(brief: Brief, plan: Plan) -> str:
    arch = facts.architecture(brief)
    name = brief.project.name
    target = target_for(brief)
    modules = [t for t in plan.tables]
    lines = [
        f"# Architecture — {name}",
        "",
        f"{brief.project.summary or name}. This document is the map; the reasons for each "
        "choice are in the ADRs under [docs/adr](adr/).",
        "",
        "## The shape",
        "",
        f"**{_sentence(arch.title)}**: one {target.framework} service over one PostgreSQL "
        "database"
        + (
            ", organised as one module per business area."
            if arch.choice != "monolith"
            else ", organised in layers."
        )
        + " Why: "
        + "; ".join(arch.reasons)
        + ".",
        "",
        "```mermaid",
        "flowchart LR",
        f"    client([API client]) -->|HTTPS + JSON| api[{target.framework} app]",
        "    api --> mw[middleware: request id, logging, rate limit, size limit]",
        "    mw --> routers",
        "    routers --> services",
        "    services --> repositories",
        f"    repositories -->|{target.driver} pool| db[(PostgreSQL)]",
        "```",
        "",
        "## Layers",
        "",
        "| Layer | Knows about | Does |",
        "|---|---|---|",
        "| Routers | HTTP | parse and validate requests, call one service method, shape "
        "responses; no SQL |",
        "| Services | the domain | rules: ownership, uniqueness, relations; raise domain errors |",
        "| Repositories | SQL | parameterised queries against one table each; no HTTP |",
        "",
        "Errors travel upwards as domain exceptions and are turned into RFC 9457 problem "
        "documents in one place, so every endpoint fails the same way.",
        "",
        "## Modules",
        "",
        "| Module | Table | Access rule |",
        "|---|---|---|",
    ]
    if plan.users:
        lines.append("| auth | users | a person reads and changes only their own account |")
    for table in modules:
        lines.append(
            f"| {table.singular} | {table.name} | "
            f"{facts.ownership_sentence(table, brief.stack.auth)} |"
        )
    lines += [
        "",
        "## Request flow",
        "",
        "1. The request gets an id (from `X-Request-ID` or a new one) and a structured log "
        "context.",
        "2. The rate limiter charges the client's bucket; an empty bucket answers 429 with "
        "`Retry-After`.",
    ]
    if plan.users:
        lines.append(
            "3. Authentication resolves the caller (" + brief.stack.auth + "); a "
            "missing or bad credential answers 401."
        )
    lines += [
        "4. The router validates the body against the brief's limits; invalid input answers "
        "422 with the offending fields.",
        "5. The service applies the access rule; a row the caller may not see answers 404.",
        "6. The repository runs one parameterised statement on a pooled connection.",
        "",
        "## Capacity",
        "",
    ]
    flight = facts.in_flight(brief)
    if flight:
        t = brief.targets
        lines.append(
            f"At {t.requests_per_second} requests/s with a p99 of {t.p99_latency_ms} ms, about "
            f"{flight} requests are in flight at peak (Little's law). Two instances with a pool "
            f"of {facts.pool_size(brief)} connections each leave headroom for one instance to "
            "be restarted during a deploy."
        )
    else:
        lines.append(
            "The brief sets no throughput or latency target; start with two "
            "instances and a pool of 10 connections each, and measure."
        )
    lines += [
        "",
        "## Cross-cutting concerns",
        "",
        "| Concern | Where | Phase |",
        "|---|---|---|",
        "| Schema and migrations | `migrations/*.sql`, applied in order by a runner | 2 |",
        "| Validation, errors, authentication, authorization | routers, services, "
        f"`{target.errors_file}`, `{target.auth_file}` | 3 |",
        "| Logging, request ids, caching, rate limiting, health | middleware and "
        f"`{target.infra_dir}` | 4 |",
        "| Config validation, shutdown, timeouts, metrics, security headers | "
        f"`{target.settings_file}`, `{target.main_file}` | 5 |",
        "| Runbooks and operations | `docs/operations.md`, `docs/runbooks/` | 6 |",
        "",
    ]
    return "\n".join(lines)


def adrs(brief: Brief, plan: Plan) -> list[Adr]:
    driver = target_for(brief).driver
    arch = facts.architecture(brief)
    name = brief.project.name
    records = [
        Adr(
            slug="record-architecture-decisions",
            title="Record architecture decisions",
            context=f"{name} will be built phase by phase with a person reviewing every file. "
            "Decisions taken now — the pattern, the database, the authentication scheme — will "
            "be questioned later by people who were not in the room.",
            drivers=[
                "decisions must be reviewable in the same pull request as the code",
                "later readers need the forces, not only the outcome",
            ],
            options=[
                Option(
                    "Markdown ADRs in the repository (MADR)",
                    ["versioned and reviewed with the code", "plain text, no tool needed"],
                    ["needs discipline to keep writing them"],
                ),
                Option(
                    "A wiki page",
                    ["easy to edit"],
                    ["drifts from the code", "not reviewed with the change"],
                ),
                Option("No written record", ["no effort now"], ["reasons are lost"]),
            ],
            chosen="Markdown ADRs in the repository (MADR)",
            because="they travel with the code and are reviewed like it.",
            good=["every later phase adds its decisions next to this one"],
            bad=["a superseded ADR must be marked as such, never edited into a new decision"],
        ),
    ]
    options = {
        "monolith": Option(
            "Monolith",
            ["one deploy, one database, simple transactions", "lowest operational cost"],
            ["boundaries erode unless the code keeps them"],
        ),
        "modular-monolith": Option(
            "Modular monolith",
            ["one deploy with enforced module boundaries", "a module can be split out later"],
            ["needs discipline at module edges"],
        ),
        "microservices": Option(
            "Microservices",
            ["independent deploys and scaling per service"],
            [
                "distributed transactions, network failure modes, more ops",
                "relations across services lose foreign keys",
            ],
        ),
        "serverless": Option(
            "Serverless functions",
            ["no idle cost, scales to zero"],
            [
                "cold starts against the latency target",
                "connection pooling to PostgreSQL needs a proxy",
            ],
        ),
    }
    t = brief.targets
    drivers = [f"{len(plan.tables)} related entities in one relational model"]
    if t.requests_per_second:
        drivers.append(f"throughput target {t.requests_per_second} requests/s")
    if t.p99_latency_ms:
        drivers.append(f"latency target p99 ≤ {t.p99_latency_ms} ms")
    if t.availability:
        drivers.append(f"availability target {t.availability}")
    drivers.append("a small team: operational simplicity is worth more than independent deploys")
    records.append(
        Adr(
            slug=f"use-{arch.choice}",
            title=f"Build {name} as {arch.title}",
            context=f"{name}: {brief.project.summary or 'a backend service'}. The entities are "
            + ", ".join(t.class_name for t in plan.tables)
            + ". "
            + " ".join(facts.relation_sentences(plan)),
            drivers=drivers,
            options=[
                options[k] for k in ("monolith", "modular-monolith", "microservices", "serverless")
            ],
            chosen=options[arch.choice].name,
            because="; ".join(arch.reasons) + ".",
            good=[
                "one database keeps foreign keys and transactions across entities",
                "one deploy to monitor, one set of dashboards",
            ],
            bad=[
                "the whole service scales as one unit",
                "module boundaries are a convention enforced by review and tests",
            ],
        )
    )
    records.append(
        Adr(
            slug="use-postgresql",
            title="Store data in PostgreSQL with plain SQL migrations",
            context=f"{name} keeps {', '.join(t.name for t in plan.tables)}"
            + (" and user accounts" if plan.users else "")
            + ". The data is relational and rules such as uniqueness and ownership must hold even "
            "when the application has a bug.",
            drivers=[
                "constraints enforced by the database, not only by code",
                "transactions across related rows",
                "reviewable schema changes",
            ],
            options=[
                Option(
                    f"PostgreSQL with {driver} and SQL migrations",
                    [
                        "constraints, foreign keys and partial indexes",
                        "migrations are plain SQL a reviewer can read",
                    ],
                    ["SQL written by hand"],
                ),
                Option(
                    "PostgreSQL through an ORM with generated migrations",
                    ["less SQL to write"],
                    [
                        "generated migrations hide locking behaviour",
                        "queries are harder to review for performance",
                    ],
                ),
                Option(
                    "A document store",
                    ["flexible schema"],
                    ["relations and uniqueness become application code"],
                ),
            ],
            chosen=f"PostgreSQL with {driver} and SQL migrations",
            because="the brief's entities are related and constrained, and `stack.database` is "
            f"{brief.stack.database}.",
            good=[
                "uniqueness and foreign keys hold under concurrency",
                "every schema change is a reviewed, numbered file",
            ],
            bad=["queries are hand-written: each needs a test against a real database"],
        )
    )
    auth = brief.stack.auth
    auth_options = {
        "jwt": Option(
            "JWT access tokens",
            ["stateless verification, no session store", "works for web and mobile clients"],
            ["revocation needs short lifetimes or a deny list"],
        ),
        "api-key": Option(
            "API keys",
            ["simple for server-to-server clients", "revocable one by one"],
            ["long-lived secrets: must be hashed at rest and rotated"],
        ),
        "session": Option(
            "Server-side sessions",
            ["instant revocation", "HttpOnly cookie keeps tokens from scripts"],
            ["a session lookup per request", "cookies need CSRF care"],
        ),
        "none": Option(
            "No authentication", ["nothing to manage"], ["anyone can read and change everything"]
        ),
    }
    records.append(
        Adr(
            slug="authentication",
            title={
                "jwt": "Authenticate with JWT access tokens",
                "api-key": "Authenticate with hashed API keys",
                "session": "Authenticate with server-side sessions",
                "none": "Serve the API without authentication",
            }[auth],
            context=f'The brief sets `auth = "{auth}"`. '
            + (
                " ".join(facts.ownership_sentence(t, auth) for t in plan.tables if t.owned)
                or "No entity is owned by a user."
            ),
            drivers=[
                "passwords must never be stored or logged in a recoverable form",
                "a request must be attributable to one account",
                "rows owned by one person must be invisible to others",
            ],
            options=[auth_options[k] for k in ("jwt", "api-key", "session", "none")],
            chosen=auth_options[auth].name,
            because=f"it is what the brief asks for: {facts.AUTH_LABEL[auth]}.",
            good=["ownership checks return 404 for other people's rows, so ids leak nothing"]
            if auth != "none"
            else ["no credentials to leak"],
            bad=["the signing secret becomes the most sensitive configuration value"]
            if auth == "jwt"
            else ["keys must be rotated by their owners"]
            if auth == "api-key"
            else ["every request reads the session table"]
            if auth == "session"
            else ["the service must not hold personal data"],
            more="Passwords are hashed with argon2id (memory-hard); log-in failures answer the same "
            "401 whether the email exists or not."
            if auth != "none"
            else "",
        )
    )
    return records


def propose(brief: Brief, plan: Plan, existing: list[str], day: date) -> Proposal:
    changes = [
        FileChange(
            path="docs/requirements.md",
            action="create",
            kind="doc",
            content=requirements_md(brief, plan),
            why="what the service must do, and its targets, in reviewable form",
        ),
        FileChange(
            path="docs/architecture.md",
            action="create",
            kind="doc",
            content=architecture_md(brief, plan),
            why="the map of the service: layers, modules, request flow, capacity",
        ),
    ]
    changes += adr_files(adrs(brief, plan), existing, day)
    arch = facts.architecture(brief)
    summary = "\n".join(
        [
            f"# Architecture for {brief.project.name}",
            "",
            f"I propose **{arch.title}**: " + "; ".join(arch.reasons) + ".",
            "",
            f"The requirements list {len(plan.tables)} entities "
            f"({', '.join(t.class_name for t in plan.tables)}) and "
            + (
                f"authentication by {facts.AUTH_LABEL[brief.stack.auth]}."
                if plan.users
                else "no authentication."
            ),
            "",
            "Four ADRs record the decisions: how we record decisions, the architecture pattern, "
            "PostgreSQL with plain SQL migrations, and the authentication scheme.",
        ]
    )
    questions = []
    if not brief.targets.requests_per_second:
        questions.append(
            "No throughput target is given: what peak requests/s should the service handle?"
        )
    stack = unsupported_stack(brief)
    if stack:
        questions.append(stack)
    return Proposal(phase="architecture", summary=summary, changes=changes, questions=questions)
