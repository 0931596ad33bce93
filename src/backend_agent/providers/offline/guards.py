"""The brief's v2 rules as SQL of their own: a guard trigger per table for immutable
columns and transitions, and the table of roles. Phase 2 puts them in the migration."""

from __future__ import annotations

from .plan import ROLES_TABLE
from .schema import Plan, Table, constraint_name, sql_string


def guard_name(table: Table) -> str:
    return constraint_name(table.name, "guard")


def guard_sql(table: Table) -> str:
    """A trigger that refuses, whoever writes, a change to an immutable column or a state
    change the brief's transitions do not allow. Its errors name a constraint, so the
    service maps them like any other: 422 for an immutable column, 409 for a transition."""
    name = guard_name(table)
    body = []
    for column in table.guards:
        new, old = f"NEW.{column.sql}", f"OLD.{column.sql}"
        if column.immutable:
            body += [
                f"    IF {new} IS DISTINCT FROM {old} THEN",
                f"        RAISE EXCEPTION '{column.api} cannot change once set'",
                "            USING ERRCODE = 'check_violation', "
                f"CONSTRAINT = '{constraint_name(table.name, column.name, 'immutable')}';",
                "    END IF;",
            ]
        if column.transitions:
            pairs = ", ".join(f"({sql_string(a)}, {sql_string(b)})" for a, b in column.transitions)
            body += [
                f"    IF {new} IS DISTINCT FROM {old}",
                f"            AND ({old}, {new}) NOT IN ({pairs}) THEN",
                f"        RAISE EXCEPTION '{column.api} cannot change from % to %', {old}, {new}",
                "            USING ERRCODE = 'check_violation', "
                f"CONSTRAINT = '{constraint_name(table.name, column.name, 'transition')}';",
                "    END IF;",
            ]
    return "\n".join(
        [
            f"CREATE FUNCTION {name}() RETURNS trigger",
            "LANGUAGE plpgsql AS $$",
            "BEGIN",
            *body,
            "    RETURN NEW;",
            "END;",
            "$$;",
            f"CREATE TRIGGER {name} BEFORE UPDATE ON {table.sql}",
            f"    FOR EACH ROW EXECUTE FUNCTION {name}();",
        ]
    )


def roles_sql(plan: Plan) -> str:
    values = ", ".join(sql_string(r) for r in plan.roles)
    return "\n".join(
        [
            f"CREATE TABLE {ROLES_TABLE} (",
            f"    user_id    uuid NOT NULL CONSTRAINT {ROLES_TABLE}_user_id_fkey "
            "REFERENCES users (id) ON DELETE CASCADE,",
            "    role       text NOT NULL,",
            "    granted_at timestamptz NOT NULL DEFAULT now(),",
            "    PRIMARY KEY (user_id, role),",
            f"    CONSTRAINT {ROLES_TABLE}_role_values CHECK (role IN ({values}))",
            ");",
        ]
    )
