"""THE proof: a brief built offline through all six phases gives a service that installs,
migrates, passes its own test suite against a real PostgreSQL, and serves requests.

Services with the same dependencies share an environment (tests/service_env.py); each
builds its own wheel. The generated suite must pass with nothing skipped; then the service
is started with uvicorn in production mode and probed over HTTP like a deploy would.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from backend_agent.providers.offline.plan import build_plan
from backend_agent.providers.offline.service.api import build_api, endpoints

from .conftest import EXAMPLES
from .helpers import offline_build
from .offline_service_support import BRIEFS, brief
from .service_env import build_wheel, python_for

pytestmark = pytest.mark.slow

BUILD_TIMEOUT = 300
PASSWORD = "a long and careful passphrase"


def _run(args: list[str], cwd: Path, env: dict | None = None, timeout: float = BUILD_TIMEOUT):
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    return result


def _venv(service: Path, root: Path) -> Path:
    """An environment with the service's dependencies (shared, see service_env) in which
    the service builds as a wheel: it installs, and runs from its folder."""
    python = python_for(service)
    build_wheel(service, python, root / "wheel")
    return python


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _request(port: int, method: str, path: str, body: dict | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _user_fields(name: str) -> dict[str, object]:
    """Values for the User entity's required fields, if the brief has any."""
    users = build_plan(brief(name)).users
    values: dict[str, object] = {}
    for column in users.columns if users else []:
        f = column.source
        if f is None or not column.required:
            continue
        if f.type in ("string", "text"):
            values[f.name] = "ada".ljust(int(f.min or 0), "a")
        elif f.type in ("int", "decimal"):
            values[f.name] = f.min or 0
        elif f.type == "enum":
            values[f.name] = (f.values or [""])[0]
        else:
            pytest.fail(f"no sample for a required User field of type {f.type}")
    return values


def _credentials(port: int, name: str, auth: str) -> dict[str, str]:
    account = {"email": "ada@example.com", "password": PASSWORD}
    status, _, body = _request(port, "POST", "/auth/signup", {**account, **_user_fields(name)})
    assert status == 202, body
    if auth == "api-key":
        status, _, body = _request(port, "POST", "/auth/keys", account)
        assert status == 201, body
        return {"X-API-Key": json.loads(body)["key"]}
    status, headers, body = _request(port, "POST", "/auth/login", account)
    assert status == 200, body
    if auth == "jwt":
        return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}
    cookie = headers.get("set-cookie") or headers.get("Set-Cookie")
    return {"Cookie": cookie.split(";", 1)[0]}


def _serve_and_probe(python: Path, service: Path, url: str, name: str, tmp: Path) -> None:
    api = build_api(build_plan(brief(name)))
    port = _free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE_URL": url,
        "PORT": str(port),
        "JWT_SECRET": secrets.token_urlsafe(48),
    }
    log = (tmp / "server.log").open("w")
    server = subprocess.Popen(
        [str(python), "-m", "app.serve"], cwd=service, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        for _ in range(200):
            try:
                if _request(port, "GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("the service did not start:\n" + (tmp / "server.log").read_text()[-3000:])
        assert _request(port, "GET", "/readyz")[0] == 200
        # The OpenAPI document lists exactly the endpoints the docs describe.
        _, _, raw = _request(port, "GET", "/openapi.json")
        served = {
            (method.upper(), path)
            for path, operations in json.loads(raw)["paths"].items()
            for method in operations
        } - {("GET", "/healthz"), ("GET", "/readyz")}
        assert served == {(e.method, e.path) for e in endpoints(api)}
        # A list only signed-in callers may read: 401 without credentials.
        target = next(
            (r for r in api.resources if r.table.access.needs_user("read")), api.resources[0]
        )
        if api.auth != "none" and target.table.access.needs_user("read"):
            status, headers, body = _request(port, "GET", target.path)
            assert status == 401, body
            assert headers["content-type"].startswith("application/problem+json")
            assert json.loads(body)["type"] == f"urn:{api.name}:problem:authentication-required"
        credentials = _credentials(port, name, api.auth) if api.auth != "none" else {}
        status, headers, body = _request(port, "GET", target.path, headers=credentials)
        assert status == 200, body
        assert json.loads(body) == {"items": [], "next_cursor": None}
        assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])
        assert "http_requests_total" in _request(port, "GET", api.metrics_path)[2].decode()
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
    lines = [
        json.loads(line)
        for line in (tmp / "server.log").read_text().splitlines()
        if line.startswith("{")
    ]
    assert any(line.get("logger") == "app.access" and line.get("request_id") for line in lines)


@pytest.mark.parametrize(
    "name",
    [
        "bookmarks",
        "shop",
        pytest.param("reserved", id="reserved-words+api-key"),
        pytest.param("sessions", id="sessions+self-reference"),
        pytest.param("open", id="auth-none"),
        pytest.param("collisions", id="name-collisions+defaults+user-links"),
    ],
)
def test_generated_service_installs_migrates_passes_its_suite_and_serves(
    pg_server, make_repo, tmp_path, name
):
    source = EXAMPLES / f"{name}.toml"
    if not source.exists():
        source = BRIEFS / f"{name}.toml"
    service = offline_build(make_repo(), source)
    python = _venv(service, tmp_path)
    with pg_server.database() as url:
        migrated = _run([str(python), "-m", "app.migrate", "--database-url", url], cwd=service)
        assert migrated.returncode == 0, migrated.stderr
        assert "applied  0001_init.sql" in migrated.stdout
        env = {**os.environ, "TEST_DATABASE_URL": url}
        env.pop("DATABASE_URL", None)
        suite = _run(
            [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
            cwd=service,
            env=env,
        )
        summary = suite.stdout.strip().splitlines()[-1] if suite.stdout.strip() else ""
        assert suite.returncode == 0, suite.stdout[-6000:] + suite.stderr[-2000:]
        # Nothing skipped, nothing xfailed: every generated test ran and passed.
        assert re.fullmatch(r"\d+ passed(, \d+ warnings?)? in [\d.]+s( \(.*\))?", summary), summary
        assert int(summary.split()[0]) >= 60
        _serve_and_probe(python, service, url, name, tmp_path)
