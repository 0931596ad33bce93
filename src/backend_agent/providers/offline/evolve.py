"""The offline generator running a phase again for a changed brief.

It is deterministic, so its last version of every file is its output for the previous
brief, made again in memory (`virtual.run_all`); what it writes now is its output for the
new brief. A phase proposes the files it first wrote whose version changed — whole, as
"theirs"; the engine merges each with the branch. Three kinds of file are not rewritten:
* migrations that exist are history: phase 2 adds the next ones (`migration_delta`);
* an ADR whose decision stands is left alone; one whose decision changed is superseded by
  a new ADR (MADR links both ways); one that no longer applies is marked deprecated;
* files the generator's version did not change are not proposed, whatever the person did.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache

from ...core.brief import Brief
from ...core.brief_diff import BriefDiff, diff_briefs
from ...core.proposal import FileChange, Proposal
from ..base import ProposalRequest
from .adr import Adr, Option, next_number
from .migration_delta import Delta, delta
from .phase2 import MIGRATION
from .plan import build_plan
from .virtual import VirtualBuild, run_all

_ADR = re.compile(r"^docs/adr/(\d{4})-([a-z0-9-]+)\.md$")
_SCHEMA_SENTENCE = f"The schema lives in [`{MIGRATION}`](../{MIGRATION})."


@lru_cache(maxsize=8)
def _run(brief_json: str, start: tuple[tuple[str, str], ...], day: date) -> VirtualBuild:
    return run_all(Brief.model_validate_json(brief_json), dict(start), day)


def virtual(brief: Brief, start: dict[str, str], day: date) -> VirtualBuild:
    """The whole output for `brief`, kept for the next phase of the same evolution."""
    return _run(brief.model_dump_json(), tuple(sorted(start.items())), day)


def propose(request: ProposalRequest) -> tuple[Proposal, dict[str, str | None], dict[str, str]]:
    """(the phase's files as the generator writes them now, its last version of each,
    files that need the person's own approval)."""
    evolution = request.evolution
    assert evolution is not None
    phase_id = request.phase.id
    old = virtual(evolution.before, evolution.start, request.started)
    new = virtual(request.brief, evolution.start, request.started)
    on_branch = request.branch.files()
    changes: list[FileChange] = []
    base: dict[str, str | None] = {}
    confirm: dict[str, str] = {}
    mine = {p for p, ph in new.phase_of.items() if ph == phase_id}
    mine |= {p for p, ph in old.phase_of.items() if ph == phase_id and p not in new.phase_of}
    migrations = sorted(evolution.migrations)
    adrs = {p for p in mine if _ADR.match(p)}
    for path in sorted(mine - adrs):
        if path.startswith("migrations/"):
            continue
        before = old.files.get(path) if path in old.phase_of else None
        after = new.files.get(path) if path in new.phase_of else None
        if path == "docs/data-model.md":
            before = _schema_sentence(before, migrations)
        if before == after and path != "docs/data-model.md":
            continue
        changes.append(_change(path, before, after, new, old))
        base[path] = before
    diff = diff_briefs(evolution.before, request.brief)
    written: list[str] = []
    if phase_id == "data-model":
        migration = _migration(evolution.before, request.brief, diff, migrations)
        for path, sql in migration.files:
            changes.append(
                FileChange(
                    path=path,
                    action="create",
                    kind="schema",
                    content=sql,
                    why="the schema change, safe while the service runs",
                )
            )
            base[path] = None
        if migration.contract:
            confirm[migration.contract] = (
                "drops data (" + ", ".join(diff.dropped or ["grants"]) + "): approve it on its "
                "own once no running code reads it"
            )
        written = [p for p, _ in migration.files]
        _data_model(changes, base, migrations + written)
        adr_extra = [_evolution_adr(evolution.number, diff, migration)] if written else []
    else:
        adr_extra = []
    numbers = set(on_branch) | {c.path for c in changes}
    changes += _adrs(adrs, old, new, numbers, base, request.started, adr_extra)
    summary = _summary(request.phase.title, evolution.number, diff, changes, written)
    return Proposal(phase=phase_id, summary=summary, changes=changes), base, confirm


def _change(
    path: str, before: str | None, after: str | None, new: VirtualBuild, old: VirtualBuild
) -> FileChange:
    source = new.changes.get(path) or old.changes[path]
    if after is None:
        return FileChange(
            path=path, action="delete", kind=source.kind, why="no longer part of the brief"
        )
    return FileChange(path=path, action="create", kind=source.kind, content=after, why=source.why)


def _schema_sentence(text: str | None, migrations: list[str]) -> str | None:
    """data-model.md names the first migration; after an evolution it names them all."""
    if text is None or migrations == [MIGRATION] or not migrations:
        return text
    names = ", ".join(f"`{m.removeprefix('migrations/')}`" for m in migrations)
    return text.replace(
        _SCHEMA_SENTENCE,
        f"The schema lives in [`migrations/`](../migrations/), applied in order: {names}.",
    )


def _data_model(changes: list[FileChange], base: dict, migrations: list[str]) -> None:
    for index, change in enumerate(changes):
        if change.path == "docs/data-model.md" and change.action != "delete":
            text = _schema_sentence(change.content, migrations)
            if text == base.get(change.path):
                changes.pop(index)
                base.pop(change.path)
            else:
                changes[index] = change.model_copy(update={"content": text})
            return


def _migration(before: Brief, after: Brief, diff: BriefDiff, existing: list[str]) -> Delta:
    numbers = [int(m.group(1)) for p in existing if (m := re.match(r"^migrations/(\d+)_", p))]
    renames = {new: old for old, new in diff.entities_renamed}
    fields = {(f.entity, f.name): f.old_name for f in diff.fields if f.how == "renamed"}
    return delta(
        build_plan(before),
        build_plan(after),
        renames,
        fields,
        max(numbers, default=0) + 1,
        _slug(diff),
    )


def _slug(diff: BriefDiff) -> str:
    parts = [f"add_{n.lower()}" for n in diff.entities_added]
    parts += [f"rename_{b.lower()}" for _, b in diff.entities_renamed]
    parts += [
        f"{'add' if f.how == 'added' else 'rename' if f.how == 'renamed' else 'change'}_{f.name}"
        for f in diff.fields
        if f.how != "removed"
    ]
    parts += [f"drop_{f.name}" for f in diff.fields if f.how == "removed"]
    text = ""
    for part in parts:
        if len(text) + len(part) > 40 and text:
            break
        text = f"{text}_{part}" if text else part
    return re.sub(r"[^a-z0-9_]", "_", text.lower())[:50] or "change"


def _adrs(
    paths: set[str],
    old: VirtualBuild,
    new: VirtualBuild,
    taken: set[str],
    base: dict[str, str | None],
    day: date,
    extra: list[Adr],
) -> list[FileChange]:
    """New ADRs numbered after every ADR on the branch; changed decisions supersede the
    ADR they replace (MADR: `superseded by` / `supersedes` links)."""
    by_slug: dict[str, dict[str, str]] = {}
    for path in paths:
        found = by_slug.setdefault(_ADR.match(path).group(2), {})
        if path in new.phase_of:
            found["new"] = path
        if path in old.phase_of:
            found["old"] = path
    _pair_renamed(by_slug)
    out: list[FileChange] = []
    number = next_number(taken)
    for slug in sorted(by_slug, key=lambda s: min(by_slug[s].values())):
        found = by_slug[slug]
        before = old.files.get(found["old"]) if "old" in found else None
        after = new.files.get(found["new"]) if "new" in found else None
        if before is not None and after is not None and _decision(before) == _decision(after):
            continue
        if after is not None:
            path = f"docs/adr/{number:04d}-{slug}.md"
            text = re.sub(r"^# \d+\. ", f"# {number}. ", after, count=1, flags=re.MULTILINE)
            if before is not None:
                text = _append(text, f"Supersedes [ADR-{found['old'][9:13]}]({found['old'][9:]}).")
            out.append(
                FileChange(
                    path=path,
                    action="create",
                    kind="adr",
                    content=text,
                    why=new.changes[found["new"]].why,
                )
            )
            base[path] = None
            number += 1
        if before is not None:
            status = (
                f"superseded by [ADR-{number - 1:04d}]({number - 1:04d}-{slug}.md)"
                if after is not None
                else "deprecated"
            )
            theirs = re.sub(r"^status: .*$", f"status: {status}", before, count=1, flags=re.M)
            out.append(
                FileChange(
                    path=found["old"],
                    action="create",
                    kind="adr",
                    content=theirs,
                    why=f"the decision is {status.split(' [')[0]}",
                )
            )
            base[found["old"]] = before
    for record in extra:
        path = record.path(number)
        out.append(
            FileChange(
                path=path,
                action="create",
                kind="adr",
                content=record.render(number, day),
                why=record.title,
            )
        )
        base[path] = None
        number += 1
    return out


def _pair_renamed(by_slug: dict[str, dict[str, str]]) -> None:
    """An ADR that only the old run wrote and one that only the new run wrote under the
    same number (its slug follows its title: "use-monolith" for "use-modular-monolith")
    are one decision that changed."""
    gone = {found["old"][9:13]: slug for slug, found in by_slug.items() if "new" not in found}
    for found in list(by_slug.values()):
        earlier = gone.get(found.get("new", "")[9:13]) if "old" not in found else None
        if earlier is not None:
            found["old"] = by_slug.pop(earlier)["old"]


def _decision(text: str) -> tuple[str, ...]:
    """What an ADR decides: its title and chosen option (its context may change freely)."""
    keep = [ln for ln in text.splitlines() if ln.startswith(("# ", "Chosen option:"))]
    return tuple(re.sub(r"^# \d+\. ", "", ln) for ln in keep)


def _append(text: str, line: str) -> str:
    if "## More Information" in text:
        return text.rstrip("\n") + f"\n\n{line}\n"
    return text.rstrip("\n") + f"\n\n## More Information\n\n{line}\n"


def _evolution_adr(number: int, diff: BriefDiff, migration: Delta) -> Adr:
    dropped = diff.dropped
    return Adr(
        slug=f"evolution-{number}-schema-change",
        title=f"Change the schema for evolution {number} without stopping the service",
        context="The brief changed after the first release: "
        + "; ".join(diff.lines())
        + ". The service keeps running against the database while the change is deployed, "
        "and the rows already stored must survive it.",
        drivers=[
            "no table rewrite or long exclusive lock on a table the service uses",
            "existing rows keep their values; new required columns get one",
            "a migration that ran somewhere is never edited",
        ],
        options=[
            Option(
                "Expand/contract in new numbered migrations",
                [
                    "renames keep the data (a rename is not a drop and an add)",
                    "new required columns are added nullable, backfilled from their default, "
                    "then made NOT NULL through a validated check",
                    "indexes on existing tables are built CONCURRENTLY",
                ],
                ["more files to review", "dropping data waits for a separate contract step"],
            ),
            Option(
                "Edit the first migration and recreate the database",
                ["one file describes the schema"],
                ["loses every stored row", "databases that ran it never see the change"],
            ),
        ],
        chosen="Expand/contract in new numbered migrations",
        because="it is the only option that keeps the rows and the running service.",
        good=[*migration.notes],
        bad=_costs(dropped, migration),
    )


def _costs(dropped: list[str], migration: Delta) -> list[str]:
    out = []
    if dropped:
        out.append(
            "dropping " + ", ".join(dropped) + " deletes data: the contract migration is "
            "proposed on its own and approved only once no running code reads it (replicas "
            "running the old code do until they are replaced)"
        )
    if any("renamed" in note for note in migration.notes):
        out.append(
            "a rename takes effect at once: replicas still running the old code fail on the "
            "old name until the deploy replaces them, so deploy the migration with the code"
        )
    return out or ["the backfill updates every existing row in one transaction"]


def _summary(
    title: str, number: int, diff: BriefDiff, changes: list[FileChange], written: list[str]
) -> str:
    lines = [
        f"# {title}, evolution {number}",
        "",
        "The brief changed: " + "; ".join(diff.lines()) + ".",
        "",
    ]
    if not changes:
        lines.append("Nothing in this phase changes.")
        return "\n".join(lines)
    lines.append(
        f"{len(changes)} file{'s' if len(changes) != 1 else ''} change. Files that exist are "
        "proposed as a merge with the branch: your own changes stay, and where you and the "
        "generator changed the same lines the hunk is a conflict for you to pick."
    )
    if written:
        lines += ["", "New migrations, applied in this order:", *[f"* `{p}`" for p in written]]
    return "\n".join(lines)
