"""The accounts table as both targets' account code reads it: the brief's own fields on
`users`, and the columns a user repository returns and inserts — decided once, rendered
by `service/accounts.py` and `typescript/accounts.py`."""

from __future__ import annotations

from dataclasses import dataclass

from .schema import Column, Plan, Table
from .service.models import out_columns


def extra_fields(users: Table) -> list[Column]:
    """The fields the brief gives accounts beyond email and password."""
    return [c for c in users.columns if c.source is not None]


@dataclass(frozen=True)
class UserColumns:
    extra: list[Column]
    returned: str
    """The SQL column list a query returns."""
    inserted: str
    """The SQL column list of a sign-up's INSERT."""


def user_columns(plan: Plan) -> UserColumns:
    assert plan.users is not None
    extra = extra_fields(plan.users)
    return UserColumns(
        extra,
        ", ".join(c.sql for c in out_columns(plan.users.columns)),
        ", ".join(["email", "password_hash", *(c.sql for c in extra)]),
    )
