"""Per-hunk review in the wizard, driven with Pilot: the keys and the mouse decide the
hunk under the cursor, and what is committed is the branch file with exactly the approved
hunks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.providers import create_provider
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.ui.commands import BindingCommands
from backend_agent.ui.modals import CommitModal, PromptModal
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.widgets.diff_view import BUTTONS, DiffView
from backend_agent.ui.widgets.file_list import FileList

from .conftest import git
from .fakes.builds import build_handler
from .helpers import start
from .wizard_support import SIZE, reopen, settle, wizard

BASE = "".join(f"line {n}\n" for n in range(1, 41))
NEW = (
    BASE.replace("line 2\n", "line two\n")
    .replace("line 20\n", "line twenty\n")
    .replace("line 38\n", "line 38\nline 38.5\n")
)
ONLY_FIRST = BASE.replace("line 2\n", "line two\n")


class Modifies(Provider):
    """Proposes a change of notes.txt in three hunks, and a new file."""

    name = "modifies"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(path="notes.txt", action="modify", content=NEW, kind="doc"),
            FileChange(path="new.txt", action="create", content="new\n", kind="doc"),
        ]
        yield ProposalReady(Proposal(summary="Edit the notes.", changes=changes))


@pytest.fixture
def notes_build(repo):
    (repo / "notes.txt").write_text(BASE)
    git(repo, "add", "notes.txt")
    git(repo, "commit", "-qm", "notes")
    with start(repo, provider=Modifies()) as session:
        list(session.generate())
    return repo


async def open_notes(pilot) -> DiffView:
    await settle(pilot)
    files = pilot.app.screen.query_one(FileList)
    files.highlighted = 1
    await settle(pilot)
    assert files.highlighted_id == "notes.txt"
    return pilot.app.screen.query_one(DiffView)


def hunk_states(app) -> list[tuple[str, str]]:
    return [(r.decision, r.comment) for _, r in app.session.hunks("notes.txt")]


def file_bar(app) -> str:
    return str(app.screen.query_one("#file-bar").render())


async def test_keyboard_review_of_hunks_commits_exactly_the_approved_one(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)
        # The widget draws the engine's hunks: same ids, same order.
        assert [h.id for h in diff.hunks] == [h.id for h, _ in app.session.hunks("notes.txt")]
        assert "3 hunks: h approves" in file_bar(app)
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert {"Approve hunk", "Reject hunk", "Reset hunk", "Next hunk"} <= titles
        assert "Rework" not in titles  # nothing is rejected yet

        await pilot.press("h")  # approve hunk 1: the cursor moves to hunk 2
        await settle(pilot)
        assert diff.current_hunk == 1
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"keep twenty as a number", "enter")
        await settle(pilot)
        assert diff.current_hunk == 2
        await pilot.press("H", "enter")  # reject hunk 3 without a comment
        await settle(pilot)
        assert hunk_states(app) == [
            ("approved", ""),
            ("rejected", "keep twenty as a number"),
            ("rejected", ""),
        ]
        assert "1 of 3 hunks approved" in file_bar(app)
        headers = [diff._hunk_banner(h, 120).text for h in diff.hunks]
        assert headers[0].startswith("  ✓ hunk 1/3 approved  +1 −1  @@ -1,5 +1,5 @@")
        assert headers[1].startswith("  ✗ hunk 2/3 rejected  +1 −1  “keep twenty as a number”")
        assert headers[2].startswith("▶ ✗ hunk 3/3 rejected  +1 −0  @@ -36,5 +36,6 @@")
        narrow = diff._hunk_banner(diff.hunks[1], 64).text  # a comment too long for the room
        assert "+1 −1  “keep twenty" in narrow and "…”" in narrow  # cut short, numbers kept
        row = str(app.screen.query_one(FileList).get_option("notes.txt").prompt)
        assert "✓ mod 1/3 notes.txt" in row  # decided: the file is approved as one result

        await pilot.press("t")  # what will be committed: one hunk against the branch
        await settle(pilot)
        assert len(diff.hunks) == 1 and "\n".join(diff.diff.new) + "\n" == ONLY_FIRST
        assert "what will be committed" in file_bar(app)
        await pilot.press("t")
        await settle(pilot)
        assert len(diff.hunks) == 3

        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommitModal)
        assert dialog.files == ["modify notes.txt  (1 of 3 hunks)"]
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=10)
        assert isinstance(app.screen, PhaseScreen) and app.screen.phase.id == "data-model"
    committed = git(notes_build, "show", "backend-agent/bookmarks:notes.txt")
    assert committed == ONLY_FIRST
    assert "Backend-Agent-Approved: 1" in git(notes_build, "log", "-1", "backend-agent/bookmarks")


async def test_an_edit_starts_from_the_approved_hunks(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)
        await pilot.press("h", "H", "enter", "H", "enter")  # only the first hunk goes in
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen.query_one("#editor")
        assert editor.text == ONLY_FIRST
        editor.insert("line zero\n", (0, 0))
        await pilot.press("escape")
        await settle(pilot)
        # The edit is the new side under review: its one hunk, undecided, against the branch.
        assert [h.header for h in diff.hunks] == ["@@ -1,5 +1,6 @@"]
        assert [d for d, _ in hunk_states(app)] == ["pending"]
    with reopen(notes_build) as session:
        assert session.content("notes.txt") == "line zero\n" + ONLY_FIRST


async def test_hunk_header_buttons_decide_with_the_mouse(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)

        async def click(hunk: int, action: str) -> None:
            row = diff._hunk_rows[hunk] - round(diff.scroll_y)
            column = next(c for a, _, c in diff._buttons(diff.size.width) if a == action)
            assert 0 <= row < diff.size.height
            await pilot.click(DiffView, offset=(column + 2, row))
            await settle(pilot)

        await click(2, "approve")
        assert [d for d, _ in hunk_states(app)] == ["pending", "pending", "approved"]
        await click(2, "reset")
        assert [d for d, _ in hunk_states(app)] == ["pending", "pending", "pending"]
        await click(0, "reject")
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"no", "enter")
        await settle(pilot)
        assert hunk_states(app)[0] == ("rejected", "no")
        assert [label for _, label in BUTTONS] == [" ✓ approve ", " ✗ reject ", " ↺ reset "]
    with reopen(notes_build) as session:
        assert [r.decision for _, r in session.hunks("notes.txt")] == [
            "rejected",
            "pending",
            "pending",
        ]


async def test_new_files_stay_whole_file_decisions(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        files = app.screen.query_one(FileList)
        files.highlighted = 2
        await settle(pilot)
        assert files.highlighted_id == "new.txt"
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert "Approve hunk" not in titles
        assert app.screen.query_one(DiffView).decisions is None  # no buttons either
        await pilot.press("h")
        await settle(pilot)
        assert app.session.review("new.txt").decision == "pending"
        assert app.session.review("new.txt").hunks == {}


async def test_rework_offline_says_why_and_keeps_the_place(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=create_provider("offline"))
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)
        await pilot.press("w")  # nothing rejected yet: nothing is sent, and it says why
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen) and app.session.record().rounds == 1
        assert list(app._notifications)[-1].message.startswith("no hunk is rejected — H rejects")
        await pilot.press("]", "H", *"shorter", "enter")
        await settle(pilot)
        before = hunk_states(app)
        assert before[1] == ("rejected", "shorter")
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert "Rework" not in titles  # offline cannot: not offered
        hunk = diff.current_hunk
        await pilot.press("w")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, PhaseScreen) and not app.screen.busy
        said = list(app._notifications)[-1].message
        assert said.startswith("cannot rework: the offline generator cannot act on feedback")
        # The selection stays where the person was (it used to jump to the rationale).
        assert app.screen.selected_path() == "notes.txt" and diff.current_hunk == hunk
        assert hunk_states(app) == before
    with reopen(notes_build) as session:
        assert session.record().rounds == 1 and session.record().status == "proposed"


async def test_view_keys_work_whatever_has_focus(notes_build):
    app = wizard(notes_build, build="bookmarks", provider=Modifies())
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)
        assert app.screen.focused is app.screen.query_one(FileList)
        rows = len(diff._rows)
        await pilot.press("z")  # the whole file, with the file list focused
        await settle(pilot)
        assert diff.whole_file and len(diff._rows) > rows
        await pilot.press("v")
        await settle(pilot)
        assert diff.split
        diff.focus()
        await pilot.press("z", "v")
        await settle(pilot)
        assert not diff.whole_file and not diff.split


async def test_rework_with_claude_redoes_only_the_rejected_hunk(notes_build, fake_anthropic):
    fake_anthropic.handler = build_handler()
    provider = create_provider("anthropic", None, max_retries=0)
    app = wizard(notes_build, build="bookmarks", provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        diff = await open_notes(pilot)
        await pilot.press("h", "H", *"say twenty in words", "enter", "h")
        await settle(pilot)
        assert [d for d, _ in hunk_states(app)] == ["approved", "rejected", "approved"]
        await pilot.press("w")
        await settle(pilot, rounds=10)
        assert isinstance(app.screen, PhaseScreen) and not app.screen.busy
        assert "Reworked the rejected hunks" in app.screen.query_one("#rationale").source
        files = app.screen.query_one(FileList)
        files.highlighted = 1
        await settle(pilot)
        # The reworked hunk arrives undecided; the approved ones stay approved.
        assert [d for d, _ in hunk_states(app)] == ["approved", "pending", "approved"]
        assert "line 20 (reworked)" in diff.diff.new
    [ask] = [r for r in fake_anthropic.requests if "say twenty in words" in str(r.body)]
    assert "line twenty" in str(ask.body)  # the rejected hunk went with its comment
