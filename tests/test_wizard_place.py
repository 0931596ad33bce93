"""Keeping the person's place and never misleading them, driven with Pilot: the file, the
hunk and the view come back on resume and after a dialog; esc leaves the Phase screen;
the Welcome screen says where it is and how back from the demo; the sentence path offline
stops on the Brief with a reason; the Summary and the commit dialog tell partial files;
nothing claims a clipboard it cannot confirm."""

from __future__ import annotations

import tempfile

from backend_agent.cli import main
from backend_agent.demo import demo_repo
from backend_agent.ui.app import resume_note
from backend_agent.ui.modals import CommitModal, PromptModal
from backend_agent.ui.screens.brief import BriefScreen
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.screens.summary import SummaryScreen
from backend_agent.ui.screens.welcome import WelcomeScreen
from backend_agent.ui.widgets.diff_view import DiffView
from backend_agent.ui.widgets.file_list import FileList

from .conftest import git
from .test_wizard_hunks import Modifies, notes_build  # noqa: F401 - the fixture
from .wizard_support import prepared_build, settle, wizard

SMALL = (80, 24)


async def restored(pilot, done, seconds: float = 5) -> bool:
    """The place comes back after the diff's first refresh, which a loaded machine delays
    past `settle`: wait for it, a while."""
    for _ in range(int(seconds / 0.05)):
        if done():
            return True
        await pilot.pause(0.05)
    return done()


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def open_notes(pilot) -> DiffView:
    await settle(pilot)
    pilot.app.screen.query_one(FileList).select_path("notes.txt")
    await settle(pilot)
    return pilot.app.screen.query_one(DiffView)


async def test_the_file_hunk_and_view_come_back_on_resume_and_after_a_dialog(notes_build):  # noqa: F811
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SMALL) as pilot:
        diff = await open_notes(pilot)
        await pilot.press("]", "]")
        await settle(pilot)
        assert diff.current_hunk == 2
        await pilot.press("x")  # a dialog, cancelled: nothing moves
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.selected_path() == "notes.txt" and diff.current_hunk == 2
        await pilot.press("v", "t")  # side by side; what will be committed
        await settle(pilot)
    assert resume_note(app) == (
        f"backend-agent: build bookmarks is saved; continue with: "
        f"backend-agent resume bookmarks --repo {notes_build}"
    )
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, rounds=6)
        screen = app.screen
        assert screen.selected_path() == "notes.txt"
        assert screen.pane.result_view and screen.query_one(DiffView).split
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("escape")  # closes nothing now: back to the start screen
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("enter")  # the build is highlighted: resume it, no lock held
        await settle(pilot, rounds=6)
        assert isinstance(app.screen, PhaseScreen)
        assert app.screen.selected_path() == "notes.txt"
        assert await restored(pilot, lambda: app.screen.query_one(DiffView).current_hunk == 2)


async def test_welcome_says_where_it_is_and_the_demo_has_a_way_back(repo, monkeypatch, tmp_path):
    monkeypatch.chdir(repo)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = wizard(".")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        shown = str(app.screen.query_one("#welcome-repo").render())
        assert shown == f"Repository {repo}"  # the path, not "."
        await pilot.press("d")
        await settle(pilot)
        demo = tmp_path / "backend-agent-demo"
        assert isinstance(app.screen, BriefScreen) and app.repo == demo
        assert f"b comes back to {repo}" in notes(app)[-1]
        await pilot.press("escape")
        await settle(pilot)
        choices = app.screen.query_one("#welcome-choices")
        assert choices.get_option_at_index(0).id == "@home"
        assert f"b goes back to {repo}" in str(app.screen.query_one("#welcome-repo").render())
        await pilot.press("b")
        await settle(pilot)
        assert app.repo == repo and not app.demo
        assert str(app.screen.query_one("#welcome-repo").render()) == f"Repository {repo}"
    again, reused = demo_repo(None)
    assert again == demo and reused  # the next demo is the same repository


def test_a_foreign_folder_where_the_demo_lives_is_left_alone(monkeypatch, tmp_path):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    (tmp_path / "backend-agent-demo").mkdir()
    (tmp_path / "backend-agent-demo" / "mine.txt").write_text("not a demo\n")
    made, reused = demo_repo(None)
    assert not reused and made.parent == tmp_path and made.name != "backend-agent-demo"
    assert (tmp_path / "backend-agent-demo" / "mine.txt").read_text() == "not a demo\n"


def test_resume_opens_the_only_build_and_says_when_there_is_none(repo, monkeypatch, capsys):
    opened = []
    monkeypatch.setattr(
        "backend_agent.cli.build.open_wizard", lambda repo, build=None: opened.append(build) or 0
    )
    assert main(["resume", "--repo", str(repo)]) == 2
    assert "there is no build to resume" in capsys.readouterr().err
    prepared_build(repo, generate=False)
    assert main(["resume", "--repo", str(repo)]) == 0
    assert opened == ["bookmarks"]


async def test_a_sentence_offline_ends_on_the_brief_needing_entities(repo):
    sentence = "build a backend for a dog-walking marketplace"
    branches = git(repo, "branch", "--list")
    app = wizard(repo, sentence=sentence)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        assert "# [[entities]]" in screen.query_one("#entities").text
        status = str(screen.query_one("#brief-problems").render())
        assert status.startswith("! needs entities — the offline generator builds")
        assert "valid" not in status
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, BriefScreen)  # nothing started
        assert notes(app)[-1].startswith("needs entities")
    assert git(repo, "branch", "--list") == branches  # no branch, no worktree
    assert not (repo / ".git" / "backend-agent" / "worktrees").exists()


async def test_partial_files_are_told_as_partial_and_the_copy_says_how_it_was_sent(notes_build):  # noqa: F811
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SMALL) as pilot:
        await open_notes(pilot)
        await pilot.press("h", "H", "enter", "h")  # hunks 1 and 3 in, hunk 2 out
        await settle(pilot)
        app.screen.query_one(FileList).select_path("new.txt")
        await settle(pilot)
        await pilot.press("a", "c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommitModal)
        listed = str(dialog.query_one("#commit-files").render())
        assert "modify notes.txt  (2 of 3 hunks)" in listed and "create new.txt" in listed
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=10)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        table = app.screen.query_one("#summary-phases")
        assert "2 of 2 approved (1 in part)" in [str(c) for c in table.get_row_at(0)]
        text = app.screen.query_one("#summary-text").source
        assert "- changed `notes.txt` — in part: 2 of 3 hunks" in text
        assert "- new `new.txt`\n" in text
        await pilot.press("y")
        await settle(pilot)
        said = notes(app)[-1]
        assert "(OSC 52)" in said and "select them" in said
        assert "are on the clipboard" not in said
