"""The wizard on small terminals and what it says about its keys, driven with Pilot at the
sizes where people hit trouble: dialogs keep their buttons, the footer keeps the keys that
matter, the file list narrows or hides, the stepper shows all six phases, `?` lists every
key (remapped ones as remapped), and a key that cannot act says why."""

from __future__ import annotations

from backend_agent.core.phases import PHASES
from backend_agent.ui.commands import Themes
from backend_agent.ui.modals import CommitModal
from backend_agent.ui.screens.help import HelpScreen, help_groups
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.widgets.file_list import FileList
from backend_agent.ui.widgets.key_bar import KeyBar
from backend_agent.ui.widgets.stepper import Stepper

from .helpers import start
from .wizard_support import prepared_build, settle, wizard

SMALL, MEDIUM, LARGE = (80, 24), (100, 30), (160, 45)


def footer(app) -> list[str]:
    return app.screen.query_one(KeyBar).shown


def help_text(screen) -> str:
    """The overlay as lines of `keys | what they do`."""
    cells = [str(cell.render()) for cell in screen.query(".help-keys > Static")]
    return "\n".join(f"{k} | {t}" for k, t in zip(cells[::2], cells[1::2], strict=True))


def notes(app) -> list[str]:
    return [n.message for n in app._notifications]


async def select(pilot, index: int) -> str:
    files = pilot.app.screen.query_one(FileList)
    files.highlighted = index + 1
    await settle(pilot)
    return files.highlighted_id


def committed_build(repo, phases: int) -> None:
    with start(repo) as session:
        for _ in range(phases):
            list(session.generate())
            session.approve_all()
            session.commit()


async def test_the_commit_dialog_keeps_its_buttons_and_keys_on_small_terminals(repo):
    prepared_build(repo)
    for size in (SMALL, MEDIUM):
        app = wizard(repo, build="bookmarks")
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await pilot.press("A")
            await settle(pilot)
            await pilot.press("c")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, CommitModal)
            screen = dialog.region
            for button in dialog.query("Button"):
                assert screen.contains_region(button.region), (size, button.id)
            assert footer(app)[:2] == ["Commit", "Cancel"]  # the dialog's keys, not Phase's
            body = dialog.query_one("#commit-body")
            trailers = dialog.query_one("#commit-trailers")
            body.scroll_end(animate=False, immediate=True)
            await pilot.pause()
            assert body.region.contains_region(trailers.region), size  # scrolled to, in sight
            for _ in range(4):  # Tab reaches the Commit button
                if dialog.focused is not None and dialog.focused.id == "commit":
                    break
                await pilot.press("tab")
            assert dialog.focused.id == "commit"
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, PhaseScreen)


async def test_the_footer_keeps_what_matters_at_80_columns(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await select(pilot, 0)
        shown = footer(app)
        for wanted in ("Approve", "Reject", "Commit", "Next", "Keys"):  # p: no phase before
            assert wanted in shown, shown
        stepper = str(app.screen.query_one(Stepper).render())
        for phase in PHASES:  # all six, the others by number
            assert str(phase.number) in stepper
        assert "1 Architecture" in stepper and "Documentation" not in stepper
        assert app.screen.query_one(FileList).narrow
        assert app.screen.query_one("#phase-side").outer_size.width == 24


async def test_a_committed_phase_offers_undo_and_says_why_it_cannot_be_changed(repo):
    committed_build(repo, 1)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        await pilot.press("p")  # back to the committed phase 1
        await settle(pilot)
        assert app.screen.phase.id == "architecture"
        shown = footer(app)
        assert "Undo commit" in shown and "Summary" in shown and "Approve" not in shown
        checks = str(app.screen.query_one("#checks").render())  # never checked: not "k runs"
        assert "not run before the commit" in checks and "k runs them" not in checks
        await select(pilot, 0)
        await pilot.press("a", "x", "e")
        await settle(pilot)
        said = notes(app)
        assert said[-3:] == ["phase 1 is committed — U undoes the commit (your decisions stay)"] * 3
        assert app.session.review(app.screen.selected_path(), "architecture").decision == (
            "approved"
        )


async def test_after_the_last_phase_the_footer_offers_the_summary(repo):
    committed_build(repo, len(PHASES))
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        assert app.screen.phase.id == "documentation"
        assert "Summary" in footer(app)
        await pilot.press("n")
        await settle(pilot)
        assert notes(app)[-1] == "phase 6 is the last — s shows the summary"


async def test_the_file_list_narrows_under_110_columns_and_b_hides_it(repo):
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=LARGE) as pilot:
        await settle(pilot)
        side, files = app.screen.query_one("#phase-side"), app.screen.query_one(FileList)
        assert side.outer_size.width == 40 and not files.narrow
        path = await select(pilot, 2)
        assert path in str(files.get_option(path).prompt)  # the whole path
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot)
        side, files = app.screen.query_one("#phase-side"), app.screen.query_one(FileList)
        assert side.outer_size.width == 24 and files.narrow
        path = await select(pilot, 2)
        prompt = str(files.get_option(path).prompt)
        assert path.rsplit("/", 1)[1] in prompt and path not in prompt  # the name first
        await pilot.press("b")
        await settle(pilot)
        assert not side.display and app.screen.focused is app.screen.query_one("#diff")
        assert "Files" in footer(app)  # the way back is on screen
        await pilot.press("b")
        await settle(pilot)
        assert side.display and app.screen.focused is files


async def test_question_mark_lists_every_key_by_what_it_acts_on_with_remaps(repo, hermetic):
    (hermetic / "config").mkdir()
    (hermetic / "config" / "config.toml").write_text('[keymap]\n"phase.approve" = "y"\n')
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = help_text(app.screen)
        titles = [title for title, _ in help_groups(app.screen.under)]
        assert titles[:4] == ["File", "Hunk", "View", "Phase"] and titles[-1] == "App"
        assert "y | Approve — Approve the selected file" in text  # remapped: y, not a
        assert "a | Approve" not in text
        assert "esc | Back — " in text
        # The rationale is selected: file keys are listed, dimmed, and why is said once.
        reasons = [str(line.render()) for line in app.screen.query(".help-reason")]
        assert "y x e E R: select a file first (↑ ↓ in the file list)" in reasons
        assert "Approve the selected file\nselect a file first" not in text
        # A reason only one key has stays beside it.
        assert "Rework — Ask the provider to redo only the rejected hunks" in text
        assert "\nno hunk is rejected — H rejects the hunk at ▶" in text
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)


async def test_the_theme_list_marks_the_theme_in_use(repo):
    app = wizard(repo)
    async with app.run_test(size=MEDIUM) as pilot:
        await settle(pilot)
        app.theme = "nord"
        hits = [hit async for hit in Themes(app.screen).discover()]
        marked = [hit.text for hit in hits if hit.help == "the theme in use"]
        assert marked == ["nord"]
