"""The service's access rules as code: `app/access.py` (who may do what, per request) and
`app/admin.py` (grant and revoke roles), both filled from the plan.

The decisions — which groups each verb allows, which rows are public — are the plan's;
this module only writes them down for the Python target.
"""

from __future__ import annotations

from ..schema import VERBS, Plan, Table
from .render import render


def _groups(groups: frozenset[str]) -> str:
    return "frozenset({" + ", ".join(f'"{g}"' for g in sorted(groups)) + "})"


def access_module(plan: Plan) -> str:
    rules = []
    for table in plan.tables:
        rules.append(f'    "{table.name}": {{')
        rules += [f'        "{verb}": {_groups(table.access.groups(verb))},' for verb in VERBS]
        rules.append("    },")
    public = sorted(t.name for t in plan.tables if t.public_when)
    return render(
        "rules/access.py.tmpl",
        roles=_tuple(plan.roles),
        rules="\n".join(rules) + "\n",
        public=("{" + ", ".join(f'"{n}"' for n in public) + "}") if public else "",
    )


def _tuple(names: tuple[str, ...]) -> str:
    quoted = [f'"{n}"' for n in names]
    return f"({quoted[0]},)" if len(quoted) == 1 else "(" + ", ".join(quoted) + ")"


def admin_module() -> str:
    return render("rules/admin.py.tmpl")


def read_condition(table: Table, alias: str | None = None) -> str | None:
    """SQL true for the rows a `Scope` (from `access.sees`) lets the caller read; None when
    every caller who reaches the route reads every row."""
    if not (table.owned or table.public_when or table.access.per_caller("read")):
        return None
    prefix = f"{alias}." if alias else ""
    parts = ["%(_every)s"]
    if table.owned:
        parts.append(f"{prefix}owner_id = %(_owner)s")
    public = table.public_sql(alias)
    if public:
        parts.append(f"(%(_public)s AND {public})")
    return "(" + " OR ".join(parts) + ")"


def write_condition(table: Table) -> str | None:
    """SQL true for the rows a `Scope` (from `access.may`) lets the caller change; None for
    shared tables, whose rule holds for every row alike and is checked before the SQL."""
    if not table.owned:
        return None
    return "(%(_every)s OR owner_id = %(_owner)s)"
