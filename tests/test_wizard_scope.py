"""The wizard from one sentence: the Brief screen on the draft (Claude's, with what it
assumed and asks; offline, with what it cannot do), and a build that the sentence limits
to the architecture asks before going past it."""

from __future__ import annotations

from backend_agent.core.brief import load_brief
from backend_agent.engine import BuildSession
from backend_agent.ui.modals import CommitModal, ConfirmModal
from backend_agent.ui.screens.brief import BriefScreen
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.screens.summary import SummaryScreen

from .conftest import EXAMPLES
from .fakes.builds import build_handler
from .wizard_support import SIZE, reopen, settle, wizard

CRM = "design the architecture for a multi-tenant CRM"


def crm_build(repo) -> str:
    """A build started from the CRM sentence (with the example's entities), phase 1
    proposed, as `new "SENTENCE"` leaves it once the brief is filled in."""
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    with BuildSession.start(repo, brief, sentence=CRM) as session:
        assert session.scope_end is not None and session.scope_end.id == "architecture"
        list(session.generate())
        return session.state.build


async def commit_phase_one(pilot) -> None:
    await settle(pilot)
    await pilot.press("A")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommitModal)
    await pilot.press("ctrl+s")
    await settle(pilot, rounds=8)


async def test_after_phase_one_the_wizard_asks_before_going_on(repo):
    build = crm_build(repo)
    app = wizard(repo, build=build)
    async with app.run_test(size=SIZE) as pilot:
        await commit_phase_one(pilot)
        question = app.screen
        assert isinstance(question, ConfirmModal)
        assert question.question == "Continue to phase 2: Data model?"
        assert CRM in question.detail
        assert app.session.record("data-model").status == "pending"  # nothing generated
        await pilot.press("n")  # not now: the build is done as the sentence asked
        await settle(pilot)
        assert isinstance(app.screen, SummaryScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("n")  # to phase 2 by hand: generating it asks again
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen) and app.screen.phase.id == "data-model"
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot, rounds=8)
        assert isinstance(app.screen, PhaseScreen) and app.screen.phase.id == "data-model"
        assert app.session.record("data-model").proposal is not None
    with reopen(repo, build) as session:
        assert session.scope_end is None  # going on is remembered
        assert session.record("architecture").status == "committed"


async def test_continuing_right_after_the_commit_generates_phase_two(repo):
    build = crm_build(repo)
    app = wizard(repo, build=build)
    async with app.run_test(size=SIZE) as pilot:
        await commit_phase_one(pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("y")
        await settle(pilot, rounds=10)
        assert isinstance(app.screen, PhaseScreen) and app.screen.phase.id == "data-model"
        assert app.session.record("data-model").proposal is not None


async def test_a_sentence_offline_says_drafting_entities_needs_the_anthropic_provider(repo):
    app = wizard(repo, sentence=CRM)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        assert screen.query_one("#project-name").value == "multi-tenant-crm"
        assert CRM in screen.query_one("#project-requirements").text
        note = str(screen.query_one("#brief-note").render())
        assert "Drafting entities needs the Anthropic provider" in note
        assert "# [[entities]]" in screen.query_one("#entities").text  # a template to fill in
        assert "Assumed" not in note  # the offline draft assumes nothing


async def test_a_sentence_with_claude_shows_the_draft_its_assumptions_and_questions(
    repo, fake_anthropic
):
    fake_anthropic.handler = build_handler()
    sentence = "build a backend for a recipe sharing site"
    app = wizard(repo, sentence=sentence)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=8)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        note = str(screen.query_one("#brief-note").render())
        assert f"Drafted from: {sentence}" in note
        assert "Assumed:\n  • Each person sees only their own items" in note
        assert "Open questions:\n  • Should items be shareable?" in note
        assert "Anthropic provider" not in note
        entities = screen.query_one("#entities").text
        assert 'name = "Item"' in entities and 'name = "Tag"' in entities
        assert screen.brief is not None  # the draft is a valid brief as it stands
    assert [r.body["tools"][0]["name"] for r in fake_anthropic.requests] == ["submit_brief"]


async def test_the_welcome_screen_takes_a_sentence(repo):
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await pilot.press(*"create a service for invoice reminders")
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BriefScreen)
        assert screen.query_one("#project-name").value == "invoice-reminders"
        assert (
            "create a service for invoice reminders"
            in screen.query_one("#project-requirements").text
        )
        note = str(screen.query_one("#brief-note").render())
        assert "Drafting entities needs the Anthropic provider" in note
