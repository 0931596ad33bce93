"""A lint of new migrations for what locks or rewrites a table a running service uses.

Our own rules on PostgreSQL's parse tree (pglast), in the spirit of squawk: each finding
names the statement's line, the rule, what goes wrong and the safe way to do it. Tables
created in the same new migrations are empty, so nothing on them is a finding. The rules
follow the statements in order across the files, so `SET NOT NULL` after a validated
`CHECK (c IS NOT NULL)` (PostgreSQL 12+ then skips the scan) is no finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.checks import CheckResult, position
from ..core.migrations import NO_TRANSACTION

STABLE_DEFAULTS = {"now", "current_timestamp", "current_date", "statement_timestamp"}

RULES = {
    "adding-required-field": (
        "ADD COLUMN ... NOT NULL without a default fails on a table with rows",
        "add the column nullable, backfill it, then SET NOT NULL behind a validated "
        "CHECK (column IS NOT NULL)",
    ),
    "adding-field-with-volatile-default": (
        "a volatile default (e.g. gen_random_uuid(), random()) rewrites the whole table "
        "under an ACCESS EXCLUSIVE lock",
        "add the column without a default, SET DEFAULT in a second statement, backfill the "
        "existing rows in batches",
    ),
    "adding-constraint-with-column": (
        "a REFERENCES, UNIQUE or CHECK on ADD COLUMN is checked or built while the table is locked",
        "add the column plain, then the constraint NOT VALID (or a unique index "
        "CONCURRENTLY) and VALIDATE it in a later transaction",
    ),
    "setting-not-null": (
        "SET NOT NULL scans every row under an ACCESS EXCLUSIVE lock",
        "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT it, "
        "then SET NOT NULL (no scan) and drop the check",
    ),
    "changing-column-type": (
        "ALTER COLUMN ... TYPE rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
        "add a new column of the new type, backfill it, switch the code, drop the old one "
        "in a contract step",
    ),
    "constraint-missing-not-valid": (
        "a new CHECK or FOREIGN KEY checks every row while it holds a lock that blocks writes",
        "add it NOT VALID, then VALIDATE CONSTRAINT in a later transaction (it blocks no writes)",
    ),
    "adding-unique-constraint": (
        "ADD CONSTRAINT ... UNIQUE/PRIMARY KEY builds its index under an ACCESS EXCLUSIVE lock",
        "CREATE UNIQUE INDEX CONCURRENTLY in a file of its own, then ADD CONSTRAINT ... "
        "UNIQUE USING INDEX",
    ),
    "require-concurrent-index-creation": (
        "CREATE INDEX blocks every write to the table while it builds",
        f"CREATE INDEX CONCURRENTLY, alone in a file whose first line is `{NO_TRANSACTION}`",
    ),
    "require-concurrent-index-deletion": (
        "DROP INDEX takes an ACCESS EXCLUSIVE lock on the table",
        f"DROP INDEX CONCURRENTLY, alone in a file whose first line is `{NO_TRANSACTION}`",
    ),
    "concurrently-in-transaction": (
        "PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY inside a transaction, and the "
        "runner applies this file in one",
        f"put the statement alone in a file whose first line is `{NO_TRANSACTION}`",
    ),
    "no-transaction-file-with-several-statements": (
        "a no-transaction file is sent as one query, which PostgreSQL runs as one "
        "transaction: CONCURRENTLY fails there, and a failure part-way is half applied",
        "one statement per no-transaction file",
    ),
    "dropping-data": (
        "DROP TABLE / DROP COLUMN deletes data, and running code that reads it fails",
        "drop in a contract migration of its own, approved once no running code reads it",
    ),
}
UNSAFE = set(RULES) - {"dropping-data"}


@dataclass
class Finding:
    path: str
    line: int
    column: int
    rule: str

    @property
    def unsafe(self) -> bool:
        return self.rule in UNSAFE

    def result(self) -> CheckResult:
        why, safe = RULES[self.rule]
        return CheckResult(
            check="sql.lint",
            status="fail" if self.unsafe else "warn",
            message=f"{self.rule}: {why}; safe: {safe}",
            line=self.line,
            column=self.column,
        )


@dataclass
class _State:
    created: set[str] = field(default_factory=set)
    """Tables the new migrations create (empty, so nothing on them locks anything)."""
    proofs: dict[str, tuple[str, str]] = field(default_factory=dict)
    """NOT VALID checks `column IS NOT NULL`: name → (table, column)."""
    proved: set[tuple[str, str]] = field(default_factory=set)


def lint(files: list[tuple[str, str]]) -> list[Finding]:
    """Findings for the new migrations `files` ((path, SQL), in the order they apply);
    a file that does not parse is left to the parse check."""
    from pglast import parse_sql
    from pglast.parser import ParseError

    state = _State()
    out: list[Finding] = []
    for path, sql in files:
        try:
            statements = parse_sql(sql)
        except ParseError:
            continue
        marked = sql.splitlines()[:1] == [NO_TRANSACTION]
        if marked and len(statements) > 1:
            offset = statements[1].stmt_location or 0
            out.append(_at(path, sql, offset, "no-transaction-file-with-several-statements"))
        for raw in statements:
            found = _statement(raw.stmt, state, marked)
            out += [_at(path, sql, raw.stmt_location or 0, rule) for rule in found]
    return out


def _at(path: str, sql: str, offset: int, rule: str) -> Finding:
    text = sql[offset:]
    skipped = len(text) - len(text.lstrip())
    line, column = position(sql, offset + skipped)
    return Finding(path, line or 1, column or 1, rule)


def _statement(stmt, state: _State, marked: bool) -> list[str]:
    kind = type(stmt).__name__
    if kind == "CreateStmt":
        state.created.add(stmt.relation.relname)
        return []
    if kind == "IndexStmt":
        if stmt.concurrent:
            return [] if marked else ["concurrently-in-transaction"]
        return (
            [] if stmt.relation.relname in state.created else ["require-concurrent-index-creation"]
        )
    if kind == "DropStmt":
        name = stmt.removeType.name
        if name == "OBJECT_INDEX":
            if stmt.concurrent:
                return [] if marked else ["concurrently-in-transaction"]
            return ["require-concurrent-index-deletion"]
        return ["dropping-data"] if name == "OBJECT_TABLE" else []
    if kind == "AlterTableStmt" and stmt.relation is not None:
        table = stmt.relation.relname
        if table in state.created:
            return []
        out: list[str] = []
        for cmd in stmt.cmds or ():
            out += _command(table, cmd, state)
        return out
    return []


def _command(table: str, cmd, state: _State) -> list[str]:
    sub = cmd.subtype.name
    if sub == "AT_AddColumn":
        return _add_column(cmd.def_)
    if sub == "AT_SetNotNull":
        return [] if (table, cmd.name) in state.proved else ["setting-not-null"]
    if sub == "AT_AlterColumnType":
        return ["changing-column-type"]
    if sub == "AT_DropColumn":
        return ["dropping-data"]
    if sub == "AT_ValidateConstraint":
        if cmd.name in state.proofs:
            state.proved.add(state.proofs[cmd.name])
        return []
    if sub == "AT_AddConstraint":
        return _add_constraint(table, cmd.def_, state)
    return []


def _add_column(column) -> list[str]:
    constraints = column.constraints or ()
    types = {c.contype.name for c in constraints}
    out = []
    default = next((c for c in constraints if c.contype.name == "CONSTR_DEFAULT"), None)
    if "CONSTR_NOTNULL" in types and default is None:
        out.append("adding-required-field")
    if default is not None and _volatile(default.raw_expr):
        out.append("adding-field-with-volatile-default")
    if types & {"CONSTR_FOREIGN", "CONSTR_UNIQUE", "CONSTR_CHECK", "CONSTR_PRIMARY"}:
        out.append("adding-constraint-with-column")
    return out


def _volatile(expression) -> bool:
    if type(expression).__name__ != "FuncCall":
        return False
    name = expression.funcname[-1].sval.lower()
    return name not in STABLE_DEFAULTS


def _add_constraint(table: str, constraint, state: _State) -> list[str]:
    kind = constraint.contype.name
    if kind in ("CONSTR_UNIQUE", "CONSTR_PRIMARY"):
        return [] if constraint.indexname else ["adding-unique-constraint"]
    if kind not in ("CONSTR_CHECK", "CONSTR_FOREIGN"):
        return []
    if not constraint.skip_validation:
        return ["constraint-missing-not-valid"]
    expression = constraint.raw_expr
    if (
        kind == "CONSTR_CHECK"
        and type(expression).__name__ == "NullTest"
        and expression.nulltesttype.name == "IS_NOT_NULL"
        and type(expression.arg).__name__ == "ColumnRef"
    ):
        state.proofs[constraint.conname] = (table, expression.arg.fields[-1].sval)
    return []


def results(files: list[tuple[str, str]]) -> dict[str, list[CheckResult]]:
    """Per file: its findings, or one pass saying how many statements were linted."""
    findings = lint(files)
    out: dict[str, list[CheckResult]] = {path: [] for path, _ in files}
    for finding in findings:
        out[finding.path].append(finding.result())
    for found in out.values():
        if not found:
            found.append(
                CheckResult(
                    check="sql.lint",
                    status="pass",
                    message="no statement locks or rewrites a table the service uses",
                )
            )
    return out
