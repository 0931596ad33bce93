"""THE proof for the TypeScript target: offline six-phase builds pass tsc, their own lint
and their own vitest suites in the test check; the npm scripts work; the service starts
with `npm start`, answers as the brief says and stops cleanly on SIGTERM.

The builds run phases 1-4 unchecked, phase 5 with every check (its proposal is the whole
service: the check installs, type-checks, lints and runs the full suite on it), and phase
6 unchecked. npm dependencies come from the tests' shared cache (.cache/node)."""

from __future__ import annotations

import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from backend_agent.checks import nodejs
from backend_agent.core.brief import load_brief
from backend_agent.providers.offline.plan import build_plan
from backend_agent.providers.offline.service.api import build_api, endpoints

from .conftest import EXAMPLES
from .node_support import free_port

# One worker builds each example once and runs every test of it (the builds are module
# fixtures: spread over workers, each would build them again); the heavy one, so the
# suites never run beside the test that times the UI (it stalled 1.74 s beside them).
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("heavy")]

TIMEOUT = 900
PASSWORD = "a long and careful passphrase"


def _cli(*args: str, cwd: Path, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", "backend_agent.cli", *args, "--json"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert result.returncode == 0, result.stderr[-6000:]
    return json.loads(result.stdout)


def typescript_brief(name: str, folder: Path) -> Path:
    """An example brief, asking for the TypeScript target."""
    text = (EXAMPLES / f"{name}.toml").read_text()
    text = text.replace('language = "python"', 'language = "typescript"')
    text = text.replace('framework = "fastapi"', 'framework = "fastify"')
    path = folder / f"{name}-typescript.toml"
    path.write_text(text)
    return path


def build_checked(repo: Path, brief: Path, env: dict[str, str]) -> tuple[Path, list[dict]]:
    """Phases 1-6; phase 5 with every check. Returns the worktree and phase 5's results."""
    common = ["--repo", str(repo), "--provider", "offline"]
    first = _cli(
        "build",
        "--brief",
        str(brief),
        *common,
        "--phases",
        "1-4",
        "--approve",
        "all",
        "--checks",
        "none",
        cwd=repo,
        env=env,
    )
    checked = _cli("resume", *common, "--phases", "5", "--approve", "checks", cwd=repo, env=env)
    last = _cli(
        "resume",
        *common,
        "--phases",
        "6",
        "--approve",
        "all",
        "--checks",
        "none",
        cwd=repo,
        env=env,
    )
    statuses = [p["status"] for p in first["phases"][:4]] + [
        checked["phases"][4]["status"],
        last["phases"][5]["status"],
    ]
    assert statuses == ["committed"] * 6, (first, checked, last)
    return Path(last["worktree"]), checked["phases"][4]["checks"]


def assert_all_green(results: list[dict], minimum: int) -> None:
    by_check = {r["check"]: r for r in results}
    assert by_check["typescript"]["status"] == "pass", by_check["typescript"]
    assert by_check["lint"]["status"] == "pass", by_check["lint"]
    tests = by_check["tests"]
    assert tests["status"] == "pass", tests
    # Nothing skipped: the Redis tests ran too (TEST_REDIS_URL reaches the suite).
    match = re.fullmatch(r"(\d+) passed in [\d.]+ s", tests["message"])
    assert match and int(match.group(1)) >= minimum, tests["message"]


@pytest.fixture(scope="module")
def environment(pg_server, redis_server, tmp_path_factory) -> dict[str, str]:
    from backend_agent.checks.postgres import ENV_URL

    from .node_support import NODE_CACHE, require_node

    require_node()
    home = tmp_path_factory.mktemp("home")
    config = home / "gitconfig"
    config.write_text("[user]\n\tname = Test Person\n\temail = test@example.com\n")
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ANTHROPIC_", "PYTEST_")) and k != "DATABASE_URL"
    }
    env.update(
        {
            ENV_URL: pg_server.base_url,
            "BACKEND_AGENT_CACHE_DIR": str(NODE_CACHE),
            "BACKEND_AGENT_CONFIG_DIR": str(home / "config"),
            "GIT_CONFIG_GLOBAL": str(config),
            "GIT_CONFIG_NOSYSTEM": "1",
            "TEST_REDIS_URL": redis_server.url,
        }
    )
    return env


def _repo(folder: Path, env: dict[str, str]) -> Path:
    folder.mkdir()
    subprocess.run(["git", "init", "--quiet"], cwd=folder, env=env, check=True)
    subprocess.run(
        ["git", "commit", "--quiet", "--allow-empty", "-m", "start"],
        cwd=folder,
        env=env,
        check=True,
    )
    return folder


@pytest.fixture(scope="module")
def bookmarks(environment, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bookmarks")
    repo = _repo(folder / "repo", environment)
    service, results = build_checked(repo, typescript_brief("bookmarks", folder), environment)
    assert_all_green(results, minimum=70)
    tools, problem = nodejs.toolchain()
    assert tools is not None, problem
    nodejs.install(service, tools, Path(environment["BACKEND_AGENT_CACHE_DIR"]) / "node")
    return service


def test_the_bookmarks_example_in_typescript_passes_its_checks(bookmarks):
    """The fixture built it and asserted tsc, lint and the full suite passed in the check."""
    assert (bookmarks / "src" / "app.ts").is_file()
    assert (bookmarks / "node_modules").is_symlink()


@pytest.fixture(scope="module")
def events(environment, tmp_path_factory) -> Path:
    """The TypeScript example with roles: its full suite (the per-caller matrix included)
    passed in the check."""
    repo = _repo(tmp_path_factory.mktemp("events") / "repo", environment)
    service, results = build_checked(repo, EXAMPLES / "events.toml", environment)
    assert_all_green(results, minimum=90)
    tools, problem = nodejs.toolchain()
    assert tools is not None, problem
    nodejs.install(service, tools, Path(environment["BACKEND_AGENT_CACHE_DIR"]) / "node")
    return service


def test_the_events_example_passes_its_checks(events):
    """The fixture built it and asserted tsc, lint and the full suite passed in the check."""
    assert (events / "src" / "access.ts").is_file()


def _npm(
    service: Path, *args: str, env: dict[str, str], timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["npm", *args], cwd=service, env=env, capture_output=True, text=True, timeout=timeout
    )


def _plain_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "TEST_DATABASE_URL", "PYTEST_"))
    }
    return {**env, "NO_COLOR": "1", **extra}


def test_npm_run_migrate_applies_the_migrations_to_database_url(bookmarks, pg_server):
    with pg_server.database() as url:
        first = _npm(bookmarks, "run", "migrate", env=_plain_env(DATABASE_URL=url))
        assert first.returncode == 0, first.stdout + first.stderr
        assert "applied  0001_init.sql" in first.stdout
        status = _npm(
            bookmarks, "run", "migrate", "--", "--status", env=_plain_env(DATABASE_URL=url)
        )
        assert status.returncode == 0 and "0 pending" in status.stdout


def test_npm_test_uses_test_database_url_else_database_url(bookmarks, pg_server):
    with pg_server.database() as url:
        for env in (_plain_env(TEST_DATABASE_URL=url), _plain_env(DATABASE_URL=url)):
            run = _npm(bookmarks, "test", "--", "test/migrations.test.ts", env=env)
            assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
            assert re.search(r"Tests\s+5 passed", run.stdout), run.stdout[-2000:]
    missing = _npm(bookmarks, "test", "--", "test/migrations.test.ts", env=_plain_env())
    assert missing.returncode != 0
    assert "set TEST_DATABASE_URL" in missing.stdout + missing.stderr


def _request(port: int, method: str, path: str, body: dict | None = None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        payload = json.dumps(body).encode() if body is not None else None
        conn.request(
            method,
            path,
            body=payload,
            headers={"Content-Type": "application/json", **(headers or {})},
        )
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@contextmanager
def _serve(service: Path, pg_server, folder: Path):
    """`npm start` with HOST and PORT from the environment, on a migrated database: yields
    the process, its port, its log and the database's URL."""
    with pg_server.database() as url:
        migrated = _npm(service, "run", "migrate", env=_plain_env(DATABASE_URL=url))
        assert migrated.returncode == 0, migrated.stderr
        port = free_port()
        log = folder / "server.log"
        env = _plain_env(
            ENVIRONMENT="production",
            DATABASE_URL=url,
            HOST="127.0.0.1",
            PORT=str(port),
            JWT_SECRET=secrets.token_urlsafe(48),
            LOG_LEVEL="INFO",
        )
        with log.open("w") as out:
            server = subprocess.Popen(
                ["npm", "start"],
                cwd=service,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # npm and node in a group of their own, as in a shell
            )
        try:
            for _ in range(600):
                try:
                    if _request(port, "GET", "/healthz")[0] == 200:
                        break
                except OSError:
                    if server.poll() is not None:
                        pytest.fail("npm start exited:\n" + log.read_text()[-3000:])
                    time.sleep(0.1)
            else:
                pytest.fail("the service did not start:\n" + log.read_text()[-3000:])
            yield server, port, log, url
        finally:
            try:
                os.killpg(server.pid, signal.SIGKILL)  # node too, whatever npm did
            except ProcessLookupError:
                pass
            server.wait(timeout=30)


@pytest.fixture(scope="module")
def served(bookmarks, pg_server, tmp_path_factory):
    with _serve(bookmarks, pg_server, tmp_path_factory.mktemp("server")) as (server, port, log, _):
        yield server, port, log


def _account(port: int, email: str) -> dict[str, str]:
    status, _, body = _request(port, "POST", "/auth/signup", {"email": email, "password": PASSWORD})
    assert status == 202, body
    status, _, body = _request(port, "POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return {"Authorization": f"Bearer {json.loads(body)['access_token']}"}


def test_the_service_answers_healthz(served):
    _, port, _ = served
    status, headers, body = _request(port, "GET", "/healthz")
    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert re.fullmatch(r"[0-9a-f]{32}", headers["x-request-id"])


def test_the_service_answers_readyz(served):
    _, port, _ = served
    status, _, body = _request(port, "GET", "/readyz")
    assert status == 200 and json.loads(body)["database"] == "ok"


def test_without_a_token_the_answer_is_401_problem_json(served):
    _, port, _ = served
    # Anyone may read public bookmarks; writing one needs an account.
    assert _request(port, "GET", "/bookmarks")[0] == 200
    bookmark = {"url": "https://example.com/a", "is_public": True}
    status, headers, body = _request(port, "POST", "/bookmarks", bookmark)
    assert status == 401
    assert headers["content-type"].startswith("application/problem+json")
    problem = json.loads(body)
    assert problem["type"] == "urn:bookmarks:problem:authentication-required"
    assert problem["status"] == 401 and problem["instance"] == "/bookmarks"
    assert headers["www-authenticate"].startswith("Bearer")


def test_another_users_bookmark_is_404(served):
    _, port, _ = served
    alice, bob = _account(port, "alice@example.com"), _account(port, "bob@example.com")
    status, _, body = _request(
        port, "POST", "/bookmarks", {"url": "https://example.com/a", "is_public": False}, alice
    )
    assert status == 201, body
    row = json.loads(body)
    status, headers, body = _request(port, "GET", f"/bookmarks/{row['id']}", headers=bob)
    assert status == 404
    assert json.loads(body)["type"] == "urn:bookmarks:problem:not-found"
    assert _request(port, "GET", f"/bookmarks/{row['id']}", headers=alice)[0] == 200


def test_the_openapi_document_lists_the_documented_endpoints(served, tmp_path):
    _, port, _ = served
    _, _, raw = _request(port, "GET", "/openapi.json")
    served_paths = {(m.upper(), p) for p, ops in json.loads(raw)["paths"].items() for m in ops}
    api = build_api(build_plan(load_brief(typescript_brief("bookmarks", tmp_path))))
    assert served_paths == {(e.method, e.path) for e in endpoints(api)}


def _terminate(server: subprocess.Popen) -> None:
    """SIGTERM to npm and node, as Ctrl-C in a shell or a stop in a container reach them.
    npm 10 exits 0 after node does; npm 11 dies of the signal itself (-15): the service's
    own log says whether it stopped cleanly."""
    os.killpg(server.pid, signal.SIGTERM)
    assert server.wait(timeout=60) in (0, -signal.SIGTERM)


def test_sigterm_stops_the_service_cleanly(served):
    server, port, log = served
    _terminate(server)
    for _ in range(300):  # npm may be gone before node has finished
        if log.read_text().rstrip().endswith('"message":"stopped"}'):
            break
        time.sleep(0.1)
    lines = [json.loads(x) for x in log.read_text().splitlines() if x.startswith("{")]
    messages = [line.get("message") for line in lines]
    assert "shutting down: draining requests in flight" in messages
    assert messages[-1] == "stopped"
    assert any(line.get("request_id") and line.get("route") for line in lines)  # access lines
    with pytest.raises(OSError):
        _request(port, "GET", "/healthz")


def test_unsafe_settings_refuse_to_start_with_exit_code_2(bookmarks, pg_server):
    env = _plain_env(
        ENVIRONMENT="production",
        DATABASE_URL="postgresql://db.example/app",
        JWT_SECRET="changeme",
        PORT=str(free_port()),
    )
    result = _npm(bookmarks, "start", env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refusing to start" in result.stderr and "JWT_SECRET is weak" in result.stderr


def test_a_member_writing_a_staff_only_row_gets_403(events, pg_server, tmp_path):
    """Roles from the database, granted with `npm run admin`: a member who may read venues
    is refused a write (403 problem+json), staff may; nobody signed in gets 401."""
    with _serve(events, pg_server, tmp_path) as (server, port, _, url):
        member, staff = _account(port, "member@example.com"), _account(port, "staff@example.com")
        venue = {"name": "The Hall", "city": "Leeds", "capacity": 300}
        status, headers, body = _request(port, "POST", "/venues", venue, member)
        assert status == 403, body
        assert headers["content-type"].startswith("application/problem+json")
        assert json.loads(body)["type"] == "urn:events:problem:forbidden"
        assert _request(port, "POST", "/venues", venue)[0] == 401
        granted = _npm(
            events,
            "run",
            "admin",
            "--",
            "grant-role",
            "staff@example.com",
            "staff",
            env=_plain_env(DATABASE_URL=url),
        )
        assert granted.returncode == 0, granted.stdout + granted.stderr
        assert "granted staff for staff@example.com" in granted.stdout
        status, _, body = _request(port, "POST", "/venues", venue, staff)
        assert status == 201, body
        path = f"/venues/{json.loads(body)['id']}"
        assert _request(port, "GET", path, headers=member)[0] == 200  # anyone reads venues
        status, _, body = _request(port, "PATCH", path, {"capacity": 10}, member)
        assert status == 403 and json.loads(body)["status"] == 403
        assert _request(port, "PATCH", path, {"capacity": 10}, staff)[0] == 200
        _terminate(server)


TS_MUTATIONS = {
    # The owner filter of tickets' reads: any account would see anyone's ticket.
    "owner filter": (
        "src/modules/ticket/repository.ts",
        'const READ = "(:every OR owner_id = :owner)";',
        'const READ = "(:every OR TRUE)";',
        "test/tickets.test.ts",
    ),
    # The role check of PATCH /events: any account could change an event.
    "role check": (
        "src/modules/event/service.ts",
        '  async update(id: string, body: EventUpdate): Promise<EventRecord> {\n    if (!access.allowed("events", "update", await this.caller())) {',
        "  async update(id: string, body: EventUpdate): Promise<EventRecord> {\n    if (!true) {",
        "test/events.test.ts",
    ),
}


@pytest.mark.parametrize("name", sorted(TS_MUTATIONS))
def test_the_suite_fails_when_a_rule_is_removed(events, pg_server, name):
    """The per-caller matrix is not decoration: without the rule, the resource's own tests
    fail."""
    path, rule, without, suite = TS_MUTATIONS[name]
    target = events / path
    original = target.read_text()
    assert original.count(rule) == 1, f"the {name} was not found in {path}"
    target.write_text(original.replace(rule, without))
    try:
        with pg_server.database() as url:
            run = _npm(events, "test", "--", suite, env=_plain_env(TEST_DATABASE_URL=url))
    finally:
        target.write_text(original)
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    # The per-caller matrix is the test that notices.
    assert "× each kind of caller gets what the brief allows" in run.stdout, run.stdout[-3000:]
