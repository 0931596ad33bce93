"""The generated service's error catalogue: every problem type it can answer with, and the
map from database constraint names to the request fields they guard."""

from __future__ import annotations

from dataclasses import dataclass

from ..schema import Plan, constraint_name
from .api import Api
from .render import render


@dataclass(frozen=True)
class ProblemType:
    slug: str
    status: int
    title: str
    when: str
    phase: int
    """The phase whose code raises it."""


CATALOGUE = [
    ProblemType(
        "validation-error",
        422,
        "The request is not valid",
        "a body, path or query value breaks a rule; `errors` lists each field",
        3,
    ),
    ProblemType(
        "invalid-reference",
        422,
        "Refers to a row that does not exist",
        "a reference names a row that does not exist or is not yours",
        3,
    ),
    ProblemType(
        "invalid-cursor",
        422,
        "The pagination cursor is not valid",
        "`cursor` is not a `next_cursor` this API gave out",
        3,
    ),
    ProblemType(
        "authentication-required",
        401,
        "Authentication required",
        "no credential, or one that is not valid now (malformed, expired, or ended)",
        3,
    ),
    ProblemType(
        "invalid-credentials",
        401,
        "Invalid credentials",
        "log-in with a wrong email or password (the same answer for both)",
        3,
    ),
    ProblemType(
        "forbidden",
        403,
        "Not allowed",
        "the caller may see the row (or the list) but the brief's access rules do not let "
        "them do this",
        3,
    ),
    ProblemType(
        "not-found",
        404,
        "Resource not found",
        "no such row, or a row that belongs to someone else; also unknown routes",
        3,
    ),
    ProblemType(
        "method-not-allowed",
        405,
        "Method not allowed",
        "the route exists but not with this method",
        3,
    ),
    ProblemType(
        "conflict",
        409,
        "Conflicts with existing data",
        "a unique rule would be broken; `fields` names them",
        3,
    ),
    ProblemType(
        "invalid-transition",
        409,
        "This change of state is not allowed",
        "a change of a field with transitions that the brief does not allow; `fields` names it",
        3,
    ),
    ProblemType(
        "still-referenced",
        409,
        "Still referenced by other rows",
        "deleting a row that others reference with ON DELETE RESTRICT",
        3,
    ),
    ProblemType(
        "database-unavailable",
        503,
        "The database is unavailable",
        "PostgreSQL is unreachable or the pool has no free connection in time",
        3,
    ),
    ProblemType(
        "busy",
        503,
        "Too busy to answer now",
        "every password-hashing slot stayed taken for PASSWORD_HASH_WAIT_SECONDS; "
        "`Retry-After` says when to retry",
        3,
    ),
    ProblemType(
        "internal-error",
        500,
        "Internal server error",
        "a bug; the detail is logged with the request id, never sent",
        3,
    ),
    ProblemType(
        "rate-limited",
        429,
        "Too many requests",
        "the client's token bucket is empty; `Retry-After` says when to retry",
        4,
    ),
    ProblemType("not-ready", 503, "Not ready", "`/readyz` while the database is unreachable", 4),
    ProblemType(
        "payload-too-large",
        413,
        "Request body too large",
        "the body is larger than MAX_BODY_BYTES",
        5,
    ),
    ProblemType(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "a request body that is not `application/json`",
        5,
    ),
    ProblemType(
        "timeout",
        504,
        "The request took too long",
        "the request ran past REQUEST_TIMEOUT_SECONDS and was cancelled",
        5,
    ),
]


def catalogue(up_to_phase: int) -> list[ProblemType]:
    return [p for p in CATALOGUE if p.phase <= up_to_phase]


def transition_constraints(plan: Plan) -> list[str]:
    return sorted(
        constraint_name(t.name, c.name, "transition")
        for t in plan.all_tables
        for c in t.guards
        if c.transitions
    )


def constraint_fields(plan: Plan) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for table in plan.all_tables:
        for unique in table.uniques:
            out[unique.name] = unique.brief_columns
        for column in table.columns:
            for name, _ in column.checks:
                out[name] = (column.api,)
            if column.references and column.writable:
                out[column.references.constraint] = (column.api,)
            if column.immutable:
                out[constraint_name(table.name, column.name, "immutable")] = (column.api,)
            if column.transitions:
                out[constraint_name(table.name, column.name, "transition")] = (column.api,)
    return dict(sorted(out.items()))


def errors_module(api: Api) -> str:
    fields = constraint_fields(api.plan)
    body = "{\n" + "".join(f'    "{k}": {v!r},\n' for k, v in fields.items()) + "}"
    moves = transition_constraints(api.plan)
    return render(
        "errors.py.tmpl",
        project=api.name,
        constraint_fields=body,
        transitions=("{" + ", ".join(f'"{n}"' for n in moves) + "}") if moves else "",
    )
