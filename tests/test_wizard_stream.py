"""The wizard while Claude works (fake API): the rationale streams in and each file shows up
as its tool call arrives, before the answer is over."""

from __future__ import annotations

import asyncio

from textual.widgets import Static

from .fakes.anthropic_server import answer_reply
from .fakes.builds import phase_blocks
from .wizard_support import SIZE, prepared_build, reopen, settle, wizard


async def test_files_appear_while_the_answer_arrives(repo, fake_anthropic):
    build = await asyncio.to_thread(prepared_build, repo, generate=False)
    reply = answer_reply(phase_blocks("architecture"), chunk=25)
    stops = [i for i, (name, _) in enumerate(reply.events, 1) if name == "content_block_stop"]
    reply.pause = (stops[1], 30.0)  # the sentence and the first file are in; then it waits
    fake_anthropic.script(reply)
    app = wizard(repo, build=build)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("g")
        progress = app.screen.query_one("#progress", Static)
        for _ in range(300):
            await pilot.pause(0.05)
            if "created docs/requirements.md" in str(progress.render()):
                break
        await pilot.pause(0.3)  # the streamed Markdown paints
        assert "created docs/requirements.md (1 files)" in str(progress.render())
        screen = app.export_screenshot().replace("&#160;", " ")
        assert "Proposing architecture." in screen
        assert "created docs/requirements.md" in screen
        assert "docs/architecture.md" not in screen  # not arrived yet
        await pilot.press("escape")  # cancel: the phase is as it was
        await settle(pilot, rounds=8)
    with reopen(repo, build) as session:
        assert session.record("architecture").proposal is None
