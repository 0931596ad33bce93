"""`backend-agent serve` in a real browser: headless Chromium (Debian's package, driven by
Playwright) opens the page, the Welcome screen renders, and the demo build's phase 1 is
approved and committed with key presses in the page — the commit lands on the branch."""

from __future__ import annotations

import os
import re

import pytest

from .browser_support import CHROMIUM, CHROMIUM_ARGS, Terminal, free_port, served, wait_listening
from .conftest import git

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def chromium():
    """The browser; .ci/run installs it, so a machine without it fails here, loudly."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
    )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class OnlyThisMachine:
    """Requests off 127.0.0.1 are stopped and remembered: the page must make none."""

    def __init__(self) -> None:
        self.elsewhere: list[str] = []

    def __call__(self, route) -> None:
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "ws://127.0.0.1:")):
            route.continue_()
        else:
            self.elsewhere.append(url)
            route.abort()


def test_the_demo_builds_phase_one_approved_and_committed_in_a_browser(chromium, repo, tmp_path):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    port = free_port()
    # The demo makes its repository in the temp folder: this one, so the test can find it.
    env = {**os.environ, "TMPDIR": str(scratch)}
    with served("--repo", str(repo), "--port", str(port), env=env) as server:
        wait_listening(port, server)
        page = chromium.new_page(viewport={"width": 1600, "height": 1000})
        elsewhere = OnlyThisMachine()
        page.route("**/*", elsewhere)
        terminal = Terminal(page)
        page.goto(f"http://127.0.0.1:{port}/", wait_until="domcontentloaded")
        welcome = terminal.wait_for("New build", "Demo", "Skills", str(repo))
        assert "backend-agent" in welcome and "offline" in welcome
        page.screenshot(path=str(tmp_path / "welcome.png"))
        page.focus("textarea.xterm-helper-textarea")  # the keyboard goes to the terminal
        terminal.press("d")  # Welcome: the demo, a scratch repository with the example brief
        terminal.wait_for("backend-brief.toml", "bookmarks")
        terminal.press("Control+g")  # Brief: start the build
        terminal.wait_for("Phase 1 of 6: Architecture", "docs/requirements.md", "Checks: all")
        terminal.press("A")  # approve all
        terminal.wait_for("6 of 6 approved")
        terminal.press("c")  # commit: the dialog with the message, the files, the trailers
        terminal.wait_for("Commit phase 1: Architecture", "Backend-Agent-Phase: architecture")
        terminal.press("Control+s")
        done = terminal.wait_for("Phase 2 of 6: Data model", "on backend-agent/bookmarks")
        page.screenshot(path=str(tmp_path / "committed.png"))
        page.close()
    assert elsewhere.elsewhere == []
    shown = re.search(r"committed ([0-9a-f]{10}) on backend-agent/bookmarks", done)
    assert shown, done
    demos = list(scratch.glob("backend-agent-demo*"))  # made once, used again next time
    assert len(demos) == 1
    tip = git(demos[0], "rev-parse", "backend-agent/bookmarks").strip()
    assert tip.startswith(shown.group(1))
    message = git(demos[0], "log", "-1", "--format=%B", tip)
    assert message.startswith("architecture: ") and "Backend-Agent-Phase: architecture" in message
    committed = git(demos[0], "show", "--name-only", "--format=", tip).split()
    assert "docs/requirements.md" in committed and len(committed) == 6
    assert git(demos[0], "rev-parse", "--abbrev-ref", "HEAD").strip() == "main"
