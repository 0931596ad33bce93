"""A generated service run for real on loopback: built in memory, its environment shared
(service_env), its processes started with `python -m app.serve` and spoken to over HTTP —
plus the redis-server and PostgreSQL clusters the tests need beside it."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from backend_agent.providers.offline.plan import build_plan
from backend_agent.providers.offline.service.api import Api, Resource, build_api

from .offline_service_support import brief, build, write
from .service_env import python_for

PASSWORD = "a long and careful passphrase"
JWT_SECRET = "replicas-share-this-key-" + "7Qz4mX9pL2vB8nR5tW1y"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    body: object | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 30,
) -> Answer:
    """One request on a connection of its own (so a closed listener shows as refused)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        sent = {"Content-Type": "application/json", **(headers or {})} if payload else headers
        conn.request(method, path, body=payload, headers=sent or {})
        response = conn.getresponse()
        return Answer(
            response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        )
    finally:
        conn.close()


@dataclass
class Built:
    """A generated service on disk, with the interpreter of its environment."""

    root: Path
    python: Path
    api: Api

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 300):
        return subprocess.run(
            [str(self.python), *args],
            cwd=self.root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def migrate(self, url: str) -> None:
        result = self.run("-m", "app.migrate", "--database-url", url)
        assert result.returncode == 0, result.stderr

    def resource(self) -> Resource:
        """An owned resource a signed-in member may create with no other rows first."""
        for r in self.api.resources:
            needs = [ref for ref in r.references if not ref.column.nullable]
            if r.table.owned and all(ref.target.name == "users" for ref in needs):
                return r
        raise AssertionError("the brief has no owned resource without required references")

    def payloads(self, count: int) -> list[dict]:
        """Valid bodies for `resource()`, from the service's own test factories."""
        single = self.resource().table.singular
        script = (
            "import json, sys; sys.path.insert(0, 'tests'); import factories; "
            f"print(json.dumps([factories.{single}_payload(n) for n in range(1, {count + 1})], "
            "default=str))"
        )
        result = self.run("-c", script)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout)


def built(name: str, root: Path) -> Built:
    the_brief = brief(name)
    write(build(the_brief), root)
    return Built(root, python_for(root), build_api(build_plan(the_brief)))


@dataclass
class Replica:
    port: int
    process: subprocess.Popen
    log: Path
    env: dict[str, str] = field(default_factory=dict)

    def access_lines(self) -> list[dict]:
        lines = []
        for line in self.log.read_text().splitlines():
            if line.startswith("{"):
                entry = json.loads(line)
                if entry.get("logger") == "app.access":
                    lines.append(entry)
        return lines

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)


def serve(service: Built, env: dict[str, str], log: Path) -> Replica:
    port = free_port()
    settings = {
        "ENVIRONMENT": "production",
        "PYTHONUNBUFFERED": "1",  # each log line in the file as it is written
        "PORT": str(port),
        "JWT_SECRET": JWT_SECRET,
        **env,
    }
    out = log.open("w")
    process = subprocess.Popen(
        [str(service.python), "-m", "app.serve"],
        cwd=service.root,
        env={**os.environ, **settings},
        stdout=out,
        stderr=subprocess.STDOUT,
    )
    out.close()
    replica = Replica(port, process, log, settings)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the service exited:\n" + log.read_text()[-3000:])
        try:
            if request(port, "GET", "/readyz", timeout=2).status == 200:
                return replica
        except OSError:
            pass
        time.sleep(0.1)
    process.kill()
    raise AssertionError("the service was not ready in 30 s:\n" + log.read_text()[-3000:])


@contextmanager
def redis_server(folder: Path) -> Iterator[str]:
    """A real redis-server on a unix socket in `folder`; yields its URL."""
    binary = shutil.which("redis-server")
    assert binary, "redis-server is not installed: apt-get install redis-server (.ci/run does)"
    sock = folder / "redis.sock"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            "0",
            "--unixsocket",
            str(sock),
            "--unixsocketperm",
            "700",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while not sock.exists():
            assert process.poll() is None, "redis-server exited at start"
            assert time.monotonic() < deadline, "redis-server did not start in 15 s"
            time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        process.terminate()
        process.wait(timeout=15)


def sign_in(port: int, email: str, client: str) -> dict[str, str]:
    """A new account's bearer header (the service answers sign-up the same either way)."""
    account = {"email": email, "password": PASSWORD}
    forwarded = {"X-Forwarded-For": client}
    assert request(port, "POST", "/auth/signup", account, forwarded).status == 202
    answer = request(port, "POST", "/auth/login", account, forwarded)
    assert answer.status == 200, answer.body
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}  # type: ignore[index]
