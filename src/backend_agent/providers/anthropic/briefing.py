"""The fixed words of a phase's task: what each phase must deliver, the test contract the
checks hold the generated suite to, and the output contract (how to answer).

The test contract is stated in the same words in the python-fastapi-patterns skill (a test
keeps the two identical): the model reads one rule, wherever it looks.
"""

from __future__ import annotations

from .tools import DELETE, EDITOR, FINISH

CHECKLISTS: dict[str, tuple[str, ...]] = {
    "architecture": (
        "`docs/requirements.md`: who uses the backend, what they do, the rules that matter, "
        "and the brief's non-functional targets as numbers",
        "`docs/architecture.md`: the pattern chosen (monolith, modular monolith, "
        "microservices or serverless) and why, the components, how a request flows, how it "
        "is deployed",
        "`docs/adr/NNNN-short-title.md`, one per decision (pattern, stack, authentication, "
        "data store): context, decision, consequences, the alternatives considered",
    ),
    "data-model": (
        "`migrations/NNNN_name.sql`, numbered after the existing ones and forward-only: "
        "every table with its key, NOT NULL where a value is required or defaulted, foreign "
        "keys with their ON DELETE rule, unique constraints (per owner where rows belong to "
        "a user), CHECK constraints for enums and bounds, an index on every foreign key and "
        "on the columns the brief marks `indexed`",
        "the migrations apply cleanly, in order, to an empty PostgreSQL database",
        "`docs/data-model.md`: the entities and their relations (an ER diagram in Mermaid), "
        "and how the schema is migrated",
        "an ADR for each schema choice that is not obvious (keys, deletes, reserved words)",
    ),
    "service-layer": (
        "the project itself: `pyproject.toml` with every runtime and test dependency (the "
        "test ones as a `test` extra), the application package, settings read from the "
        "environment (`DATABASE_URL`)",
        "a migration runner the service and the test suite share",
        "per entity: input and output models with bounds, a repository (parameterized SQL), "
        "a service with the rules, routes; owner-scoped rows answer 404 to others",
        "errors as RFC 9457 problem+json, for domain, validation, HTTP and unexpected errors",
        "authentication and authorization as the brief's `auth` says",
        "tests under `tests/` that follow the test contract below and cover the happy path, "
        "401, 404 for another person's rows, the 422 problem shape and 409 on duplicates",
    ),
    "infrastructure": (
        "structured (JSON) logging with a request id on every line and in a response header",
        "caching with explicit invalidation on writes",
        "rate limiting that answers 429 problem+json with Retry-After",
        "health (no database) and readiness (database reachable) endpoints",
        "tests for each, following the test contract below",
    ),
    "hardening": (
        "`docs/security-review.md`: the OWASP API Top 10 walked through for this service, "
        "what is done and what is left",
        "graceful shutdown, timeouts on every outbound call and database statement, a "
        "request body size limit",
        "metrics (request counts and latencies) and what to alert on",
        "configuration validated at startup: a bad environment stops the process before it serves",
        "tests for each, following the test contract below",
    ),
    "documentation": (
        "`README.md`: what the service is, how to run, configure and test it",
        "`docs/operations.md`: deploying, configuration, migrations, backups, monitoring",
        "`docs/runbooks/*.md`: one per alert or failure a team on call meets, with the "
        "commands to diagnose and fix it",
    ),
}

TEST_CONTRACT = """\
The checks run the suite with `python -m pytest` from the repository root, against a \
throwaway PostgreSQL:
- `DATABASE_URL` and `TEST_DATABASE_URL` are both set, to the same empty database: no \
tables, no data.
- The suite applies the migrations itself: a session fixture in `tests/conftest.py` runs \
every `migrations/*.sql` file in order on that database (or on a schema of its own in \
it), with the same runner the service uses, before the first test.
- `src/` and the repository root are on the import path; the project's dependencies are \
installed from `pyproject.toml`. Nothing else runs: no service, no network, no secrets.
- Each test starts from empty tables and leaves nothing another test depends on."""

CODE_PHASES = ("service-layer", "infrastructure", "hardening")


def output_contract(phase_number: int) -> str:
    return f"""\
# How to answer (the output contract)
- Write each file with the `{EDITOR}` tool: `create` writes a whole new file (or replaces \
one), `str_replace` changes an exact, unique piece of a file (a file of this phase or one \
on the branch), `insert` adds lines after a line number, `view` reads a file, a folder or \
a skill's reference (e.g. `skills/NAME/references/FILE.md`). To change a few lines of an \
existing file, use `str_replace`; do not re-create it.
- `{DELETE}` removes files. A file you do not mention is kept as it is: leaving it out \
never deletes it.
- Every tool call is answered: done, or refused with the reason. Read the answers and \
correct what was refused.
- Files are complete: no placeholders, no "rest unchanged", no TODO stubs. Paths are \
relative to the repository root with '/' separators: no absolute paths, no '..', \
nothing under .git/. No real secrets in any file: read them from the environment.
- Write a sentence or two of plain text between groups of calls saying what you are \
doing: the person reads it while you work.
- When every file of phase {phase_number} is written, call `{FINISH}` once: the summary \
(markdown: decisions, reasons, trade-offs, what is left to later phases), your \
assumptions, the questions only the person can answer, and each file you wrote or \
deleted with its kind (adr, schema, code, test, doc, config) and one line of why."""
