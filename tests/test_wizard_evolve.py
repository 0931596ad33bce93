"""Evolving a build in the wizard, driven with Pilot: Welcome → Change the brief → save
starts the evolution; the Phase screen shows the change; a conflict hunk is resolved by
keeping the person's lines; the commit carries the evolution's trailers."""

from __future__ import annotations

from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider
from backend_agent.ui.brief_form import BriefForm
from backend_agent.ui.modals import CommitModal, ConfirmModal
from backend_agent.ui.screens.brief import BriefScreen
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.widgets.diff_view import DiffView
from backend_agent.ui.widgets.file_list import FileList

from .conftest import EXAMPLES, git
from .offline_service_support import BRIEFS
from .wizard_support import SIZE, settle, wizard

REPOSITORY = "app/repositories/product.py"
LINE = 'COLUMNS = "id, sku, name, description, price, stock, status, created_at, updated_at"\n'
MINE = LINE.replace("stock, ", "stock, sku AS code, ")


def _built(repo: Path) -> Path:
    brief = load_brief(EXAMPLES / "shop.toml")
    with BuildSession.start(repo, brief, provider=create_provider("offline")) as session:
        run_phases(session, list(PHASES), "all", lambda line: None)
        worktree = Path(session.state.worktree)
        # The wizard checks each proposal as it arrives; the generated suite's own run is
        # proved by the headless end-to-end test, so a stand-in keeps this one quick.
        session.state.test_command = "true"
        session.save()
    file = worktree / REPOSITORY
    file.write_text(file.read_text().replace(LINE, MINE))
    git(worktree, "commit", "-qam", "my columns")
    return worktree


async def _commit_phase(pilot, expected: str) -> None:
    await settle(pilot, 6)
    screen = pilot.app.screen
    assert isinstance(screen, PhaseScreen) and screen.phase.id == expected
    await pilot.press("A")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommitModal)
    await pilot.press("ctrl+s")
    await settle(pilot, 6)


async def test_change_the_brief_then_keep_yours_in_a_conflict_and_commit(repo, pg_env):
    worktree = _built(repo)
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")  # the build is highlighted on Welcome
        await settle(pilot)
        brief_screen = app.screen
        assert isinstance(brief_screen, BriefScreen) and brief_screen.evolving
        assert brief_screen.query_one("#project-name").value == "shop"
        brief_screen.form = BriefForm.from_text((BRIEFS / "shop_evolved.toml").read_text())
        brief_screen._fill()
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert "tracking_code → tracking_number" in app.screen.detail
        await pilot.press("y")
        await settle(pilot, 6)
        screen = app.screen
        assert isinstance(screen, PhaseScreen) and screen.phase.id == "architecture"
        banner = str(screen.query_one("#evolution").render())
        assert "Evolution 1" in banner and "+ entity Review" in banner
        await _commit_phase(pilot, "architecture")
        await _commit_phase(pilot, "data-model")
        await settle(pilot, 6)
        screen = app.screen
        assert screen.phase.id == "service-layer"
        files = screen.query_one(FileList)
        paths = [c.path for c in screen.record.proposal.changes]
        files.highlighted = paths.index(REPOSITORY) + 1
        await settle(pilot)
        diff = screen.query_one(DiffView)
        conflicts = [h.index for h in diff.hunks if h.conflict]
        assert conflicts == [0] and diff.split  # side by side: yours | the generator's
        assert "1 conflict (yours | the generator's)" in str(screen.query_one("#file-bar").render())
        diff.current_hunk = 0
        await pilot.press("y")
        await settle(pilot)
        decisions = [(h.conflict, r.decision, r.pick) for h, r in app.session.hunks(REPOSITORY)]
        assert decisions[0] == (True, "approved", "ours")
        await pilot.press("A")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommitModal)
        assert "Backend-Agent-Evolution: 1" in app.screen.trailers
        await pilot.press("ctrl+s")
        await settle(pilot, 6)
    text = (worktree / REPOSITORY).read_text()
    assert MINE in text and "%(weight_grams)s" in text
    log = git(worktree, "log", "-1", "--format=%s%n%(trailers)", "HEAD")
    assert "Backend-Agent-Evolution: 1" in log
