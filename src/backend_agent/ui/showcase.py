"""Scripted offline scenes of the wizard: the README's screenshots and the snapshot tests.

`python -m backend_agent.ui.showcase screenshots/` (`make screenshots`) writes one SVG per
scene. Everything that would differ between runs is held still: the repository's path, git's
identity and dates, the build's clock, and an empty user config.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from unittest import mock

from ..core.events import Event, ProposalReady
from ..core.proposal import FileChange, Proposal
from ..providers.base import ProposalRequest, Provider
from .app import WizardApp

SIZE = (130, 38)
MOMENT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
GIT_DATE = "2026-01-15T09:30:00+00:00"


async def settle(pilot, rounds: int = 4) -> None:
    """Wait until no worker runs and every posted message has been handled."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


@contextmanager
def held_still(root: Path) -> Iterator[None]:
    """Fix what would change between runs, for as long as the scenes are made."""
    root.mkdir(parents=True, exist_ok=True)
    gitconfig = root / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Ada Reviewer\n\temail = ada@example.com\n[init]\n\tdefaultBranch = main\n"
    )
    env = {
        "GIT_CONFIG_GLOBAL": str(gitconfig),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_DATE": GIT_DATE,
        "GIT_COMMITTER_DATE": GIT_DATE,
        "BACKEND_AGENT_CONFIG_DIR": str(root / "config"),
    }
    with (
        mock.patch.dict(os.environ, env),
        mock.patch("backend_agent.engine.session.now", lambda: MOMENT),
    ):
        os.environ.pop("ANTHROPIC_API_KEY", None)
        yield


def demo_repo(root: Path) -> Path:
    """A fresh scratch repository with the example brief at `root/bookmarks`."""
    from ..demo import make_demo_repo

    repo = root / "bookmarks"
    shutil.rmtree(repo, ignore_errors=True)
    return make_demo_repo(str(repo))


def build(repo: Path, committed: int = 0, generate: bool = True) -> str:
    """Start the example build and bring it to `committed` phases plus, if `generate`, the
    next phase proposed; every file of a committed phase is approved."""
    from ..core.brief import load_brief
    from ..engine import BuildSession
    from ..providers import create_provider

    brief = load_brief(repo / "backend-brief.toml")
    with BuildSession.start(repo, brief, provider=create_provider("offline")) as session:
        session.state.created = MOMENT
        session.save()
        for _ in range(committed):
            list(session.generate())
            session.approve_all()
            session.commit()
        if generate:
            list(session.generate())
        return session.state.build


# ------------------------------------------------------------------------- scenes
Scene = Callable[[object], Awaitable[None]]


async def welcome(pilot) -> None:
    await settle(pilot)


async def brief(pilot) -> None:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)


async def review(pilot) -> None:
    """Phase 2 mid-review: one file approved, one rejected with a reason, the SQL shown."""
    await settle(pilot)
    screen = pilot.app.screen
    files = screen.query_one("#files")
    files.highlighted = 3
    await pilot.press("a")
    files.highlighted = 4
    await pilot.press("x")
    await settle(pilot)
    await pilot.press(*"keep ADRs to one decision each", "enter")
    await settle(pilot)
    files.highlighted = 1
    await settle(pilot)


async def commit(pilot) -> None:
    await review(pilot)
    await pilot.press("a")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


class SharperArchitecture(Provider):
    """A scripted proposal that modifies the architecture document phase 1 committed, in
    three places: three hunks to review."""

    name = "scripted"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        path = "docs/architecture.md"
        old = request.branch.read_many([path])[path]
        new = (
            old.replace("## Layers", "## Layers and their rules")
            .replace("one PostgreSQL database", "one PostgreSQL 16 database")
            .replace("## Modules\n", "## Modules\n\nEach module owns its tables.\n")
        )
        change = FileChange(path=path, action="modify", content=new, kind="doc", why="sharper")
        yield ProposalReady(Proposal(summary="Sharpen the architecture.", changes=[change]))


async def hunks(pilot) -> None:
    """A modified document reviewed hunk by hunk: the first approved, the second rejected
    with a comment, the cursor on the third; the file checked again as it would go in."""
    await settle(pilot)
    await pilot.press("g")
    await settle(pilot, rounds=8)
    pilot.app.screen.query_one("#files").highlighted = 1
    await settle(pilot)
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    await pilot.press(*"keep the version out of the prose", "enter")
    await settle(pilot)
    await pilot.pause(1.2)  # the file is checked again a moment after a decision
    await settle(pilot)


async def skills(pilot) -> None:
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)
    await pilot.press("down", "down")
    await settle(pilot)


async def summary(pilot) -> None:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)


def scenes(root: Path) -> dict[str, tuple[Callable[[], WizardApp], Scene]]:
    """Each scene: how to make its app (a fresh repo at a fixed place) and how to drive it."""

    def at_welcome() -> WizardApp:
        repo = demo_repo(root)
        build(repo, committed=1)
        return WizardApp(repo)

    def at_brief() -> WizardApp:
        return WizardApp(demo_repo(root), demo=True)

    def at_phase_two() -> WizardApp:
        repo = demo_repo(root)
        return WizardApp(repo, build=build(repo, committed=1))

    def at_summary() -> WizardApp:
        repo = demo_repo(root)
        return WizardApp(repo, build=build(repo, committed=2, generate=False))

    def at_a_change() -> WizardApp:
        repo = demo_repo(root)
        name = build(repo, committed=1, generate=False)
        return WizardApp(repo, build=name, provider=SharperArchitecture())

    return {
        "welcome": (at_welcome, welcome),
        "brief": (at_brief, brief),
        "review": (at_phase_two, review),
        "commit": (at_phase_two, commit),
        "hunks": (at_a_change, hunks),
        "skills": (at_phase_two, skills),
        "summary": (at_summary, summary),
    }


async def _shoot(app: WizardApp, scene: Scene, target: Path) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await scene(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(target.name, str(target.parent))


def main(argv: list[str]) -> int:
    import asyncio

    folder = Path(argv[0] if argv else "screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    root = Path("/tmp/backend-agent-showcase")
    with held_still(root):
        for name, (make_app, scene) in scenes(root).items():
            target = folder / f"{name}.svg"
            asyncio.run(_shoot(make_app(), scene, target))
            print(f"wrote {target}")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
