"""The skills browser, driven with Pilot: reachable from every screen, what each skill is
and where it is used, broken skills shown, and a skill turned off for this build stays off."""

from __future__ import annotations

from backend_agent.ui.commands import BindingCommands
from backend_agent.ui.screens.phase import PhaseScreen
from backend_agent.ui.screens.skills import BODY_DELAY, SkillsScreen
from backend_agent.ui.screens.welcome import WelcomeScreen

from .helpers import SKILLS
from .wizard_support import SIZE, prepared_build, reopen, settle, wizard

SHIPPED = set(SKILLS)


def entries(screen: SkillsScreen) -> dict[str, str]:
    listing = screen.query_one("#skills-list")
    options = [listing.get_option_at_index(i) for i in range(listing.option_count)]
    return {o.id: str(o.prompt) for o in options}


async def select(pilot, name: str) -> None:
    listing = pilot.app.screen.query_one("#skills-list")
    ids = list(entries(pilot.app.screen))
    listing.highlighted = ids.index(name)
    await rendered(pilot)


async def rendered(pilot) -> None:
    """Once the selection rests, the body of the skill it rests on is rendered."""
    await pilot.pause(BODY_DELAY + 0.05)
    await settle(pilot)


def head(app) -> str:
    return str(app.screen.query_one("#skill-head").render())


async def test_a_skill_turned_off_stays_off(repo):
    broken = repo / ".backend-agent" / "skills" / "half-done"
    broken.mkdir(parents=True)
    (broken / "SKILL.md").write_text("no front matter here\n")
    prepared_build(repo)
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert "Skills" in titles  # in the palette of the phase screen
        await pilot.press("f2")
        await settle(pilot)
        assert isinstance(app.screen, SkillsScreen)
        listed = entries(app.screen)
        assert SHIPPED <= set(listed)
        assert listed["caching"].startswith("● caching  built-in · phase 4")
        broken_id = next(i for i in listed if i.startswith("broken:"))
        assert "half-done (broken)" in listed[broken_id]
        await select(pilot, broken_id)
        assert "must start with YAML front matter" in app.screen.query_one("#skill-body").source

        await select(pilot, "caching")
        assert "Used in full by: 4 Infrastructure" in head(app)
        assert "on for this build" in head(app)
        body = app.screen.query_one("#skill-body").source
        assert body.strip() and "name: caching" not in body  # the body, rendered
        await pilot.press("space")
        await settle(pilot)
        assert app.session.state.disabled_skills == ["caching"]
        assert entries(app.screen)["caching"].startswith("○ caching")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PhaseScreen)
        await pilot.press("f2")
        await settle(pilot)
        assert entries(app.screen)["caching"].startswith("○ caching")
        await select(pilot, "caching")
        assert "off for this build" in head(app)
    with reopen(repo) as session:
        assert session.state.disabled_skills == ["caching"]  # remembered in the build state
    app = wizard(repo, build="bookmarks")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await settle(pilot)
        assert entries(app.screen)["caching"].startswith("○ caching")
        await select(pilot, "caching")
        await pilot.press("space")  # and back on
        await settle(pilot)
    with reopen(repo) as session:
        assert session.state.disabled_skills == []


async def test_skills_from_the_welcome_screen_without_a_build(repo):
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        choices = app.screen.query_one("#welcome-choices")
        choices.highlighted = choices.option_count - 1  # the last entry: Skills
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SkillsScreen)
        assert SHIPPED <= set(entries(app.screen))
        assert "open a build to turn it off" in head(app)
        titles = {title for title, _, _ in BindingCommands(app.screen)._commands()}
        assert "On/off" not in titles  # nothing to turn off without a build
        await pilot.press("f2")  # already open: not stacked twice
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)
        await pilot.press("f2")  # the key works here too
        await settle(pilot)
        assert isinstance(app.screen, SkillsScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WelcomeScreen)


async def test_moving_fast_never_shows_the_body_of_a_skill_moved_past(repo):
    app = wizard(repo)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f2")
        await rendered(pilot)
        screen = app.screen
        listing = screen.query_one("#skills-list")
        for _ in range(3):  # three moves, faster than a body renders
            listing.action_cursor_down()
        await rendered(pilot)
        chosen = screen._selected()
        assert head(app).startswith(chosen.name)
        assert screen.body_of == chosen.name
        assert screen.query_one("#skill-body").source == chosen.body
        assert not screen.query_one("#skill-body").has_class("-stale")
        listed = entries(screen)
        assert any("· phase 1 " in text or text.endswith("· phase 1") for text in listed.values())
        assert not any("phases 1 " in text or text.endswith("phases 1") for text in listed.values())
