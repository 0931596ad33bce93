"""Phase 2, data model: the first migration, the data-model document and its ADRs."""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.migrations import NO_TRANSACTION
from ...core.proposal import FileChange, Proposal
from . import facts
from .adr import Adr, Option, adr_files
from .guards import guard_name, guard_sql, roles_sql
from .naming import sql_ident
from .plan import ROLES_TABLE
from .schema import Column, Index, Link, Plan, Table
from .target import target_for

MIGRATION = "migrations/0001_init.sql"


def _column_sql(column: Column, width: int, inline_fk: bool) -> str:
    parts = [f"{column.sql:<{width}}", column.sql_type]
    if column.name == "id":
        parts.append("PRIMARY KEY")
    elif not column.nullable:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    line = "    " + " ".join(parts)
    fk = column.references
    if fk and inline_fk:
        line += (
            f"\n{' ' * (width + 5)}CONSTRAINT {fk.constraint} REFERENCES {fk.table} (id) "
            f"ON DELETE {fk.on_delete}"
        )
    return line


def _index_sql(table_sql: str, index: Index, unique: bool = False) -> str:
    where = f" WHERE {index.where}" if index.where else ""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    return f"CREATE {kind} {index.name} ON {table_sql} ({', '.join(index.columns)}){where};"


def table_sql(table: Table, deferred: set[tuple[str, str]]) -> str:
    width = max(len(c.sql) for c in table.columns)
    body = [_column_sql(c, width, (table.name, c.name) not in deferred) for c in table.columns]
    for column in table.columns:
        for name, expression in column.checks:
            body.append(f"    CONSTRAINT {name} CHECK ({expression})")
    expression_uniques = []
    for unique in table.uniques:
        if any("(" in c for c in unique.columns):
            expression_uniques.append(unique)
        else:
            body.append(f"    CONSTRAINT {unique.name} UNIQUE ({', '.join(unique.columns)})")
    lines = [f"CREATE TABLE {table.sql} (", ",\n".join(body), ");"]
    for unique in expression_uniques:
        lines.append(_index_sql(table.sql, Index(unique.name, unique.columns, ""), unique=True))
    for index in table.indexes:
        lines.append(_index_sql(table.sql, index))
    lines.append(
        f"CREATE TRIGGER {table.name}_set_updated_at BEFORE UPDATE ON {table.sql}\n"
        "    FOR EACH ROW EXECUTE FUNCTION set_updated_at();"
    )
    if table.guards:
        lines.append(guard_sql(table))
    return "\n".join(lines)


def link_sql(link: Link) -> str:
    left_fk = f"{link.name}_{link.left_column}_fkey"
    right_fk = f"{link.name}_{link.right_column}_fkey"
    width = max(len(link.left_column), len(link.right_column), len("created_at"))
    return "\n".join(
        [
            f"CREATE TABLE {link.sql} (",
            f"    {link.left_column:<{width}} uuid NOT NULL CONSTRAINT {left_fk} "
            f"REFERENCES {link.left.sql} (id) ON DELETE CASCADE,",
            f"    {link.right_column:<{width}} uuid NOT NULL CONSTRAINT {right_fk} "
            f"REFERENCES {link.right.sql} (id) ON DELETE CASCADE,",
            f"    {'created_at':<{width}} timestamptz NOT NULL DEFAULT now(),",
            f"    PRIMARY KEY ({link.left_column}, {link.right_column})",
            ");",
            f"CREATE INDEX {link.name}_{link.right_column}_idx ON {link.sql} ({link.right_column});",
        ]
    )


def migration_sql(plan: Plan) -> str:
    brief = plan.brief
    deferred = {(t.name, fk.column) for t, fk in plan.deferred}
    parts = [
        f"-- {MIGRATION}: the initial schema of {brief.project.name}.",
        "-- Proposed by backend-agent (offline) from backend-brief.toml; review it like code.",
        "-- The migration runner applies each file once, in order, inside one transaction.",
        "-- Needs PostgreSQL 13 or later (gen_random_uuid() is built in).",
        "",
        "-- Keeps updated_at honest without trusting every UPDATE statement to set it.",
        "CREATE FUNCTION set_updated_at() RETURNS trigger",
        "LANGUAGE plpgsql AS $$",
        "BEGIN",
        "    NEW.updated_at := now();",
        "    RETURN NEW;",
        "END;",
        "$$;",
    ]
    for table in plan.all_tables:
        what = (
            "user accounts"
            if table.entity is None or table.name == "users"
            else (f"{table.class_name}" + (", owned by a user" if table.owned else ""))
        )
        parts += ["", f"-- {table.name}: {what}", table_sql(table, deferred)]
    if plan.roles:
        parts += [
            "",
            f"-- {ROLES_TABLE}: who holds which role of the brief; granted and revoked with "
            "`python -m app.admin`",
            roles_sql(plan),
        ]
    if plan.brief.stack.auth == "api-key":
        parts += [
            "",
            "-- api_keys: hashed API keys; the prefix finds the row, the hash proves it",
            API_KEYS_SQL,
        ]
    if plan.brief.stack.auth == "session":
        parts += [
            "",
            "-- sessions: server-side sessions; only a hash of the token is stored",
            SESSIONS_SQL,
        ]
    for link in plan.links:
        parts += [
            "",
            f"-- {link.name}: many-to-many between {link.left.class_name} and "
            f"{link.right.class_name}",
            link_sql(link),
        ]
    for table, fk in plan.deferred:
        parts += [
            "",
            f"-- {table.name}.{fk.column} closes a cycle of references, so it is "
            "added once both tables exist",
            f"ALTER TABLE {table.sql} ADD CONSTRAINT {fk.constraint}\n"
            f"    FOREIGN KEY ({fk.column}) REFERENCES {fk.table} (id) "
            f"ON DELETE {fk.on_delete};",
        ]
    return "\n".join(parts) + "\n"


API_KEYS_SQL = """CREATE TABLE api_keys (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid NOT NULL CONSTRAINT api_keys_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    prefix       text NOT NULL CONSTRAINT api_keys_prefix_key UNIQUE,
    key_hash     text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_user_id_idx ON api_keys (user_id);"""

SESSIONS_SQL = """CREATE TABLE sessions (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL CONSTRAINT sessions_user_id_fkey REFERENCES users (id) ON DELETE CASCADE,
    token_hash text NOT NULL CONSTRAINT sessions_token_hash_key UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);"""


def reserved_names(plan: Plan) -> list[tuple[str, str, str]]:
    """The plan's reserved names as this target writes them: a TypeScript service uses
    every brief name as it is, so only SQL's reserved words remain."""
    if target_for(plan.brief).language == "python":
        return plan.renamed
    out = []
    for where, name, how in plan.renamed:
        if where.startswith("entity "):
            out.append((where, name, how))
        elif sql_ident(name) != name:
            out.append((where, name, f"SQL {sql_ident(name)}"))
    return out


def _reserving(plan: Plan) -> str:
    return "SQL or Python" if target_for(plan.brief).language == "python" else "SQL"


def _rules(column: Column) -> str:
    rules = [expression for _, expression in column.checks]
    fk = column.references
    if fk:
        rules.append(f"→ {fk.table}.id, ON DELETE {fk.on_delete}")
    return "; ".join(f"`{r}`" if not r.startswith("→") else r for r in rules) or ""


def data_model_md(plan: Plan) -> str:
    brief = plan.brief
    lines = [
        f"# Data model — {brief.project.name}",
        "",
        f"The schema lives in [`{MIGRATION}`](../{MIGRATION}). Every table has a `uuid` "
        "primary key, `created_at` and `updated_at` (kept current by a trigger). Rules from the "
        "brief are enforced twice: by request validation and by the constraints below, so a "
        "bug in one layer cannot store bad data.",
        "",
        "## Entity-relationship overview",
        "",
        "```mermaid",
        "erDiagram",
    ]
    for table in plan.all_tables:
        for fk in table.foreign_keys:
            target = fk.table.upper()
            nullable = table.column(fk.column).nullable
            lines.append(
                f"    {target} ||--o{{ {table.name.upper()} : "
                f'"{fk.column}{" (optional)" if nullable else ""}"'
            )
    for link in plan.links:
        lines.append(
            f'    {link.left.name.upper()} }}o--o{{ {link.right.name.upper()} : "{link.name}"'
        )
    for table in plan.all_tables:
        lines.append(f"    {table.name.upper()} {{")
        for column in table.columns:
            key = " PK" if column.name == "id" else " FK" if column.references else ""
            lines.append(f"        {column.sql_type.split('(')[0]} {column.name}{key}")
        lines.append("    }")
    lines += ["```", ""]
    for table in plan.all_tables:
        lines += [f"## `{table.name}`", ""]
        if table.entity is None and table.name == "users":
            lines.append(
                "Accounts for authentication. The email is unique whatever its case "
                "(a unique index on `lower(email)`); only a password hash is stored."
            )
        elif table.name == "users":
            lines.append("Accounts for authentication, extended with the brief's User fields.")
        else:
            owner = (
                "Rows belong to a user (`owner_id`, deleted with the account); every query "
                "filters by owner."
                if table.owned
                else "Rows are shared, not owned."
            )
            lines += [owner, "", facts.access_sentence(table, brief.stack.auth)]
            rules = facts.rule_sentences(table)
            if table.guards:
                rules.append(
                    f"The trigger `{guard_name(table)}` refuses the same changes whoever "
                    "writes, so a bug or a manual UPDATE cannot break them either."
                )
            lines += ["", *[f"* {r}" for r in rules]] if rules else []
        lines += ["", "| Column | Type | Null | Default | Rules |", "|---|---|---|---|---|"]
        for column in table.columns:
            lines.append(
                f"| `{column.name}` | {column.sql_type} | "
                f"{'yes' if column.nullable else 'no'} | "
                f"{('`' + column.default + '`') if column.default else ''} | "
                f"{_rules(column)} |"
            )
        if table.uniques:
            lines += [
                "",
                "Unique: "
                + "; ".join(f"`{u.name}` on ({', '.join(u.columns)})" for u in table.uniques)
                + ".",
            ]
        lines += ["", "Indexes:", ""]
        for index in table.indexes:
            where = f" where `{index.where}`" if index.where else ""
            lines.append(f"* `{index.name}` on ({', '.join(index.columns)}){where} — {index.why}.")
        for unique in table.uniques:
            if unique.columns[0] == "owner_id":
                lines.append(f"* `{unique.name}` (unique) also serves lookups by owner.")
        lines.append("")
    for link in plan.links:
        lines += [
            f"## `{link.name}`",
            "",
            f"Links {link.left.name} and {link.right.name} (many-to-many). The primary key "
            f"({link.left_column}, {link.right_column}) stops duplicate links and serves lookups "
            f"from a {link.left.class_name}; `{link.name}_{link.right_column}_idx` serves lookups "
            f"from a {link.right.class_name}. Deleting either side deletes the link rows.",
        ]
        if link.left.owned and link.right.owned:
            lines.append(
                f"The service only links a {link.left.class_name} to a "
                f"{link.right.class_name} of the same owner."
            )
        lines.append("")
    if plan.roles:
        lines += [
            f"## `{ROLES_TABLE}`",
            "",
            f"Which account holds which role ({', '.join(f'`{r}`' for r in plan.roles)}); every "
            "signed-up account is a member without a row here. The primary key (user_id, role) "
            "makes a grant idempotent; deleting an account deletes its grants. Roles are "
            f"granted and revoked with `{target_for(plan.brief).commands.admin} grant-role "
            "EMAIL ROLE` / "
            "`revoke-role`, and read on each request that needs them, so a revocation holds "
            "from the next request.",
            "",
        ]
    lines += [
        "## Migration path",
        "",
        "* Migrations are numbered files (`NNNN_description.sql`) applied once each, in order, "
        "each in its own transaction; the runner records them in `schema_migrations`.",
        "* A migration, once applied anywhere, is never edited: fix forward with a new file.",
        "* Changes that would lock a busy table follow expand → migrate → contract: add the new "
        "column nullable, backfill in batches, switch the code, then add `NOT NULL` and drop "
        "the old column in a later release.",
        "* Indexes on large tables are built with `CREATE INDEX CONCURRENTLY` in a migration of "
        f"their own whose first line is `{NO_TRANSACTION}` (it cannot run inside a "
        "transaction).",
        "",
    ]
    renamed = reserved_names(plan)
    if renamed:
        lines += [
            "## Reserved words",
            "",
            f"These names from the brief are reserved words in {_reserving(plan)}; the API "
            "keeps the brief's spelling and the code writes them as follows:",
            "",
        ]
        lines += [f"* {where}: {how}" for where, _, how in renamed]
        lines.append("")
    return "\n".join(lines)


def adrs(plan: Plan) -> list[Adr]:
    brief = plan.brief
    enums = [f"{t.name}.{c.name}" for t in plan.tables for c in t.columns if c.kind == "enum"]
    decimals = [f"{t.name}.{c.name}" for t in plan.tables for c in t.columns if c.kind == "decimal"]
    out = [
        Adr(
            slug="schema-conventions",
            title="Schema conventions: uuid keys, timestamptz, text with CHECK constraints",
            context=f"The schema of {brief.project.name} has {len(plan.all_tables)} tables"
            + (f" and {len(plan.links)} join tables" if plan.links else "")
            + ". Conventions decided once keep every table predictable for code and for people."
            + (f" Enumerations: {', '.join(enums)}." if enums else "")
            + (f" Exact amounts: {', '.join(decimals)}." if decimals else ""),
            drivers=[
                "ids must not reveal row counts or be guessable across owners",
                "rules from the brief must hold even if the application has a bug",
                "later migrations must be cheap: no table rewrites to widen a column",
            ],
            options=[
                Option(
                    "uuid keys, timestamptz, text + CHECK, enums as CHECK (... IN ...)",
                    [
                        "gen_random_uuid() needs no extension",
                        "a length or value-set change is a constraint swap, not a type change",
                    ],
                    ["uuids are 16 bytes and index less densely than bigint"],
                ),
                Option(
                    "bigint identity keys, varchar(n), native enum types",
                    ["compact keys"],
                    [
                        "sequential ids leak volume and invite enumeration",
                        "removing an enum value needs a new type",
                    ],
                ),
            ],
            chosen="uuid keys, timestamptz, text + CHECK, enums as CHECK (... IN ...)",
            because="the API exposes ids to clients and the brief's rules change over time.",
            good=[
                "every table reads the same: id, owner (when owned), references, fields, "
                "created_at, updated_at",
                "constraint names are stable, so the API can map a violation to a field",
            ],
            bad=[
                "random uuids scatter inserts across the primary-key index; switch to uuid v7 "
                "when the table grows past tens of millions of rows"
            ],
            more="Decimal fields are `numeric(p, s)` (exact); money is never a float. Boolean "
            "flags are `NOT NULL` with a default, because a third state nobody asked for "
            "surprises every query."
            if decimals
            else "Boolean flags are `NOT NULL` with a "
            "default, because a third state nobody asked for surprises every query.",
        ),
        Adr(
            slug="forward-only-sql-migrations",
            title="Forward-only numbered SQL migrations",
            context="The schema will change after the first release, while the service is "
            "running and holding data.",
            drivers=[
                "a reviewer must see exactly what runs against production",
                "every environment must reach the same schema by the same steps",
            ],
            options=[
                Option(
                    "Numbered SQL files applied by a small runner in the service",
                    ["no extra tool", "the SQL is the review"],
                    ["no automatic down migrations"],
                ),
                Option(
                    "A migration framework with up/down scripts",
                    ["rollbacks scripted"],
                    ["down scripts are rarely tested and lose data"],
                ),
            ],
            chosen="Numbered SQL files applied by a small runner in the service",
            because="plain SQL is what a reviewer can judge for locks and data loss.",
            good=["`schema_migrations` records what ran, when"],
            bad=["rolling back means writing a new forward migration"],
        ),
    ]
    renamed = reserved_names(plan)
    alias = " and alias them in Python" if target_for(brief).language == "python" else ""
    if renamed:
        out.append(
            Adr(
                slug="reserved-words-in-names",
                title="Keep the brief's names even where they are reserved words",
                context=f"The brief uses names that {_reserving(plan)} reserve"
                + ("s" if not alias else "")
                + ": "
                + ", ".join(f"`{name}` ({where})" for where, name, _ in renamed)
                + ".",
                drivers=[
                    "the API should speak the brief's language",
                    "generated SQL and code must still parse",
                ],
                options=[
                    Option(
                        f"Keep the names; quote them in SQL{alias}",
                        ["clients see the brief's words"],
                        ["quoted identifiers in SQL"],
                    ),
                    Option(
                        "Rename them everywhere", ["no quoting"], ["the API and the brief disagree"]
                    ),
                ],
                chosen=f"Keep the names; quote them in SQL{alias}",
                because="the names are the domain's words; only their spelling in code changes.",
                good=["JSON fields match the brief exactly"],
                bad=[
                    "hand-written SQL must remember the quotes: "
                    + ", ".join(how for _, _, how in renamed)
                ],
            )
        )
    return out


def propose(brief: Brief, plan: Plan, existing: list[str], day: date) -> Proposal:
    changes = [
        FileChange(
            path=MIGRATION,
            action="create",
            kind="schema",
            content=migration_sql(plan),
            why="tables, keys, constraints and indexes for every entity in the brief",
        ),
        FileChange(
            path="docs/data-model.md",
            action="create",
            kind="doc",
            content=data_model_md(plan),
            why="the schema explained: ER diagram, columns, rules, indexes and why",
        ),
    ]
    changes += adr_files(adrs(plan), existing, day)
    index_count = sum(len(t.indexes) for t in plan.all_tables) + len(plan.links)
    summary = "\n".join(
        [
            f"# Data model for {brief.project.name}",
            "",
            f"{len(plan.all_tables)} tables"
            + (
                f" and {len(plan.links)} join table{'s' * (len(plan.links) != 1)}"
                if plan.links
                else ""
            )
            + f", {index_count} indexes. Every foreign key has an explicit `ON DELETE` and an index; "
            "every rule in the brief (lengths, ranges, enum values, uniqueness) is also a "
            "constraint.",
            "",
            *[f"* `{t.name}`: " + ", ".join(c.name for c in t.columns) for t in plan.all_tables],
        ]
    )
    return Proposal(phase="data-model", summary=summary, changes=changes)
