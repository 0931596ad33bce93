"""The brief's access rules for the TypeScript service: src/access.ts (who may do what, per
request) and src/admin.ts (grant and revoke roles), both filled from the plan — and the
SQL conditions of a `Scope`, as the shared rules word them, with this target's placeholders."""

from __future__ import annotations

from ..schema import VERBS, Plan, Table
from ..service.rules import read_condition as shared_read
from ..service.rules import write_condition as shared_write
from .names import ts
from .project import render

PLACEHOLDERS = {"%(_every)s": ":every", "%(_owner)s": ":owner", "%(_public)s": ":public"}


def _native(condition: str | None) -> str | None:
    if condition is None:
        return None
    for python, native in PLACEHOLDERS.items():
        condition = condition.replace(python, native)
    return condition


def read_condition(table: Table, alias: str | None = None) -> str | None:
    """SQL true for the rows a Scope (access.sees) lets the caller read, or None."""
    return _native(shared_read(table, alias))


def write_condition(table: Table) -> str | None:
    """SQL true for the rows a Scope (access.may) lets the caller change, or None."""
    return _native(shared_write(table))


def access_module(plan: Plan) -> str:
    rules = []
    for table in plan.tables:
        rules.append(f"  {table.name}: {{")
        for verb in VERBS:
            rules.append(f"    {verb}: new Set({ts(sorted(table.access.groups(verb)))}),")
        rules.append("  },")
    public = sorted(t.name for t in plan.tables if t.public_when)
    return render(
        "rules/access.ts.tmpl",
        roles=ts(list(plan.roles)),
        rules="\n".join(rules) + "\n",
        public=ts(public) if public else "",
    )


def admin_module() -> str:
    return render("rules/admin.ts.tmpl")
