"""Whether the offline generator can build a brief, answered before a build starts.

`brief check` and `build` ask the same question, so a brief that checks as valid never
fails half-way into a build: no entities to build, a relation the plan cannot hold, or
more entities than a phase's proposal can carry within the proposal limits.
"""

from __future__ import annotations

from datetime import date

from ...core.brief import Brief
from ...core.errors import BadInput
from ...workspace.paths import Limits
from . import phase1, phase2, phase3
from .plan import build_plan


def check_brief(brief: Brief, source: str, limits: Limits | None = None) -> None:
    """Raise BadInput naming `source` (the brief file) when the generator cannot build it."""
    require_entities(brief, source)
    plan = build_plan(brief)
    limits = limits or Limits()
    day, existing = date.today(), []
    for number, propose in ((1, phase1.propose), (2, phase2.propose), (3, phase3.propose)):
        proposal = propose(brief, plan, existing, day)
        problem = _over(limits, [len(c.content.encode("utf-8")) for c in proposal.changes])
        if problem:
            raise BadInput(
                f"{source}: for its {len(plan.tables)} entities the offline generator would "
                f"propose {problem} in phase {number}, and the files past the limit would "
                "be refused",
                hint="describe fewer entities (split the backend into services with briefs of "
                "their own)",
            )
        existing += [c.path for c in proposal.changes]


def require_entities(brief: Brief, source: str) -> None:
    if not [e for e in brief.entities if e.name != "User"]:
        raise BadInput(
            f"{source} has no entities (besides User): the offline generator needs "
            "[[entities]] to know what to build (their tables, services and tests)",
            hint=f"add [[entities]] to {source} (`backend-agent brief init example.toml` "
            "writes an example), or set ANTHROPIC_API_KEY to build with Claude, which needs "
            "only [project]",
        )


def _over(limits: Limits, sizes: list[int]) -> str | None:
    if len(sizes) > limits.max_files:
        return f"{len(sizes):,} files, over the limit of {limits.max_files:,} per phase"
    if max(sizes, default=0) > limits.max_file_bytes:
        return f"a file over the limit of {limits.max_file_bytes:,} bytes"
    if sum(sizes) > limits.max_proposal_bytes:
        return f"{sum(sizes):,} bytes, over the limit of {limits.max_proposal_bytes:,}"
    return None
