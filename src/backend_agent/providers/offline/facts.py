"""Facts about a brief that several generated documents state: counted once, worded once."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...core.brief import Brief
from .naming import article
from .schema import Plan, Table
from .target import target_for

AUTH_LABEL = {
    "jwt": "email + password sign-up and log-in, argon2id password hashes, short-lived JWT "
    "access tokens",
    "api-key": "email + password sign-up; API keys issued for email + password, stored hashed "
    "and sent in the `X-API-Key` header",
    "session": "email + password log-in with server-side sessions in PostgreSQL and an "
    "HttpOnly cookie",
    "none": "no authentication: every endpoint is public",
}


@dataclass(frozen=True)
class Architecture:
    choice: str  # monolith | modular-monolith | microservices | serverless
    title: str
    requested: bool
    reasons: list[str]


def architecture(brief: Brief) -> Architecture:
    """The pattern for this brief, and why; `auto` picks the simplest that fits."""
    wanted = brief.stack.architecture
    entities = [e.name for e in brief.entities if e.name != "User"]
    rps = brief.targets.requests_per_second
    titles = {
        "monolith": "a single deployable monolith",
        "modular-monolith": "a modular monolith",
        "microservices": "microservices",
        "serverless": "serverless functions",
    }
    if wanted != "auto":
        reasons = [f'the brief asks for {titles[wanted]} (`architecture = "{wanted}"`)']
        if wanted in ("microservices", "serverless"):
            reasons.append(
                "the generated code keeps one module per entity behind its own service "
                "interface, so each module can be split out when the need is proven; the "
                f"offline generator itself emits one deployable {target_for(brief).framework} "
                "service"
            )
        return Architecture(wanted, titles[wanted], True, reasons)
    reasons = [
        f"{len(entities)} entities ({', '.join(entities) or 'none'}) share one PostgreSQL "
        "database and their relations cross entity boundaries; splitting them over a network "
        "would turn joins and foreign keys into distributed consistency problems",
    ]
    if rps:
        reasons.append(
            f"the target of {rps} requests/s is well within what one horizontally scaled "
            "service with a connection pool serves"
        )
    reasons.append("nothing in the brief asks for independent deploys by separate teams")
    if len(entities) <= 3 and (rps or 0) < 1000:
        return Architecture("monolith", titles["monolith"], False, reasons)
    reasons.append(
        f"with {len(entities)} entities, module boundaries inside the service keep each area "
        "understandable and leave a clean seam to split later"
    )
    return Architecture("modular-monolith", titles["modular-monolith"], False, reasons)


def downtime_minutes(availability: str) -> float:
    """Allowed downtime in a 30-day month for an availability like '99.9%'."""
    share = float(availability.rstrip("%")) / 100
    return (1 - share) * 30 * 24 * 60


def in_flight(brief: Brief) -> int | None:
    """Requests in flight at the target (Little's law: arrival rate x latency)."""
    t = brief.targets
    if not (t.requests_per_second and t.p99_latency_ms):
        return None
    return max(1, round(t.requests_per_second * t.p99_latency_ms / 1000))


def pool_size(brief: Brief) -> int:
    """Connections per instance: half the peak in-flight requests (two instances share the
    load), plus headroom; 10 when the brief gives no target."""
    flight = in_flight(brief)
    return max(5, flight // 2 + 2) if flight else 10


def statement_timeout_ms(brief: Brief) -> int:
    """A query ten times slower than the whole p99 budget is broken: stop it."""
    p99 = brief.targets.p99_latency_ms
    return min(30_000, max(1_000, p99 * 10)) if p99 else 5_000


def request_timeout_seconds(brief: Brief) -> float:
    """Room for two statements at their limit; past it the client gets 504 and we move on."""
    return statement_timeout_ms(brief) * 2 / 1000


def client_rate(brief: Brief) -> tuple[int, int]:
    """(requests/s, burst) one client address may use: 5% of the throughput target, at
    least 10/s (a page load fans out), with a burst of four seconds' worth."""
    rps = brief.targets.requests_per_second
    rate = max(10, round(rps / 20)) if rps else 10
    return rate, rate * 4


@dataclass(frozen=True)
class PasswordHashing:
    """argon2id parameters and how many hashes one instance runs at once."""

    memory_kib: int
    time_cost: int
    parallelism: int
    hash_ms: int
    """One hash on one core of a current server (about 21 ms measured on a shared
    2-core machine; rounded up)."""
    logins_per_second: int
    """Sign-ups and log-ins the whole service is sized for."""
    concurrency: int
    """Hashes one instance runs at once; more wait for a slot."""
    wait_seconds: float
    """Longest wait for a slot before the answer is 503 `busy`."""

    @property
    def per_instance(self) -> int:
        """Hashes per second one instance can do with all its slots busy."""
        return self.concurrency * 1000 // self.hash_ms

    @property
    def memory_mib(self) -> int:
        """Memory the hashes of one instance can hold at once."""
        return math.ceil(self.concurrency * self.memory_kib / 1024)


def password_hashing(brief: Brief) -> PasswordHashing:
    """OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane), with one lane so each hash
    takes one core and the slot count is the core count it may use. Log-ins and sign-ups
    are budgeted at 2% of the request target (at least 5/s); each of two instances gets
    enough slots to carry that budget alone, and at least 2."""
    rps = brief.targets.requests_per_second or 50
    logins = max(5, math.ceil(rps * 0.02))
    hash_ms = 25
    concurrency = max(2, math.ceil(logins * hash_ms / 1000))
    return PasswordHashing(
        memory_kib=19456,
        time_cost=2,
        parallelism=1,
        hash_ms=hash_ms,
        logins_per_second=logins,
        concurrency=concurrency,
        wait_seconds=2.0,
    )


@dataclass(frozen=True)
class AuthLimits:
    """Sign-up and log-in attempts, per client address and per account (email)."""

    per_address_per_minute: int = 20
    address_burst: int = 10
    per_account_per_minute: int = 5
    account_burst: int = 5


AUTH_LIMITS = AuthLimits()


def targets_table(brief: Brief) -> list[str]:
    """Markdown rows: each target and what it means for the design."""
    t = brief.targets
    rows = ["| Target | Value | What it means here |", "|---|---|---|"]
    if t.requests_per_second:
        rows.append(
            f"| Throughput | {t.requests_per_second} requests/s | sizes the worker "
            "count, the database pool and the rate limits |"
        )
    if t.p99_latency_ms:
        rows.append(
            f"| Latency | p99 ≤ {t.p99_latency_ms} ms | every list is paginated and "
            "indexed; timeouts are set below this budget's multiples |"
        )
    if t.availability:
        rows.append(
            f"| Availability | {t.availability} | at most "
            f"{downtime_minutes(t.availability):.0f} minutes of downtime in a 30-day "
            "month: health and readiness probes, rolling deploys, tested rollback |"
        )
    if t.data_retention_days:
        rows.append(
            f"| Retention | {t.data_retention_days} days | data older than this is "
            "deleted by a scheduled job; backups follow the same horizon |"
        )
    if len(rows) == 2:
        rows.append(
            "| (none given) | — | defaults: 50 requests/s, p99 ≤ 300 ms; state real "
            "targets in `[targets]` |"
        )
    return rows


def relation_sentences(plan: Plan) -> list[str]:
    out = []
    for table in plan.tables:
        for fk in table.foreign_keys:
            if fk.column == "owner_id":
                continue
            target = plan.table(fk.target_entity)
            rule = {
                "CASCADE": "deleting the {t} deletes them",
                "RESTRICT": "{a} {t} that still has them cannot be deleted",
                "SET NULL": "deleting the {t} leaves them without one",
            }[fk.on_delete]
            col = table.column(fk.column)
            need = "must belong to" if not col.nullable else "may belong to"
            out.append(
                f"Each {table.class_name} {need} {article(target.class_name)} "
                f"{target.class_name}; "
                + rule.format(t=target.class_name, a=article(target.class_name))
                + "."
            )
    for link in plan.links:
        out.append(
            f"A {link.left.class_name} has any number of {link.right.name} and a "
            f"{link.right.class_name} any number of {link.left.name} "
            f"(join table `{link.name}`)."
        )
    return out


def who(groups: frozenset[str]) -> str:
    """Access groups in words: 'staff or its owner'."""
    words = {"anyone": "anyone", "signed-in": "any signed-in account", "owner": "its owner"}
    return " or ".join(words.get(g, g) for g in sorted(groups, key=lambda g: (g not in words, g)))


def public_words(table: Table) -> str:
    """Which rows are public, in words: '`status` is published'."""
    parts = []
    for name, values in table.public_when:
        if table.column(name).kind == "bool":
            parts.append(f"`{name}` is {str(values[0]).lower()}")
        else:
            parts.append(f"`{name}` is " + " or ".join(str(v) for v in values))
    return " and ".join(parts)


def access_sentence(table: Table, auth: str) -> str:
    """Who may create, read, change and delete a table's rows, as the service enforces it."""
    if auth == "none":
        return ownership_sentence(table, auth)
    a = table.access
    read = who(a.read)
    if table.public_when:
        read += f" — only rows where {public_words(table)}; {who(a.managers)} see every row"
        read += " they may change"
    return (
        f"Created by {who(a.create)}; read by {read}; changed by {who(a.update)}; deleted by "
        f"{who(a.delete)}. Anyone else gets 403 for a row they can see and 404 for one they "
        "cannot."
    )


def rule_sentences(table: Table) -> list[str]:
    """The brief's rules on single fields of a table, as the service enforces them."""
    out = []
    for column in table.columns:
        if column.transitions:
            moves = ", ".join(f"{a} → {b}" for a, b in column.transitions)
            start = column.source.default if column.source else None
            out.append(
                f"`{table.name}.{column.api}` starts at {start} and changes only {moves}; "
                "any other change answers 409."
            )
        elif column.immutable:
            out.append(f"`{table.name}.{column.api}` is set on create and never changes.")
        if column.server_set:
            fill = {"now()": "the time of creation", "current_date": "the day of creation"}
            value = fill.get(column.default or "", "its default")
            out.append(
                f"`{table.name}.{column.api}` is set by the server ({value}); a request that "
                "sends it answers 422."
            )
    return out


def ownership_sentence(table: Table, auth: str) -> str:
    if table.owned and table.public_when:
        return (
            f"{table.name.replace('_', ' ').capitalize()} belong to the person who created "
            f"them; others see one only when {public_words(table)}."
        )
    if table.owned:
        return (
            f"{table.name.replace('_', ' ').capitalize()} belong to the person who created "
            "them; anyone else gets 404, as if they did not exist."
        )
    if auth == "none":
        return f"{table.name.replace('_', ' ').capitalize()} are shared: anyone may read and change them."
    return (
        f"{table.name.replace('_', ' ').capitalize()} are shared: anyone may read them, "
        "signed-in users may change them."
    )


def left_open(plan: Plan) -> list[str]:
    """What the brief does not decide and the generated service therefore does not do: said
    in the requirements and the security review, so nobody assumes it is handled."""
    out = []
    auth = plan.brief.stack.auth
    if auth == "none":
        return ['Who may do what: with `auth = "none"` everyone may do everything.']
    shared = [
        t.name
        for t in plan.tables
        if not t.owned and t.entity is not None and t.entity.access is None
    ]
    if shared:
        out.append(
            "Who may change "
            + ", ".join(f"`{n}`" for n in shared)
            + ": the brief gives no `access`, so any signed-in account may create, change "
            "and delete them."
        )
    if not plan.roles:
        out.append(
            "Roles: the brief names none, so every signed-in account has the same rights; "
            "nothing is limited to staff or admins."
        )
    for table in plan.tables:
        for column in table.columns:
            if column.server_set and column.default not in ("now()", "current_date"):
                if column.default == "gen_random_uuid()":
                    continue
                out.append(
                    f"How `{table.name}.{column.api}` is computed: the brief has the server set "
                    f"it, but says nothing of how, so it keeps its default until code is added."
                )
    out += shared_moves(plan)
    out.append(
        "Visibility through a relation (for example 'whoever owns an order sees its "
        "shipment'): the rules reach rows through their owner and roles only."
    )
    return out


def shared_moves(plan: Plan) -> list[str]:
    """State machines whose rows more than one group may change: each of them may make every
    move the transitions allow, since the brief cannot reserve a move for one group."""
    out = []
    for table in plan.tables:
        groups = table.access.update
        if len(groups) < 2:
            continue
        for column in table.columns:
            if column.transitions:
                out.append(
                    f"Who may make which change of `{table.name}.{column.api}`: whoever may "
                    f"change a row ({who(groups)}) may make every move the transitions allow; "
                    "the brief cannot reserve one move for one of them, so that needs code of "
                    "its own."
                )
    return out
