"""The wizard driven with Pilot: every review action reaches the engine and its state."""

from __future__ import annotations

import sys

from backend_agent.core.phases import PHASES
from backend_agent.providers.offline import OfflineProvider
from backend_agent.ui.modals import CommitModal, ConfirmModal, ErrorModal, PromptModal
from backend_agent.ui.screens.brief import BriefScreen
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.screens.summary import SummaryScreen
from backend_agent.ui.screens.welcome import WelcomeScreen
from backend_agent.ui.widgets.diff_view import DiffView
from backend_agent.ui.widgets.file_list import FileList

from .conftest import git
from .wizard_support import (
    SIZE,
    FailingProvider,
    WaitingProvider,
    prepared_build,
    reopen,
    settle,
    wizard,
)

ARCHITECTURE_FILES = 6


def review_states(repo) -> dict[str, str]:
    with reopen(repo) as session:
        record = session.record("architecture")
        return {c.path: record.review(c.path).state(c) for c in record.proposal.changes}


async def select(pilot, index: int) -> str:
    """Highlight the file at `index` (0 is the first file) and return its path."""
    files = pilot.app.screen.query_one(FileList)
    files.highlighted = index + 1
    await pilot.pause()
    return files.highlighted_id


async def test_welcome_lists_builds_and_the_offline_provider(repo):
    prepared_build(repo)
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        text = str(app.screen.query_one("#welcome-provider").render())
        assert "offline" in text and "ANTHROPIC_API_KEY" in text
        choices = app.screen.query_one("#welcome-choices")
        ids = [choices.get_option_at_index(i).id for i in range(choices.option_count)]
        assert ids == ["@new", "build:bookmarks", "@demo", "@skills"]
        await pilot.press("enter")  # the build is highlighted: resume it
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)
        assert app.screen.phase.id == "architecture"
        assert app.screen.query_one(FileList).option_count == ARCHITECTURE_FILES + 1


async def test_new_build_from_the_brief_screen_generates_phase_one(repo):
    (repo / "backend-brief.toml").write_text(_example_brief())
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, BriefScreen)
        assert app.screen.brief is not None, app.screen.query_one("#brief-problems").render()
        status = str(app.screen.query_one("#brief-problems").render())
        assert status.startswith("✓ valid — Bookmark, Tag, 1 relation; ctrl+g starts")
        await pilot.press("ctrl+g")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, PhaseScreen)
        files = app.screen.query_one(FileList)
        assert files.option_count == ARCHITECTURE_FILES + 1
        markdown = app.screen.query_one("#rationale")
        assert "monolith" in markdown.source
    assert review_states(repo) == {p: "pending" for p in review_states(repo)}


def _example_brief() -> str:
    from .conftest import EXAMPLES

    return (EXAMPLES / "bookmarks.toml").read_text()


async def test_brief_screen_shows_the_cli_errors_live_and_saves(repo):
    (repo / "backend-brief.toml").write_text(_example_brief())
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        screen = app.screen
        screen.query_one("#project-name").value = "Bad Name"
        await pilot.pause(0.4)
        problems = str(screen.query_one("#brief-problems").render())
        assert (
            "backend-brief.toml:2: project.name: project name 'Bad Name' is not a slug" in problems
        )
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, BriefScreen)  # nothing started with a broken brief
        screen.query_one("#project-name").value = "links"
        entities = screen.query_one("#entities")
        entities.load_text(entities.text.replace('name = "Tag"', 'name = "tag"'))
        await pilot.pause(0.4)
        problems = str(screen.query_one("#brief-problems").render())
        assert "entities[1].name" in problems and "entities editor line" in problems
        entities.load_text(entities.text.replace('name = "tag"', 'name = "Label"'))
        entities.load_text(entities.text.replace('to = "Tag"', 'to = "Label"'))
        await pilot.pause(0.4)
        await pilot.press("ctrl+s")
        await settle(pilot)
    saved = (repo / "backend-brief.toml").read_text()
    assert 'name = "links"' in saved and 'name = "Label"' in saved
    from backend_agent.core.brief import load_brief

    assert load_brief(repo / "backend-brief.toml").project.name == "links"


async def test_approve_reject_approve_all_and_reset_reach_the_state(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        first = await select(pilot, 0)
        await pilot.press("a")
        await settle(pilot)
        assert review_states_live(app)[first] == "approved"
        # approving moves on to the next undecided file
        assert app.screen.query_one(FileList).highlighted_id != first
        second = await select(pilot, 1)
        await pilot.press("x")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"use one file per layer")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        third = await select(pilot, 2)
        await pilot.press("R")
        await settle(pilot)
    states = review_states(repo)
    assert states[first] == "approved"
    assert states[second] == "rejected"
    assert states[third] == "pending"
    assert sum(1 for s in states.values() if s == "approved") == ARCHITECTURE_FILES - 2
    with reopen(repo) as session:
        assert session.review(second, "architecture").comment == "use one file per layer"


async def type_at_end(pilot, text: str) -> None:
    """Type into the in-place editor after its last character."""
    editor = pilot.app.screen.query_one("#editor")
    editor.move_cursor(editor.document.end)
    await pilot.press(*["enter" if char == "\n" else char for char in text])


def review_states_live(app) -> dict[str, str]:
    record = app.session.record("architecture")
    return {c.path: record.review(c.path).state(c) for c in record.proposal.changes}


async def test_edit_in_place_is_saved_through_the_engine(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = await select(pilot, 0)
        await pilot.press("a")
        await select(pilot, 0)
        await pilot.press("e")
        await pilot.pause()
        await type_at_end(pilot, "\nEdited by a person.\n")
        await pilot.pause(0.6)  # the debounce has passed: the engine has the edit
        with_edit = app.session.content(path)
        assert with_edit.endswith("Edited by a person.\n")
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one(FileList).has_focus
        assert "Edited by a person." in "\n".join(app.screen.query_one(DiffView).diff.new)
    assert review_states(repo)[path] == "edited"  # the approval no longer holds


async def test_an_edit_in_progress_survives_closing_the_app(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = await select(pilot, 1)
        await pilot.press("e")
        await pilot.pause()
        await type_at_end(pilot, "unsaved keystrokes")
        # closing right away: the debounce has not fired yet
        assert app.edits.pending is not None
        await app.action_quit()
    with reopen(repo) as session:
        assert session.content(path).endswith("unsaved keystrokes")
        assert session.review(path).state(session.change(path)) == "edited"
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (await select(pilot, 1)) == path
        shown = "\n".join(app.screen.query_one(DiffView).diff.new)
        assert shown.endswith("unsaved keystrokes")


async def test_edit_in_external_editor_uses_the_configured_command(repo, tmp_path):
    prepared_build(repo)
    script = tmp_path / "editor.py"
    script.write_text("import sys\nopen(sys.argv[1], 'a').write('Appended by the editor.\\n')\n")
    app = wizard(repo, build="bookmarks")
    app.config.editor = f"{sys.executable} {script}"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = await select(pilot, 2)
        await pilot.press("E")
        await settle(pilot)
        assert app.session.content(path).endswith("Appended by the editor.\n")
    assert review_states(repo)[path] == "edited"


async def test_a_missing_editor_is_an_error_dialog(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    app.config.editor = "no-such-editor-anywhere"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, 0)
        await pilot.press("E")
        await settle(pilot)
        assert isinstance(app.screen, ErrorModal)
        assert "no-such-editor-anywhere" in app.screen.title_text
        assert any("config.toml" in step for step in app.screen.next_steps)


class Reviser(OfflineProvider):
    """The offline proposals from a provider the wizard lets revise (as it does Claude)."""

    name = "reviser"


async def test_revise_keeps_approvals_of_unchanged_files(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks", provider=Reviser())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = await select(pilot, 0)
        await pilot.press("a")
        await settle(pilot)
        here = app.screen.selected_path()  # approving moved on to the next file
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        await pilot.press(*"prefer a modular monolith")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, PhaseScreen)
        assert app.screen.selected_path() == here  # back on that file once the run ended
    with reopen(repo) as session:
        assert session.record("architecture").rounds == 2
        assert session.review(path, "architecture").state(session.change(path)) == "approved"


async def test_offline_revise_says_why_before_asking_for_feedback(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select(pilot, 0)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)  # no prompt for words it cannot use
        [note] = [n.message for n in app._notifications]
        assert note.startswith("cannot revise: the offline generator cannot act on feedback")
    with reopen(repo) as session:
        assert session.record("architecture").rounds == 1


async def test_commit_dialog_lists_exactly_the_approved_files_and_commits_the_message(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("A")
        await settle(pilot)
        left_out = await select(pilot, 3)
        await pilot.press("x", "enter")
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        dialog = app.screen
        assert isinstance(dialog, CommitModal)
        assert len(dialog.files) == ARCHITECTURE_FILES - 1
        assert not any(line.endswith(left_out) for line in dialog.files)
        assert "Backend-Agent-Rejected: 1" in dialog.trailers
        message = dialog.query_one("#commit-message")
        message.load_text("architecture: a reviewed start\n\nWritten by the reviewer.\n")
        await pilot.press("ctrl+s")
        await settle(pilot, rounds=10)
        # the next phase opens and is generated
        assert isinstance(app.screen, PhaseScreen)
        assert app.screen.phase.id == "data-model"
    log = git(repo, "log", "-1", "--format=%B", "backend-agent/bookmarks")
    assert log.startswith("architecture: a reviewed start\n\nWritten by the reviewer.")
    assert "Backend-Agent-Phase: architecture" in log
    committed = git(repo, "show", "--name-only", "--format=", "backend-agent/bookmarks").split()
    assert len(committed) == ARCHITECTURE_FILES - 1 and left_out not in committed


async def test_commit_with_nothing_approved_says_so(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)
        assert any("nothing is approved" in n.message for n in app._notifications)


async def test_undo_drops_the_commit_and_keeps_the_decisions(repo):
    prepared_build(repo)
    with reopen(repo) as session:
        session.approve_all()
        session.commit()
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.phase.id == "data-model"
        await pilot.press("U")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen.phase.id == "architecture"
    assert git(repo, "rev-list", "--count", "backend-agent/bookmarks").strip() == "1"
    assert set(review_states(repo).values()) == {"approved"}


async def test_next_and_previous_phase_and_the_stepper(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen.phase.id == "data-model"
        assert "Press **g**" in app.screen.query_one("#rationale").source
        await pilot.press("p")
        await settle(pilot)
        assert app.screen.phase.id == "architecture"
        await pilot.press("p")  # there is no phase 0
        await settle(pilot)
        assert app.screen.phase.id == "architecture"
        app.screen.action_goto_phase("documentation")
        await settle(pilot)
        assert app.screen.phase.id == PHASES[-1].id
    with reopen(repo) as session:
        assert session.state.current == "documentation"


async def test_split_view_and_rendered_markdown(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert (await select(pilot, 1)).endswith(".md")
        diff = app.screen.query_one(DiffView)
        await pilot.press("v", "z")  # a new file has one side, and is shown whole
        await pilot.pause()
        assert not diff.split and not diff.whole_file
        said = [n.message for n in app._notifications]
        assert said == [
            "architecture.md is new: there is one side only",
            "architecture.md is new: it is shown whole already",
        ]
        await pilot.press("m")
        await pilot.pause()
        assert app.screen.query_one("#view").current == "preview-scroll"
        assert app.screen.query_one("#preview").source == app.session.content(diff.path)
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen.query_one("#view").current == "diff"


async def test_a_provider_error_is_a_dialog_and_the_phase_is_unchanged(repo):
    build = prepared_build(repo, generate=False)
    app = wizard(repo, build=build, provider=FailingProvider())
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot, rounds=8)
        dialog = app.screen
        assert isinstance(dialog, ErrorModal)
        assert dialog.title_text == "Could not generate phase 1 (architecture)"
        assert dialog.message == "the API answered 529: overloaded"
        assert dialog.next_steps[0] == "wait a minute and try again"
        assert "press g to try again" in dialog.next_steps[1]
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)
        assert "529" in app.screen.query_one("#rationale").source
    with reopen(repo) as session:
        assert session.record("architecture").status == "pending"
        assert session.record("architecture").proposal is None


async def test_escape_cancels_a_running_provider(repo):
    build = prepared_build(repo, generate=False)
    provider = WaitingProvider()
    app = wizard(repo, build=build, provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        assert provider.started.wait(5)
        await pilot.pause(0.1)
        assert app.screen.busy
        assert "esc cancels" in str(app.screen.query_one("#progress").render())
        await pilot.press("escape")
        await settle(pilot)
        assert not app.screen.busy
        assert any("cancelled" in n.message for n in app._notifications)
        assert not isinstance(app.screen, ErrorModal)
    with reopen(repo) as session:
        assert session.record("architecture").status == "pending"


async def test_summary_shows_commits_usage_and_the_merge_commands(repo):
    prepared_build(repo)
    with reopen(repo) as session:
        session.approve_all()
        sha = session.commit()
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        text = app.screen.query_one("#summary-text").source
        assert f"`{sha[:10]}`" in text
        table = app.screen.query_one("#summary-phases")
        assert table.get_row_at(0)[2:4] == ["committed", sha[:10]]
        assert table.get_row_at(1)[2] == "pending"
        assert "git merge --no-ff backend-agent/bookmarks" in text
        assert "git switch main" in text
        assert "gh pr create --base main --head backend-agent/bookmarks" in text
        assert "`docs/adr/0002-use-monolith.md`" in text
        assert "cost $0.00" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)


async def test_every_phase_binding_is_in_the_command_palette(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from backend_agent.ui.commands import BindingCommands

        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert "Approve all" in titles and "Commit" in titles
        assert "Approve" not in titles  # the rationale is selected: no file to approve
        path = await select(pilot, 0)
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        for wanted in ("Approve", "Reject", "Approve all", "Edit", "$EDITOR", "Commit", "Keys"):
            assert wanted in titles
        assert "Revise" not in titles  # offline: it cannot act on feedback
        assert not {"Quit", "Theme"} & titles  # Textual's own entries list those once
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"approve")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        assert review_states_live(app)[path] == "approved"


async def test_keymap_in_the_config_remaps_bindings_by_id(repo, hermetic):
    prepared_build(repo)
    config = hermetic / "config"
    config.mkdir()
    (config / "config.toml").write_text('[keymap]\n"phase.approve" = "y"\n"phase.nonsense" = "q"\n')
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        path = await select(pilot, 0)
        await pilot.press("a")  # remapped away
        await settle(pilot)
        assert review_states_live(app)[path] == "pending"
        await pilot.press("y")
        await settle(pilot)
        assert review_states_live(app)[path] == "approved"
        assert any("phase.nonsense" in n.message for n in app._notifications)


async def test_the_theme_chosen_is_remembered(repo, hermetic):
    prepared_build(repo)
    config = hermetic / "config" / "config.toml"
    config.parent.mkdir()
    config.write_text('# my settings\neditor = "nano"\n\n[keymap]\n"phase.approve" = "a"\n')
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.theme = "nord"
        await settle(pilot)
    text = config.read_text()
    assert 'theme = "nord"' in text and "# my settings" in text and 'editor = "nano"' in text
    again = wizard(repo)
    async with again.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_a_sentence_opens_the_brief_on_its_draft_and_the_build_keeps_it(repo):
    sentence = "build a backend for a dog-walking marketplace"
    app = wizard(repo, sentence=sentence)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        assert screen.query_one("#project-name").value == "dog-walking-marketplace"
        assert sentence in screen.query_one("#project-requirements").text
        note = str(screen.query_one("#brief-note").render())
        assert sentence in note and "cannot draft entities" in note
        entities = screen.query_one("#entities")
        entities.load_text(
            '[[entities]]\nname = "Walk"\nowned_by_user = true\n'
            'fields = [ { name = "starts_at", type = "datetime", required = true } ]\n'
        )
        await pilot.pause(0.4)
        await pilot.press("ctrl+g")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, PhaseScreen)
    with reopen(repo, "dog-walking-marketplace") as session:
        assert session.state.sentence == sentence
        assert [e.name for e in session.state.brief.entities] == ["Walk"]
        assert session.record("architecture").proposal is not None
