"""The API key never shows on a screen: screenshots of a build with Claude (fake API) at
every stage, and of an authentication error, do not contain it."""

from __future__ import annotations

import asyncio

from backend_agent.ui.modals import CommitModal, ErrorModal

from .conftest import FAKE_KEY
from .fakes.anthropic_server import error_reply
from .fakes.builds import build_handler
from .wizard_support import SIZE, prepared_build, settle, wizard


def text_of(app) -> str:
    svg = app.export_screenshot()
    assert FAKE_KEY not in svg and FAKE_KEY[-12:] not in svg
    return svg.replace("&#160;", " ")


async def commit_phase_one(pilot, shots: list[str]) -> None:
    await pilot.press("A")
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    assert isinstance(pilot.app.screen, CommitModal)
    shots.append(text_of(pilot.app))  # the commit dialog with its trailers
    await pilot.press("ctrl+s")
    await settle(pilot, rounds=8)


async def test_screens_of_a_claude_build_never_show_the_key(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    # Phase 1 proposed by the fake Claude, off the test's event loop as the wizard would.
    build = await asyncio.to_thread(prepared_build, repo)
    app = wizard(repo, build=build)
    shots: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=8)
        assert app.session.provider.name == "anthropic"
        shots.append(text_of(app))
        await commit_phase_one(pilot, shots)
        shots.append(text_of(app))  # phase 2, streamed in from the fake Claude
        await pilot.press("s")
        await settle(pilot)
        shots.append(text_of(app))  # the summary with tokens and cost
    assert "Backend-Agent-Model" in shots[1] and "anthropic" in shots[1]
    assert len(fake_anthropic.requests) >= 2


async def test_an_authentication_error_dialog_does_not_show_the_key(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    build = await asyncio.to_thread(prepared_build, repo)
    fake_anthropic.handler = lambda request: error_reply(
        401, "authentication_error", "invalid x-api-key"
    )
    app = wizard(repo, build=build)
    shots: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, rounds=8)
        await commit_phase_one(pilot, shots)  # phase 2 is asked for, and refused
        assert isinstance(app.screen, ErrorModal)
        error = text_of(app)
    assert "refused the key (401 authentication_error" in error
