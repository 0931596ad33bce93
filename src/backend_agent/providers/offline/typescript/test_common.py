"""What the TypeScript test modules share: a suite being written, and small pieces of test
source (accounts, a change body, a grant of roles, an expected answer)."""

from __future__ import annotations

import re

from ..expect import Persona, roles_for
from ..service.api import Resource
from .names import factory, ts


class Suite:
    """`it(...)` blocks one after another. Each names the accounts it needs: `alice` holds
    every role of the brief (tests of the plumbing may do anything), others are members."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def test(self, name: str, people: list[str], body: list[str]) -> None:
        setup = ["const { app } = service;"]
        text = "\n".join(body)
        for person in [p for p in people if re.search(rf"\b{p}\b", text)]:
            make = "await manager(app)" if person == "alice" else "await signUp(app)"
            setup.append(f"const {person} = {make};")
        self.lines += [
            "",
            f"it({ts(name)}, async () => {{",
            *["  " + ln for ln in [*setup, *body]],
            "});",
        ]


def change(r: Resource, n: int | str = 1000) -> str:
    """A body that changes one field a client may change, as TypeScript ({} if none)."""
    if not r.changeable:
        return "{}"
    column = r.changeable[0]
    return f"{{ {column.api}: {factory(r, 'payload')}({n}).{column.api} }}"


def grant(r: Resource, verbs: tuple[str, ...], who: str) -> list[str]:
    """A line giving `who` the roles these verbs need on this table, if any."""
    roles = roles_for(r.table, verbs)
    return [f"await grant(app, {who}, {', '.join(ts(x) for x in roles)});"] if roles else []


def account(who: Persona) -> str:
    """TypeScript making an account for a persona."""
    if not who.signed_in:
        return "ANONYMOUS"
    if who.roles:
        return f"await withRoles(app, {', '.join(ts(r) for r in sorted(who.roles))})"
    return "await signUp(app)"


EXPECT = {
    200: "expect(({call}).statusCode).toBe(200);",
    201: "expect(({call}).statusCode).toBe(201);",
    204: "expect(({call}).statusCode).toBe(204);",
    401: 'assertProblem({call}, 401, "authentication-required");',
    403: 'assertProblem({call}, 403, "forbidden");',
    404: 'assertProblem({call}, 404, "not-found");',
}
