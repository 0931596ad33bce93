"""Evolving a TypeScript (Fastify) build: the offline generator runs the brief's own target
for both briefs, so the delta is TypeScript, merged with the person's edits, and the
service ends as a fresh build of the changed brief would be, apart from the migration
history."""

from __future__ import annotations

from pathlib import Path

from .conftest import EXAMPLES, git
from .helpers import offline_build, run_cli

SCHEMAS = "src/modules/venue/schemas.ts"
HISTORY = ("migrations/", "docs/adr/", "docs/data-model.md")
"""What an evolution writes as history where a fresh build writes the end state."""


def _with_website(tmp_path: Path) -> Path:
    text = (EXAMPLES / "events.toml").read_text()
    capacity = '  { name = "capacity", type = "int", min = 1, max = 100000, required = true },\n'
    assert capacity in text
    changed = tmp_path / "events_evolved.toml"
    changed.write_text(
        text.replace(
            capacity, capacity + '  { name = "website", type = "string", max_length = 200 },\n', 1
        )
    )
    return changed


def _files(worktree: Path) -> dict[str, str]:
    paths = git(worktree, "ls-files").split("\n")
    return {p: (worktree / p).read_text() for p in paths if p and not p.startswith(HISTORY)}


def test_a_typescript_build_evolves_in_typescript_and_keeps_the_persons_edit(make_repo, tmp_path):
    repo = make_repo()
    worktree = offline_build(repo, EXAMPLES / "events.toml")
    schemas = worktree / SCHEMAS
    mine = "/** Venues as the box office knows them. */\n"
    schemas.write_text(
        schemas.read_text().replace(
            "export const VenueCreate", mine + "export const VenueCreate", 1
        )
    )
    git(worktree, "commit", "-qam", "my comment")
    changed = _with_website(tmp_path)

    result = run_cli(
        "evolve",
        "--repo",
        str(repo),
        "--brief",
        str(changed),
        "--approve",
        "all",
        "--checks",
        "none",
        timeout=300,
    )

    assert result.returncode == 0, result.stderr[-3000:]
    evolved = _files(worktree)
    assert not [p for p in evolved if p.endswith(".py")], "a TypeScript build got Python files"
    assert mine in evolved[SCHEMAS] and "website: z.string().max(200)" in evolved[SCHEMAS]
    fresh = _files(offline_build(make_repo(), changed))
    fresh[SCHEMAS] = fresh[SCHEMAS].replace(
        "export const VenueCreate", mine + "export const VenueCreate", 1
    )
    assert evolved == fresh
    migration = (worktree / "migrations/0002_add_website.sql").read_text()
    assert "ALTER TABLE venues ADD COLUMN website text" in migration
    assert "Venue: + website" in git(worktree, "log", "-1", "--format=%B")
