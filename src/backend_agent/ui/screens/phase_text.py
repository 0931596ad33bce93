"""What the Phase screen says about a phase and a file, as text: kept apart from the screen
so the wording can be read (and tested) without running one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.content import Content

from ...core.hunks import split
from ...engine.hunk_review import conflict_apart

if TYPE_CHECKING:
    from ...core.phases import Phase
    from ...core.proposal import FileChange
    from ...core.review import Review
    from ...engine.state import Evolution, FileMerge, PhaseRecord


def rationale_markdown(
    phase: Phase, record: PhaseRecord, answers: dict[str, str] | None = None
) -> str:
    """The provider's reasons, then its assumptions, its open questions (with the person's
    answers) and anything refused."""
    proposal = record.proposal
    if proposal is None:
        lines = [f"# Phase {phase.number}: {phase.title}", "", phase.goal, ""]
        if record.error:
            lines += [f"**The last attempt failed:** {record.error}", ""]
        if record.status == "committed":
            lines.append("This phase is committed.")
        else:
            lines.append("Press **g** to ask the provider for this phase.")
        return "\n".join(lines)
    parts = [proposal.summary.strip()]
    if proposal.assumptions:
        parts.append("## Assumed\n\n" + "\n".join(f"- {a}" for a in proposal.assumptions))
    if proposal.questions:
        answers = answers or {}
        lines = []
        for question in proposal.questions:
            answer = answers.get(" ".join(question.split()))
            lines.append(f"- {question}" + (f" — **your answer:** {answer}" if answer else ""))
        parts.append("## Open questions (i answers them)\n\n" + "\n".join(lines))
    if record.refused:
        parts.append(
            "## Refused by the safety rules\n\nThese files were proposed but will not be "
            "written:\n\n" + "\n".join(f"- `{r.path}`: {r.reason}" for r in record.refused)
        )
    if record.status == "committed" and record.commit:
        parts.append(f"*Committed as `{record.commit[:10]}`.*")
    return "\n\n".join(parts) + "\n"


def evolution_banner(evolution: Evolution) -> Content:
    """At the top of a phase an evolution runs again: what changed in the brief (two
    lines at most; the rationale has it whole)."""
    text = Content.styled(f"Evolution {evolution.number}: ", "bold")
    text += Content("; ".join(evolution.lines))
    if evolution.two_way:
        text += Content.styled(
            "\ntwo-way merge: the branch's history was rewritten", "$text-warning"
        )
    return text


def review_counts(record: PhaseRecord) -> Content:
    proposal = record.proposal
    if proposal is None:
        return Content.styled(record.status, "$text-muted")
    states = [record.review(c.path).state(c) for c in proposal.changes]
    total = len(states)
    parts = [f"{states.count('approved')} of {total} approved"]
    for state in ("rejected", "edited"):
        if states.count(state):
            parts.append(f"{states.count(state)} {state}")
    if record.refused:
        parts.append(f"{len(record.refused)} refused")
    if record.status == "committed":
        parts.append(f"committed {record.commit[:10] if record.commit else ''}")
    return Content(" · ".join(parts))


def check_mark(record: PhaseRecord, change: FileChange) -> tuple[str, str] | None:
    """What the file list shows after the path: failures, warnings, passed or stale."""
    from ...engine.checking import STALE, file_results

    results = file_results(record, change)
    if not results:
        return None
    if any(r.message == STALE for r in results):
        return ("○", "$text-muted")
    failed = sum(1 for r in results if r.status == "fail")
    if failed:
        return (f"✗{failed}", "$text-error")
    if any(r.status == "warn" for r in results):
        return ("●", "$text-warning")
    return ("●", "$text-success")


def hunk_counts(
    review: Review, change: FileChange, base: str | None, merge: FileMerge | None = None
) -> tuple[int, int] | None:
    """(approved, all) hunks of a file decided hunk by hunk; None for any other file.
    `merge`: an evolution's, whose conflicts are hunks of their own."""
    if not review.hunks or change.action != "modify" or base is None:
        return None
    hunks = split(base, review.target(change), apart=conflict_apart(merge, base))
    approved = sum(
        1 for h in hunks if h.id in review.hunks and review.hunks[h.id].decision == "approved"
    )
    return approved, len(hunks)


def file_row(record: PhaseRecord, change: FileChange, base: str | None) -> tuple:
    """What the file list shows for one file (see `file_prompt`)."""
    review = record.review(change.path)
    return (
        change.path,
        change.action,
        review.state(change),
        check_mark(record, change),
        hunk_counts(review, change, base, record.merges.get(change.path)),
    )
