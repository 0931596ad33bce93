"""Snapshots of each screen at a fixed size, from the scripted offline scenes the README's
screenshots come from. Update them with `pytest tests/test_wizard_snapshots.py
--snapshot-update` after a deliberate change, and look at the report it writes."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

import pytest

from backend_agent.ui import showcase
from backend_agent.ui.app import WizardApp

from .wizard_support import FailingProvider

ROOT = Path("/tmp/backend-agent-snapshots")
"""A fixed place, because the screens show the repository's path."""


@pytest.fixture
def still(request):
    """The scene's own fixed folder (locked against another run of the suite) with git's
    dates and identity, the build clock and the user config held still."""
    root = ROOT / request.node.name
    root.mkdir(parents=True, exist_ok=True)
    with open(ROOT / f"{request.node.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            with showcase.held_still(root):
                yield root
        finally:
            shutil.rmtree(root, ignore_errors=True)


SCENES = ["welcome", "brief", "review", "commit", "hunks", "checks", "skills", "summary"]


@pytest.mark.parametrize("size", list(showcase.SIZES))
@pytest.mark.parametrize("scene", SCENES)
def test_scene(scene, size, still, snap_compare):
    """Every screen at 80x24, 100x30 and 160x45: nothing the person needs is cut off."""
    make_app, drive = showcase.scenes(still)[scene]
    assert snap_compare(make_app(), terminal_size=showcase.SIZES[size], run_before=drive)


def test_split_view_of_a_changed_file(still, snap_compare):
    repo = showcase.demo_repo(still)
    name = showcase.build(repo, committed=3)

    async def drive(pilot):
        await showcase.settle(pilot)
        await showcase.select(pilot, showcase.PARTIAL)
        await pilot.press("v")
        await showcase.settle(pilot)

    app = WizardApp(repo, build=name)
    assert snap_compare(app, terminal_size=showcase.SIZE, run_before=drive)


def test_provider_error_dialog(still, snap_compare):
    repo = showcase.demo_repo(still)
    name = showcase.build(repo, generate=False)

    async def drive(pilot):
        await showcase.settle(pilot)
        await pilot.press("g")
        await showcase.settle(pilot, rounds=8)

    app = WizardApp(repo, build=name, provider=FailingProvider())
    assert snap_compare(app, terminal_size=showcase.SIZE, run_before=drive)
