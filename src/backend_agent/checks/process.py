"""Running a command of the project's (its install, its tests) with its output streamed.

The command runs in its own process group, so a timeout or a cancel takes all of it down
(pytest's workers, uv's build backends), and nothing waits on a pipe that never closes.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Finished:
    code: int | None
    """The exit code; None when it never started or was stopped."""
    output: list[str] = field(default_factory=list)
    stopped: str | None = None
    """"cancelled" or "timeout" when we stopped it."""
    seconds: float = 0.0
    error: str | None = None
    """Why it could not start (OSError), if it did not."""


def stream(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    cancel: threading.Event,
) -> Generator[str, None, Finished]:
    """Yield the command's output (stdout and stderr together) line by line."""
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            start_new_session=True,
        )
    except OSError as error:
        return Finished(None, error=str(error))
    lines: queue.Queue[str | None] = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process, lines), daemon=True)
    reader.start()
    output: list[str] = []
    stopped: str | None = None
    try:
        while True:
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                line = ""
            if line is None:
                break
            if line:
                output.append(line)
                yield line
            if cancel.is_set():
                stopped = "cancelled"
            elif time.monotonic() - started > timeout:
                stopped = "timeout"
            if stopped:
                kill(process)
                break
    finally:
        if process.poll() is None:
            kill(process)
        process.wait()
        reader.join(timeout=5)
        if process.stdout is not None and not reader.is_alive():
            process.stdout.close()
    return Finished(
        None if stopped else process.returncode,
        output,
        stopped,
        time.monotonic() - started,
    )


def _pump(process: subprocess.Popen, lines: queue.Queue) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def kill(process: subprocess.Popen) -> None:
    for sig, wait in ((signal.SIGTERM, 3), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue
