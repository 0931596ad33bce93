"""A real browser on `backend-agent serve`: Debian's Chromium driven by Playwright, and
what the page's terminal shows, read by replaying the bytes the page receives into a
terminal emulator (pyte) — the terminal is drawn on a canvas, with no text in the DOM."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(*args: str, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen]:
    """`backend-agent serve ARGS` in a process group of its own (the wizards it starts
    for each tab are in it too), stopped at the end."""
    process = subprocess.Popen(
        [sys.executable, "-m", "backend_agent.cli", "serve", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                continue


def wait_listening(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"serve exited with {process.returncode}: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"nothing listens on {port} after {timeout} s")


class Terminal:
    """The screen of the page's terminal, kept up to date from its websocket."""

    def __init__(self, page) -> None:
        import pyte

        self.page = page
        self.screen = pyte.Screen(80, 24)
        self.stream = pyte.ByteStream(self.screen)
        self.sockets: list[str] = []
        page.on("websocket", self._attach)

    def _attach(self, ws) -> None:
        self.sockets.append(ws.url)
        query = parse_qs(urlparse(ws.url).query)
        self._resize(int(query["width"][0]), int(query["height"][0]))
        ws.on("framereceived", self._received)
        ws.on("framesent", self._sent)

    def _received(self, payload) -> None:
        if isinstance(payload, bytes):
            self.stream.feed(payload)

    def _sent(self, payload) -> None:
        import json

        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self._resize(size["width"], size["height"])

    def _resize(self, width: int, height: int) -> None:
        self.screen.resize(lines=height, columns=width)

    def text(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, *needles: str, timeout: float = 90) -> str:
        """Wait until the screen shows every needle; the screen on failure."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if all(n in text for n in needles):
                return text
            self.page.wait_for_timeout(100)
        raise AssertionError(f"the page never showed {needles!r}; it shows:\n{self.text()}")

    def press(self, *keys: str) -> None:
        for key in keys:
            self.page.keyboard.press(key)
