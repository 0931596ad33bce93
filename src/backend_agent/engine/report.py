"""The `--json` document: what a script needs to know about a build after a run."""

from __future__ import annotations

from typing import Any

from ..core.phases import PHASES
from . import checking
from .session import BuildSession


def build_report(session: BuildSession) -> dict[str, Any]:
    state = session.state
    phases = []
    refused = []
    for phase in PHASES:
        record = state.record(phase.id)
        files = []
        proposal = record.proposal
        for change in proposal.changes if proposal else []:
            review = record.review(change.path)
            files.append(
                {
                    "path": change.path,
                    "action": change.action,
                    "kind": change.kind,
                    "review": review.state(change),
                    "comment": review.comment or None,
                    "hunks": _hunks(session, change.path, phase.id),
                    "checks": [r.model_dump() for r in checking.file_results(record, change) or []],
                }
            )
        refused += [{"phase": phase.id, **r.model_dump()} for r in record.refused]
        phases.append(
            {
                "number": phase.number,
                "id": phase.id,
                "status": record.status,
                "commit": record.commit,
                "rounds": record.rounds,
                "error": record.error,
                "files": files,
                "refused": [r.model_dump() for r in record.refused],
                "usage": record.usage.model_dump(),
                "evolution": record.evolution or None,
                "checks": [r.model_dump() for r in checking.phase_results(record)],
            }
        )
    return {
        "build": state.build,
        "branch": state.branch,
        "worktree": state.worktree,
        "repo": str(session.repo.root),
        "base": state.base,
        "provider": state.provider,
        "model": state.model or None,
        "current_phase": state.current,
        "phases": phases,
        "usage": state.usage.model_dump(),
        "refused": refused,
        "evolutions": [
            {
                "number": e.number,
                "change": e.summary,
                "lines": e.lines,
                "phases": e.phases,
                "unchanged": e.unchanged,
                "two_way": e.two_way,
            }
            for e in state.evolutions
        ],
    }


def _hunks(session: BuildSession, path: str, phase_id: str) -> list[dict[str, Any]]:
    return [
        {
            "index": h.index,
            "header": h.header,
            "state": r.decision,
            "comment": r.comment or None,
            "conflict": h.conflict,
            "pick": r.pick,
        }
        for h, r in session.hunks(path, phase_id)
    ]


def has_problems(report: dict[str, Any]) -> bool:
    """Exit 1 territory: something was rejected, refused or failed its checks."""
    for phase in report["phases"]:
        if any(c["status"] == "fail" for c in phase["checks"]):
            return True
        for file in phase["files"]:
            if file["review"] == "rejected" or any(c["status"] == "fail" for c in file["checks"]):
                return True
    return bool(report["refused"])
