"""What the generated test modules share: a suite being written, and small pieces of test
source (parameters, names, a change body, a grant of roles, an expected answer)."""

from __future__ import annotations

import re

from ..expect import roles_for
from .api import Api, Resource
from .tests_support import quoted


class Suite:
    """Test functions written one after another, with the names they import."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def test(self, name: str, params: str, body: list[str]) -> None:
        self.lines += ["", "", f"def test_{name}({params}) -> None:", *["    " + b for b in body]]


def params(api: Api, *people: str) -> str:
    return ", ".join(["client: TestClient", *(f"{p}: Account" for p in people)])


def ident(api_name: str) -> str:
    return re.sub(r"\W", "_", api_name)


def change(r: Resource, n: int | str = 1000) -> str:
    """A body that changes one field a client may change, as Python source ({} if none)."""
    if not r.changeable:
        return "{}"
    column = r.changeable[0]
    return f'{{"{column.api}": {r.table.singular}_payload({n})["{column.api}"]}}'


def grant(r: Resource, verbs: tuple[str, ...], who: str = "alice") -> list[str]:
    """A line giving `who` the roles these verbs need on this table, if any."""
    roles = roles_for(r.table, verbs)
    if not roles:
        return []
    return [f"{who} = grant(client, {who}, {quoted(roles)})"]


EXPECT = {
    200: "assert {call}.status_code == 200",
    201: "assert {call}.status_code == 201",
    204: "assert {call}.status_code == 204",
    401: 'assert_problem({call}, 401, "authentication-required")',
    403: 'assert_problem({call}, 403, "forbidden")',
    404: 'assert_problem({call}, 404, "not-found")',
}
