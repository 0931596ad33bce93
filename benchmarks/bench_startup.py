"""Time to the first screen: `backend-agent` on a real terminal (a pty), from process
start to Welcome's first bytes, against a minimal Textual app started the same way,
interleaved in the same run. Both the wall clock and the CPU the process spent (which a
loaded machine disturbs less) are reported; the target is on the wall clock, as a person
waits for it.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from fcntl import ioctl
from pathlib import Path

from .bench_engine import IDENTITY, _repo
from .harness import Figure

RUNS = 9
MINIMAL_APP = """
from textual.app import App
from textual.widgets import Static

class Minimal(App):
    def compose(self):
        yield Static("minimal app ready")

Minimal().run()
"""


class Terminal:
    """`argv` running on a 120x40 pty, killed on exit; `cpu` is the seconds of CPU it
    (and the children it waited for) used until then."""

    def __init__(self, argv: list[str], env: dict[str, str]) -> None:
        self.argv = argv
        self.master, slave = pty.openpty()
        ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
        self.process = subprocess.Popen(
            argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        self.seen = b""
        self.cpu: float | None = None

    def wait_for(self, marker: bytes, timeout: float = 20) -> float:
        """perf_counter() when `marker` has reached the terminal."""
        while marker not in self.seen:
            ready, _, _ = select.select([self.master], [], [], timeout)
            if not ready:
                raise RuntimeError(
                    f"{self.argv}: no {marker!r} in {timeout} s: {self.seen[-300:]!r}"
                )
            self.seen += os.read(self.master, 65536)
        return time.perf_counter()

    def press(self, key: bytes) -> None:
        self.seen = b""
        os.write(self.master, key)

    def __enter__(self) -> Terminal:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            _, _, usage = os.wait4(self.process.pid, 0)
            self.process.returncode = -signal.SIGKILL
            self.cpu = usage.ru_utime + usage.ru_stime
        os.close(self.master)


def first_paint(argv: list[str], marker: bytes, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) from spawning `argv` on a pty to `marker` on screen."""
    start = time.perf_counter()
    with Terminal(argv, env) as terminal:
        wall = terminal.wait_for(marker) - start
    assert terminal.cpu is not None, "the process ended before it was timed"
    return wall, terminal.cpu


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = _repo(root, "startup")
        minimal = root / "minimal.py"
        minimal.write_text(MINIMAL_APP)
        env = {
            **os.environ,
            **IDENTITY,
            "TERM": "xterm-256color",
            "COLUMNS": "120",
            "LINES": "40",
            # A user's own config (theme, keymap) must not colour the measurement.
            "BACKEND_AGENT_CONFIG_DIR": str(root / "config"),
        }
        env.pop("ANTHROPIC_API_KEY", None)
        wizard = [sys.executable, "-m", "backend_agent.cli", str(repo)]
        baseline = [sys.executable, str(minimal)]
        first_paint(wizard, b"New build", env)  # both from a warm disk cache
        first_paint(baseline, b"minimal app ready", env)
        ours, theirs = [], []
        for _ in range(RUNS):
            ours.append(first_paint(wizard, b"New build", env))
            theirs.append(first_paint(baseline, b"minimal app ready", env))
    wall, base_wall = (statistics.median(t[0] for t in runs) for runs in (ours, theirs))
    cpu, base_cpu = (statistics.median(t[1] for t in runs) for runs in (ours, theirs))
    return [
        Figure(
            f"process start -> Welcome painted, wall (median of {RUNS})",
            wall,
            "s",
            "minimal Textual app",
            base_wall,
            target="<= 1.3x",
            ok=wall <= 1.3 * base_wall,
        ),
        Figure(
            f"process start -> Welcome painted, CPU (median of {RUNS})",
            cpu,
            "s",
            "minimal Textual app",
            base_cpu,
        ),
    ]
