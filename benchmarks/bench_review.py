"""`review apply` of 100,000 entries: every entry checked, then applied with one save.

The baseline is opening that build (reading and checking the state of a 100,000-file
proposal), which every command on it pays, measured in the same run.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.engine.review_file import FileDecision, ReviewFile, apply_review
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.workspace.paths import Limits

from .bench_engine import EXAMPLES, _repo
from .harness import Figure, best_of

COUNT = 100_000


class Small(Provider):
    name = "bench"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(path=f"d{i // 1000}/f{i}.txt", action="create", content=f"{i}\n", kind="doc")
            for i in range(COUNT)
        ]
        yield ProposalReady(Proposal(summary="many", changes=changes))


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as folder:
        repo = _repo(Path(folder), "review")
        limits = Limits(max_files=COUNT, max_proposal_bytes=10**9)
        brief = load_brief(EXAMPLES / "bookmarks.toml")
        with BuildSession.start(repo, brief, provider=Small(), limits=limits) as session:
            list(session.generate("architecture"))
            review = ReviewFile(
                files=[
                    FileDecision(path=c.path, decision="approve" if i % 2 else "reject")
                    for i, c in enumerate(session.proposal.changes)
                ]
            )
            started = time.perf_counter()
            apply_review(session, review)
            applied = time.perf_counter() - started
        opening = best_of(lambda: BuildSession.open(repo).close(), repeat=3)
    return [
        Figure(
            f"review apply, {COUNT:,} entries (checked, applied, saved once)",
            applied,
            "s",
            baseline_name="opening the build",
            baseline=opening,
            target="< 10 s and <= 3x baseline",
            ok=applied < 10 and applied <= 3 * opening,
        )
    ]
