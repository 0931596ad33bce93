"""Scenes of the wizard driven over real offline builds: the README's screenshots and the
snapshot tests.

`python -m backend_agent.ui.showcase screenshots/` (`make screenshots`) writes one SVG per
picture. Everything that would differ between runs is held still: the repository's path,
git's identity and dates, the build's clock, and an empty user config.
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

from .app import WizardApp

SIZE = (130, 38)
"""The README's pictures that are not about small terminals."""
MOMENT = datetime(2026, 1, 15, 9, 30, tzinfo=UTC)
GIT_DATE = "2026-01-15T09:30:00+00:00"


async def settle(pilot, rounds: int = 4) -> None:
    """Wait until no worker runs and every posted message has been handled; text cursors
    stop blinking, so a picture never depends on the moment it is taken."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    for field in pilot.app.screen.query("Input, TextArea"):
        field.cursor_blink = False
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
PARTIAL = "app/main.py"
"""Phase 4 modifies it in two hunks: the scenes decide them one by one."""


async def select(pilot, path: str | None) -> None:
    """Highlight `path` in the file list (None: the rationale), as a person would."""
    pilot.app.screen.query_one("#files").select_path(path)
    await settle(pilot)


async def welcome(pilot) -> None:
    await settle(pilot)


async def brief(pilot) -> None:
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)


async def review(pilot) -> None:
    """Phase 2 mid-review: one file approved, one rejected with a reason, the SQL shown."""
    await settle(pilot)
    await select(pilot, "docs/adr/0005-schema-conventions.md")
    await pilot.press("a")
    await select(pilot, "docs/adr/0006-forward-only-sql-migrations.md")
    await pilot.press("x")
    await settle(pilot)
    await pilot.press(*"keep ADRs to one decision each", "enter")
    await settle(pilot)
    await select(pilot, "migrations/0001_init.sql")


async def commit(pilot) -> None:
    await review(pilot)
    await pilot.press("a")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)


async def hunks(pilot) -> None:
    """Phase 4's change to app/main.py reviewed hunk by hunk: the first approved, the
    second rejected with a comment; the file checked again as it would go in."""
    await settle(pilot)
    await select(pilot, PARTIAL)
    await pilot.press("h")
    await settle(pilot)
    await pilot.press("H")
    await settle(pilot)
    await pilot.press(*"keep the health routes out of create_app for now", "enter")
    await settle(pilot)
    await pilot.pause(1.2)  # the file is checked again a moment after a decision
    await settle(pilot)


async def checks_failed(pilot) -> None:
    """Phase 2 after an edit broke the migration: the checks say where."""
    await settle(pilot, rounds=8)
    await select(pilot, "migrations/0001_init.sql")


async def skills(pilot) -> None:
    await settle(pilot)
    await pilot.press("f2")
    await settle(pilot)
    await pilot.press("down", "down")
    await pilot.pause(0.3)  # the body renders once the selection rests
    await settle(pilot)


async def summary(pilot) -> None:
    await settle(pilot)
    await pilot.press("s")
    await settle(pilot)


def scenes(root: Path) -> dict[str, tuple[Callable[[], WizardApp], Scene]]:
    """Each scene: how to make its app (a fresh repo at a fixed place, built offline) and
    how to drive it."""

    def at_welcome() -> WizardApp:
        repo = demo_repo(root)
        build(repo, committed=1)
        return WizardApp(repo)

    def at_brief() -> WizardApp:
        return WizardApp(demo_repo(root), demo=True)

    def at_phase_two() -> WizardApp:
        repo = demo_repo(root)
        return WizardApp(repo, build=build(repo, committed=1))

    def at_phase_four() -> WizardApp:
        repo = demo_repo(root)
        return WizardApp(repo, build=build(repo, committed=3))

    def at_a_broken_edit() -> WizardApp:
        repo = demo_repo(root)
        name = build(repo, committed=1)
        with _session(repo, name) as session:
            path = "migrations/0001_init.sql"
            text = session.content(path)
            session.edit(path, text.replace("CREATE TABLE bookmarks", "CREATE TABEL bookmarks", 1))
        return WizardApp(repo, build=name)

    def at_summary() -> WizardApp:
        repo = demo_repo(root)
        name = build(repo, committed=3)
        with _session(repo, name) as session:  # phase 4 goes in with one hunk held back
            session.approve_all()
            session.approve_hunk(PARTIAL, 0)
            session.reject_hunk(PARTIAL, 1, "keep the health routes out of create_app for now")
            session.commit()
            for _ in range(2):
                list(session.generate())
                session.approve_all()
                session.commit()
        return WizardApp(repo, build=name)

    return {
        "welcome": (at_welcome, welcome),
        "brief": (at_brief, brief),
        "review": (at_phase_two, review),
        "commit": (at_phase_two, commit),
        "hunks": (at_phase_four, hunks),
        "checks": (at_a_broken_edit, checks_failed),
        "skills": (at_phase_two, skills),
        "summary": (at_summary, summary),
    }


def _session(repo: Path, name: str):
    from ..engine import BuildSession

    return BuildSession.open(repo, name)


SIZES = {"80x24": (80, 24), "100x30": (100, 30), "160x45": (160, 45)}
"""The terminal sizes every scene is checked at (tests/test_wizard_snapshots.py)."""
README_SHOTS = {
    **{name: SIZE for name in ("welcome", "brief", "review", "hunks", "checks", "skills")},
    "summary": SIZE,
    "commit": SIZE,
    "review-80x24": SIZES["80x24"],
    "commit-80x24": SIZES["80x24"],
}
"""The README's pictures: each scene at a comfortable size, and the review and the commit
dialog on an 80x24 terminal."""


async def _shoot(app: WizardApp, scene: Scene, target: Path, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await scene(pilot)
        await pilot.pause(0.2)
        app.save_screenshot(target.name, str(target.parent))


def main(argv: list[str]) -> int:
    import asyncio

    folder = Path(argv[0] if argv else "screenshots").resolve()
    folder.mkdir(parents=True, exist_ok=True)
    root = Path("/tmp/backend-agent-showcase")
    with held_still(root):
        made = scenes(root)
        for name, size in README_SHOTS.items():
            make_app, scene = made[name.split("-")[0]]
            target = folder / f"{name}.svg"
            asyncio.run(_shoot(make_app(), scene, target, size))
            print(f"wrote {target}")
    shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
