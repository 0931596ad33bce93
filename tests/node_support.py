"""For tests that run Node.js: one npm cache for every test and worker (installs are locked
per package.json, so a second worker waits for the first), and a throwaway Redis."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from .conftest import ROOT

NODE_CACHE = ROOT / ".cache"
"""BACKEND_AGENT_CACHE_DIR for tests: node_modules land in .cache/node/<key>, kept between
runs like a developer's own cache would be (CI starts from a clean clone anyway)."""


def require_node() -> None:
    if not (shutil.which("node") and shutil.which("npm")):
        pytest.fail(
            "Node.js 20.19+ and npm are needed: .ci/run installs them (apt-get install nodejs npm)"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """redis-server on a free loopback port, without persistence, stopped at the end."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(
                "redis-server is needed: .ci/run installs it (apt-get install redis-server)"
            )
        self.folder = Path(tempfile.mkdtemp(prefix="backend-agent-redis-"))
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            self.stop()
            pytest.fail("redis-server did not start")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.folder, ignore_errors=True)
