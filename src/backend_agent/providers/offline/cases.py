"""Which cases a resource's generated suite covers, decided once from the plan: both targets
render these same cases, each in its own language (`service/tests_resources.py`,
`typescript/tests.py`), so the two suites cannot drift apart in what they test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .expect import Persona, allowed, personas, recipe, refused_move, roles_for, status
from .schema import Column
from .service.api import Api, LinkEnd, Reference, Resource

VERBS = ("create", "list", "read", "update", "delete")


def suite_topics(api: Api, r: Resource) -> str:
    """What the file tests, for its first line."""
    return (
        "the happy path, validation, "
        + ("authentication, " if api.auth != "none" else "")
        + ("ownership, " if r.table.owned else "")
        + "and the brief's rules"
    )


def first_required(r: Resource) -> Column | None:
    """A field a create must send (the test leaves it out)."""
    return next((c for c in r.table.creatable if c.required), None)


def first_not_null(r: Resource) -> Column | None:
    """A field an update may not clear (the test sends null)."""
    return next((c for c in r.table.updatable if not c.nullable), None)


def loose_field(r: Resource) -> Column | None:
    """A number or a flag: sent as a string it must be refused (strict types)."""
    return next((c for c in r.fields if c.kind in ("int", "bool")), None)


def blank_field(r: Resource) -> Column | None:
    """A required text: blank it must be refused."""
    return next(
        (c for c in r.fields if c.kind in ("string", "text") and c.source and c.source.required),
        None,
    )


@dataclass(frozen=True)
class Anonymous:
    """What a caller without credentials gets, verb by verb; `bad_credentials` when a create
    needs an account, so wrong credentials must get 401 too."""

    codes: dict[str, int]
    bad_credentials: bool


def anonymous(api: Api, r: Resource) -> Anonymous | None:
    """None when the service has no accounts."""
    if api.auth == "none":
        return None
    who = next(p for p in personas(r.table, api.auth) if not p.signed_in)
    codes = {verb: status(r.table, verb, who, public=True) for verb in VERBS}
    return Anonymous(codes, r.table.access.needs_user("create"))


def others_are_hidden(api: Api, r: Resource) -> bool:
    """Do a member's rows stay hidden from other members (so a test can show it)?"""
    if not r.table.owned:
        return False
    member = next(p for p in personas(r.table, api.auth) if p.name == "member")
    return status(r.table, "read", member, public=False) == 404


@dataclass(frozen=True)
class UniqueCase:
    columns: list[str]
    across_owners: bool
    """The set names a relation, so it holds across owners, not per owner."""


def unique_cases(r: Resource) -> list[UniqueCase]:
    """The uniques a request can repeat (not a state or a server-set value)."""
    creatable = {c.api for c in r.table.creatable}
    out = []
    for unique in r.table.uniques:
        cols = list(unique.brief_columns)
        if set(cols) <= creatable:
            out.append(UniqueCase(cols, r.table.owned and unique.columns[0] != "owner_id"))
    return out


def hidden_target(api: Api, r: Resource, ref: Reference) -> Resource | None:
    """The referenced resource when a plain member cannot see another's row of it (so a
    reference to one must be refused like a missing row); None otherwise."""
    carol = Persona("carol", True, False, frozenset(roles_for(r.table, ("create",))))
    if status(ref.target, "read", carol, public=False) == 404:
        return api.resource(ref.target)
    return None


def states(r: Resource) -> list[bool | None]:
    """The row states the per-caller matrix covers: not public and public, when the brief
    names them (None: the table has no public rows)."""
    if not r.public:
        return [None]
    return [p for p in (False, True) if recipe(r.table, p) is not None]


STATE_WORDS = {None: "a row", False: "a row that is not public", True: "a public row"}


def answers(r: Resource, who: Persona, state: bool | None) -> tuple[int, int, int]:
    """What `who` gets reading, listing and changing a row in `state`."""
    public = bool(state)
    return (
        status(r.table, "read", who, public),
        status(r.table, "list", who, public),
        status(r.table, "update", who, public),
    )


def plain_reader(api: Api, r: Resource) -> Persona | None:
    """A caller who reads public rows but not the others and may not change them, when the
    brief's rules have one (so a test can show that rows that are not public stay hidden)."""
    table = r.table
    if not r.public or None in (recipe(table, True), recipe(table, False)):
        return None
    return next(
        (
            p
            for p in personas(table, api.auth)
            if not p.owner
            and status(table, "read", p, True) == 200
            and status(table, "read", p, False) == 404
            and status(table, "list", p, True) == 200
        ),
        None,
    )


@dataclass(frozen=True)
class TransitionCase:
    """A state column's test: a new row starts at `start`, walks `walk` to `at`, from where
    the brief's transitions refuse `refused`; `first` is the first move allowed from `start`."""

    column: Column
    start: object
    walk: list[object]
    at: object
    refused: object
    first: object


def transition_cases(r: Resource) -> list[TransitionCase]:
    out = []
    for column in [c for c in r.table.columns if c.transitions]:
        start = column.source.default if column.source else None
        found = refused_move(column)
        if found is None:
            continue
        walk, refused = found
        at = walk[-1] if walk else start
        first = next(b for a, b in column.transitions if a == start)
        out.append(TransitionCase(column, start, walk, at, refused, first))
    return out


@dataclass(frozen=True)
class LinkRefusals:
    """What a link's tests expect when a caller links what is not theirs: `far_of_other`,
    a plain member linking someone else's far row (None: no such test); `row_of_other`, a
    member linking to someone else's row."""

    far_of_other: int | None
    row_of_other: int | None


def link_refusals(api: Api, r: Resource, end: LinkEnd) -> LinkRefusals:
    if api.auth == "none":
        return LinkRefusals(None, None)
    far = end.far
    carol = Persona("carol", True, False, frozenset(roles_for(r.table, ("create", "update"))))
    refused = 404 if status(far, "read", carol, public=False) == 404 else 403
    far_of_other = (
        refused if far.owned and (refused == 404 or not allowed(far, "update", carol)) else None
    )
    bob = next(p for p in personas(r.table, api.auth) if p.name == "member")
    refused = status(r.table, "update", bob, public=False)
    row_of_other = (
        refused if r.table.owned and not end.far_is_users and refused in (403, 404) else None
    )
    return LinkRefusals(far_of_other, row_of_other)


def filter_columns(api: Api, r: Resource) -> Iterator[tuple[Column, Resource | None]]:
    """The list filters a test can exercise, each with the resource its value names (None
    for a plain value): a create must be able to choose the value, and not an account."""
    for flt in r.filters:
        column = flt.column
        if not column.create:
            continue  # a state or a server-set value: a create cannot choose it
        if column.kind != "reference":
            yield column, None
            continue
        ref = column.references
        assert ref is not None  # a reference column always has its foreign key
        if ref.table != "users":
            yield column, api.resource(api.plan.table(ref.target_entity))


SERVER_SET_SAMPLES: dict[str, object] = {
    "datetime": "2024-01-01T00:00:00+00:00",
    "date": "2024-01-01",
    "uuid": "00000000-0000-0000-0000-000000000001",
    "decimal": "1.00",
    "int": 1,
    "bool": True,
}


def server_set_sample(column: Column) -> tuple[object, bool]:
    """A well-typed value a client sends for a server-set field (and must be refused), and
    whether it is one of the field's enum values."""
    if column.kind == "enum" and column.source and column.source.values:
        return column.source.values[0], True
    return SERVER_SET_SAMPLES.get(column.kind, "x"), False


SERVER_DEFAULTS = {"now()": "now", "current_date": "today", "gen_random_uuid()": "uuid"}


def server_value(column: Column) -> tuple[str, object]:
    """How a test checks what the server put in a server-set field: "now", "today" or
    "uuid" from its SQL default, else "decimal" or "value" with the brief's default."""
    if column.default in SERVER_DEFAULTS:
        return SERVER_DEFAULTS[column.default], None
    value = column.source.default if column.source else None
    return ("decimal" if column.kind == "decimal" else "value"), value
