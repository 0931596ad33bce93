"""Build a generated service in memory, phase after phase, as the engine would."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from backend_agent.core.brief import Brief, load_brief, parse_brief
from backend_agent.core.phases import PHASES, phase
from backend_agent.core.proposal import Proposal
from backend_agent.providers.base import ProposalRequest
from backend_agent.providers.offline import OfflineProvider

from .conftest import EXAMPLES
from .test_offline_foundation import TRICKY

BRIEFS = Path(__file__).parent / "offline_briefs"
DAY = date(2026, 1, 15)
# Every feature of BRIEF.md is in at least one of these (see each file's first line).
ALL = ["bookmarks", "shop", "reserved", "sessions", "open", "collisions", "tricky"]


def brief(name: str) -> Brief:
    if name == "tricky":
        return parse_brief(TRICKY)
    if (EXAMPLES / f"{name}.toml").exists():
        return load_brief(EXAMPLES / f"{name}.toml")
    return load_brief(BRIEFS / f"{name}.toml")


class Branch:
    """A branch reader over a dict, as the engine's worktree would be."""

    def __init__(self, files: dict[str, str] | None = None) -> None:
        self.content = dict(files or {})

    def files(self) -> list[str]:
        return sorted(self.content)

    def read_many(self, paths):
        return {p: self.content[p] for p in paths if p in self.content}


def propose(the_brief: Brief, phase_id: str, branch: Branch) -> Proposal:
    request = ProposalRequest(
        phase=phase(phase_id), brief=the_brief, build="b", branch=branch, started=DAY
    )
    return list(OfflineProvider().propose(request))[-1].proposal


def commit(branch: Branch, proposal: Proposal) -> None:
    for change in proposal.changes:
        branch.content[change.path] = change.content


def build(the_brief: Brief, upto: int = 6, branch: Branch | None = None) -> dict[str, str]:
    """Every file on the branch after phases 1..upto, each approved as proposed."""
    branch = branch or Branch()
    for p in PHASES[:upto]:
        commit(branch, propose(the_brief, p.id, branch))
    return branch.content


def write(files: dict[str, str], root: Path) -> Path:
    for path, content in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    return root
