"""Checks in the engine: run them on a phase's proposal, keep the results with the build,
and decide with them (approve what passes, hold back files with secrets, ask for fixes).

Results are bound to content: a file's results hold only while its effective content (the
person's edit if any) hashes to what was checked, and phase-wide results only while the
whole proposal does. Stale results are reported as such, never as passes.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from ..checks import secrets
from ..checks.runner import StageDone
from ..core.checks import (
    CheckEvent,
    CheckOptions,
    CheckOutput,
    CheckResult,
    ChecksDone,
    ChecksUpdated,
    FileChecks,
    PhaseChecks,
)
from ..core.errors import BadInput
from ..core.proposal import FileChange, Proposal, content_hash
from .state import PhaseRecord, now

if TYPE_CHECKING:
    from .session import BuildSession

STALE = "edited after the checks ran: run them again"
TAIL_LINES = 40
"""Lines of the test run's output kept with the results, for a fix round to show."""
CANNOT_REVISE = {
    "offline": "the offline generator cannot act on feedback, so there is nothing to ask it "
    "to fix; edit the files yourself, or use --provider anthropic",
    "replay": "a replayed build plays back what was recorded and cannot act on feedback",
}


def overlay(record: PhaseRecord) -> dict[str, str | None]:
    """path → what would be committed (None for a deletion)."""
    proposal = record.proposal
    return {
        c.path: None if c.action == "delete" else record.review(c.path).content(c)
        for c in (proposal.changes if proposal else [])
    }


def environments(session: BuildSession):
    """The build's own folder of project environments (reused phase after phase)."""
    return session.repo.data_dir / "envs" / session.state.build


def tree_hash(files: dict[str, str | None]) -> str:
    digest = hashlib.sha256()
    for path in sorted(files):
        content = files[path]
        digest.update(f"{path}\0{'-' if content is None else content_hash(content)}\0".encode())
    return digest.hexdigest()


def run(
    session: BuildSession,
    paths: list[str] | None,
    options: CheckOptions,
    cancel: threading.Event | None,
) -> Iterator[CheckEvent]:
    """Check the current phase's proposal (or only `paths` of it), saving each stage's
    results as it finishes."""
    from ..checks import runner
    from ..checks.tree import ProposedTree

    record = session.record()
    if record.proposal is None:
        raise BadInput("there is no proposal to check yet; generate the phase first")
    if record.status == "committed":
        raise BadInput(
            f"phase {record.id} is committed: its files are on the branch, not proposed",
            hint="undo the commit to check and review it again",
        )
    if options.test_command is not None:  # remembered: the wizard and resumes use it too
        session.state.test_command = options.test_command.strip() or None
    options = replace(
        options,
        test_command=session.state.test_command,
        environments=options.environments or environments(session),
    )
    files = overlay(record)
    targets = list(files) if paths is None else [session.change(p).path for p in paths]
    hashes = {p: content_hash(files[p] or "") for p in targets}
    checks = PhaseChecks() if paths is None else _partial_start(record, targets, hashes)
    for path in targets:
        checks.files[path] = FileChecks(hash=hashes[path])
    cancel = cancel or threading.Event()
    tree = ProposedTree(session.worktree, files)
    tail: list[str] = []
    for event in runner.run(tree, targets, options, cancel):
        if isinstance(event, CheckOutput):
            tail = [*tail[1 - TAIL_LINES :], event.line]
        if not isinstance(event, StageDone):
            yield event
            continue
        checks = event.added_to(checks)
        if event.stage == "tests":
            checks.output_tail = tail
        record.checks = checks
        session.save()
        yield ChecksUpdated(event.stage, tuple(event.files))
    checks = checks.model_copy(
        update={"tree_hash": tree_hash(files), "finished": now(), "cancelled": cancel.is_set()}
    )
    record.checks = checks
    session.save()
    yield ChecksDone(checks, failures(record), headline(record))


def _partial_start(record: PhaseRecord, targets: list[str], hashes: dict[str, str]) -> PhaseChecks:
    """A re-run for some files keeps the others' results; a test result that predates an
    edit of one of them no longer says anything."""
    checks = (record.checks or PhaseChecks()).model_copy(deep=True)
    edited = [p for p in targets if p in checks.files and checks.files[p].hash != hashes[p]]
    if edited and any(r.check == "tests" for r in checks.phase):
        checks.phase = [r for r in checks.phase if r.check != "tests"] + [
            CheckResult(
                check="tests",
                status="skipped",
                message=f"not run since {', '.join(edited)} changed: run all checks again",
            )
        ]
    return checks


def file_results(record: PhaseRecord, change: FileChange) -> list[CheckResult] | None:
    """The results for the file as it is now; None when never checked, and a single
    skipped result when it changed after the run."""
    checks = record.checks
    found = checks.files.get(change.path) if checks else None
    if found is None:
        return None
    content = "" if change.action == "delete" else record.review(change.path).content(change)
    if found.hash != content_hash(content):
        return [CheckResult(check="checks", status="skipped", message=STALE)]
    return found.results


def phase_results(record: PhaseRecord) -> list[CheckResult]:
    checks = record.checks
    if checks is None or not checks.finished:
        return list(checks.phase) if checks else []
    if checks.tree_hash != tree_hash(overlay(record)):
        return [
            CheckResult(
                check="checks",
                status="skipped",
                message="the proposal changed after the checks ran: run them again",
            )
        ]
    return list(checks.phase)


def failures(record: PhaseRecord) -> list[tuple[str | None, CheckResult]]:
    found: list[tuple[str | None, CheckResult]] = []
    for change in record.proposal.changes if record.proposal else []:
        for result in file_results(record, change) or []:
            if result.status == "fail":
                found.append((change.path, result))
    found += [(None, r) for r in phase_results(record) if r.status == "fail"]
    return found


def held_back(record: PhaseRecord) -> dict[str, str]:
    """Undecided files with a secret in them: never approved in bulk, only one by one.
    Scanned live, so it holds even before (or without) a check run."""
    held = {}
    for change in record.proposal.changes if record.proposal else []:
        review = record.review(change.path)
        if change.action == "delete" or review.state(change) not in ("pending", "edited"):
            continue
        found = secrets.scan(change.path, review.content(change))
        if found:
            first = found[0]
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            held[change.path] = f"{first.message.split(':')[0]} at line {first.line}{more}"
    return held


def sort_by_checks(record: PhaseRecord) -> tuple[list[str], dict[str, str]]:
    """Undecided files whose checks all ran and pass, and why each other undecided file is
    left: a failure, a check of its own that did not run, or a test run of the proposal
    that did not run (for the files a suite exercises: all but documents)."""
    from ..checks.runner import DOC_SUFFIXES

    suite = [r for r in phase_results(record) if r.check in ("tests", "checks") and r.not_run]
    passing: list[str] = []
    left: dict[str, str] = {}
    for change in record.proposal.changes if record.proposal else []:
        state = record.review(change.path).state(change)
        if state == "approved":
            continue
        if state == "rejected":
            left[change.path] = "rejected"
            continue
        results = file_results(record, change)
        failed = [r for r in results or [] if r.status == "fail"]
        not_run = [r for r in results or [] if r.not_run]
        if change.action != "delete" and PurePosixPath(change.path).suffix not in DOC_SUFFIXES:
            not_run += suite
        if results is None:
            left[change.path] = "not checked: run the checks first"
        elif any(r.message == STALE for r in results):
            left[change.path] = STALE
        elif failed:
            left[change.path] = "; ".join(
                f"{r.check} {r.where(change.path)}: {r.message}" for r in failed[:3]
            ) + (f" (and {len(failed) - 3} more)" if len(failed) > 3 else "")
        elif not_run:
            left[change.path] = "checks did not run: " + "; ".join(
                f"{r.check}: {r.message}" for r in not_run[:3]
            )
        else:
            passing.append(change.path)
    return passing, left


def headline(record: PhaseRecord) -> str:
    """The checks in one line, honest about what did not pass: "2 failed, 3 warnings, tests
    not run"; "all passed" only when every check that applies ran and passed."""
    changes = record.proposal.changes if record.proposal else []
    results = [r for c in changes for r in file_results(record, c) or []]
    results += phase_results(record)
    failed = sum(1 for r in results if r.status == "fail")
    warned = sum(1 for r in results if r.status == "warn")
    not_run = sorted({r.check for r in results if r.not_run})
    parts = [f"{failed} failed"] if failed else []
    if warned:
        parts.append(f"{warned} warning{'s' if warned != 1 else ''}")
    if not_run:
        parts.append(f"{', '.join(not_run)} not run")
    return ", ".join(parts) or "all passed"


def stored_status(record: PhaseRecord, at: datetime | None = None) -> str | None:
    """The last run's headline and how long ago it finished (a resumed or undone phase shows
    its stored results, not "not run yet"); None when the checks never finished."""
    checks = record.checks
    if checks is None or checks.finished is None:
        return None
    seconds = max(0, int(((at or now()) - checks.finished).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "min")):
        if seconds >= size:
            count = seconds // size
            age = f"{count} {unit}{'s' if count != 1 and unit != 'min' else ''} ago"
            break
    else:
        age = "just now"
    cancelled = "cancelled, " if checks.cancelled else ""
    return f"{cancelled}{headline(record)} (checked {age})"


def fix_feedback(record: PhaseRecord) -> str | None:
    """The failures, written for the provider: each as file:line [check] message, then the
    tail of the test run's output when the tests failed or did not collect."""
    found = failures(record)
    if not found:
        return None
    lines = ["Automatic checks failed on this proposal:"]
    for path, result in found:
        lines.append(
            f"- {result.where(path) or '(whole proposal)'} [{result.check}] {result.message}"
        )
    tail = record.checks.output_tail if record.checks else []
    if tail and any(r.check == "tests" for _, r in found):
        fence = "```"
        while any(fence in line for line in tail):
            fence += "`"
        lines += ["", "The last lines the test run printed:", fence, *tail, fence]
    return "\n".join(lines)


def describe_revision(old: Proposal | None, new: Proposal | None) -> str:
    """What a revision changed, in one line."""
    before = {c.path: (c.action, c.content) for c in old.changes} if old else {}
    after = {c.path: (c.action, c.content) for c in new.changes} if new else {}
    changed = sorted(p for p in before.keys() & after.keys() if before[p] != after[p])
    added = sorted(after.keys() - before.keys())
    removed = sorted(before.keys() - after.keys())
    parts = [
        f"{label}: {', '.join(paths)}"
        for label, paths in (("changed", changed), ("added", added), ("dropped", removed))
        if paths
    ]
    return "; ".join(parts) or "no file changed"


# ------------------------------------------------------------------------- headless
def check_headless(
    session: BuildSession,
    options: CheckOptions,
    say: Callable[[str], None],
    on_event: Callable[[object], None],
) -> list[tuple[str | None, CheckResult]]:
    """Run the checks, stream the test output to `say`, print the failures."""
    done: ChecksDone | None = None
    for event in session.check(options=options):
        on_event(event)
        if isinstance(event, CheckOutput):
            say(f"    | {event.line}")
        elif isinstance(event, ChecksDone):
            done = event
    record = session.record()
    found = done.failures if done else []
    say(f"  checks: {headline(record)}")
    for path, result in found:
        say(f"    FAIL {result.where(path) or '(proposal)'} [{result.check}] {result.message}")
    for result in phase_results(record):
        if result.status == "skipped":
            say(f"    {'not run' if result.not_run else 'n/a'} [{result.check}] {result.message}")
    return found


def fix_rounds(
    session: BuildSession,
    rounds: int,
    options: CheckOptions,
    say: Callable[[str], None],
    on_event: Callable[[object], None],
    found: list[tuple[str | None, CheckResult]],
) -> None:
    """Send the failures back to the provider up to `rounds` times, re-checking each time."""
    for number in range(1, rounds + 1):
        if not found:
            return
        why = CANNOT_REVISE.get(session.state.provider)
        if why:
            say(f"  fix round {number}: skipped: {why}")
            return
        before = session.record().proposal
        say(
            f"  fix round {number}/{rounds}: asking {session.provider_label} to fix {len(found)} problems…"
        )
        for event in session.fix():
            on_event(event)
        say(f"    {describe_revision(before, session.record().proposal)}")
        found = check_headless(session, options, say, on_event)
