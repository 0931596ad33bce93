"""What the brief's rules promise for one request, worked out from the plan alone: the
answer each kind of caller gets for each verb, and how a test puts a row in a public or a
non-public state.

The generated tests are written from these, so a service that drifts from the brief fails
its own suite. They follow the same rules as `app/access.py` but are written separately,
from the brief's words: every group in a verb's rule reaches every row, except `owner`,
which reaches the caller's own; plain readers see only public rows when the brief names
them; whoever may change a row sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Column, Table


@dataclass(frozen=True)
class Persona:
    """A kind of caller: anonymous, a member, the row's owner, or a holder of one role."""

    name: str
    signed_in: bool
    owner: bool = False
    roles: frozenset[str] = frozenset()


def personas(table: Table, auth: str) -> list[Persona]:
    out = [Persona("anonymous", False)] if auth != "none" else []
    out.append(Persona("member", True))
    if table.owned:
        out.append(Persona("owner", True, True, creator_roles(table)))
    out += [Persona(role, True, False, frozenset({role})) for role in sorted(table.access.roles)]
    return out


def creator_roles(table: Table) -> frozenset[str]:
    """Roles an account needs to create a row (one is enough); none if any account may."""
    groups = table.access.create
    if not table.access.per_caller("create"):
        return frozenset()
    return frozenset(sorted(groups - {"owner"})[:1])


def _every(groups: frozenset[str], who: Persona) -> bool:
    if "anyone" in groups:
        return True
    return who.signed_in and ("signed-in" in groups or bool(who.roles & groups))


def allowed(table: Table, verb: str, who: Persona) -> bool:
    """May `who` use `verb` on a row of `table` (their own row, if they are its owner)?"""
    groups = table.access.groups(verb)
    return _every(groups, who) or (who.owner and "owner" in groups)


def sees(table: Table, who: Persona, public: bool) -> bool:
    """Does `who` see a row that is (or is not) public?"""
    if allowed(table, "update", who) or allowed(table, "delete", who):
        return True
    if who.owner and "owner" in table.access.read:
        return True
    return _every(table.access.read, who) and (public or not table.public_when)


def lists(table: Table, who: Persona) -> bool:
    """May `who` list the table at all (403 otherwise)?"""
    a = table.access
    owns = table.owned and who.signed_in and "owner" in a.read | a.update | a.delete
    return _every(a.update, who) or _every(a.delete, who) or _every(a.read, who) or owns


def status(table: Table, verb: str, who: Persona, public: bool) -> int:
    """The HTTP status of `verb` ("create", "read", "list", "update", "delete") by `who`."""
    rule = "read" if verb == "list" else verb
    if table.access.needs_user(rule) and not who.signed_in:
        return 401
    if verb == "list":
        return 200 if lists(table, who) else 403
    if verb == "create":
        return 201 if allowed(table, "create", who) else 403
    if not sees(table, who, public):
        return 404
    if verb == "read":
        return 200
    if not allowed(table, verb, who):
        return 403
    return 200 if verb == "update" else 204


@dataclass(frozen=True)
class Recipe:
    """How a test makes a row public or not: values to create it with, then changes to
    make one after the other (state machines move only by updates)."""

    body: tuple[tuple[str, object], ...]
    steps: tuple[tuple[str, object], ...]


def recipe(table: Table, public: bool) -> Recipe | None:
    """None when the brief's rules leave no way to reach that state."""
    body: list[tuple[str, object]] = []
    steps: list[tuple[str, object]] = []
    for name, values in table.public_when:
        column = table.column(name)
        choices = _values(column)
        wanted = [v for v in choices if (v in values) == public]
        if not wanted:
            return None
        start = column.source.default if column.source else None
        if column.create:
            body.append((column.api, wanted[0]))
        elif column.transitions:
            path = path_to(column, start, set(wanted))
            if path is None:
                return None
            steps += [(column.api, state) for state in path]
        elif start not in wanted:
            return None
        if not public:
            break  # one field out of its public values is enough
    return Recipe(tuple(body), tuple(steps))


def _values(column: Column) -> list[object]:
    if column.kind == "bool":
        return [True, False]
    return list(column.source.values or []) if column.source else []


def path_to(column: Column, start: object, goals: set[object]) -> list[object] | None:
    """The shortest list of states from `start` to one of `goals` along the transitions."""
    if start in goals:
        return []
    moves: dict[object, list[object]] = {}
    for a, b in column.transitions:
        moves.setdefault(a, []).append(b)
    paths: list[list[object]] = [[start]]
    seen = {start}
    while paths:
        path = paths.pop(0)
        for nxt in moves.get(path[-1], []):
            if nxt in goals:
                return [*path[1:], nxt]
            if nxt not in seen:
                seen.add(nxt)
                paths.append([*path, nxt])
    return None


def refused_move(column: Column) -> tuple[list[object], object] | None:
    """(states to walk to first, a change from there the transitions refuse), preferring the
    nearest state that refuses something; None if every change is allowed from everywhere."""
    values = _values(column)
    start = column.source.default if column.source else None
    allowed_from: dict[object, set[object]] = {}
    for a, b in column.transitions:
        allowed_from.setdefault(a, set()).add(b)
    for state in [start, *[v for v in values if v != start]]:
        path = path_to(column, start, {state})
        if path is None:
            continue
        refused = [v for v in values if v != state and v not in allowed_from.get(state, set())]
        if refused:
            return path, refused[0]
    return None


def roles_for(table: Table, verbs: tuple[str, ...]) -> list[str]:
    """Roles an account needs to use all of `verbs` on a row it created itself."""
    out: set[str] = set()
    for verb in verbs:
        groups = table.access.groups(verb)
        if not table.access.per_caller(verb):
            continue
        if table.owned and "owner" in groups and verb != "create":
            continue
        out.add(min(groups - {"owner"}))
    return sorted(out)
