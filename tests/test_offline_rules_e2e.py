"""Brief v2 enforced by a generated service, proved three ways on the ticketing brief
(tests/offline_briefs/tickets.toml): its own suite passes; served in production mode it
refuses what the brief forbids, to callers over HTTP, with roles granted and revoked by
its admin command; and its suite catches a service with a rule removed (mutation).

One test does all three on one build and one venv: split into several, pytest-xdist would
build the service once per worker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from .conftest import git
from .helpers import offline_build
from .offline_service_support import BRIEFS
from .test_offline_e2e import _free_port, _request, _run, _venv

pytestmark = pytest.mark.slow

PASSWORD = "a long and careful passphrase"


@dataclass
class Service:
    root: Path
    python: Path
    database_url: str

    def run(self, *args: str, env: dict[str, str] | None = None, timeout: float = 600):
        return _run([str(self.python), *args], cwd=self.root, env=env, timeout=timeout)

    def suite(self, *args: str):
        env = {**os.environ, "TEST_DATABASE_URL": self.database_url}
        env.pop("DATABASE_URL", None)
        return self.run("-m", "pytest", "-q", "-p", "no:cacheprovider", *args, env=env)


@pytest.fixture
def tickets(pg_server, tmp_path) -> Iterator[Service]:
    root = tmp_path
    repo = root / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet")
    service = offline_build(repo, BRIEFS / "tickets.toml")
    python = _venv(service, root)
    with pg_server.database() as url:
        migrated = _run([str(python), "-m", "app.migrate", "--database-url", url], cwd=service)
        assert migrated.returncode == 0, migrated.stderr
        yield Service(service, python, url)


def _summary(result) -> str:
    lines = result.stdout.strip().splitlines()
    return lines[-1] if lines else ""


def test_the_ticketing_service_enforces_its_brief(tickets, tmp_path):
    _passes_its_own_suite(tickets)
    with _served(tickets, tmp_path) as port:
        _refuses_what_the_brief_forbids(tickets, port)
    for name in MUTATIONS:
        _fails_when_a_rule_is_removed(tickets, name)


def _passes_its_own_suite(tickets: Service) -> None:
    result = tickets.suite()
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    summary = _summary(result)
    assert re.fullmatch(r"\d+ passed(, \d+ warnings?)? in [\d.]+s( \(.*\))?", summary), summary
    assert int(summary.split()[0]) >= 100


class Client:
    """HTTP against the served service, as one caller."""

    def __init__(self, port: int, headers: dict[str, str] | None = None) -> None:
        self.port = port
        self.headers = headers or {}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        status, headers, raw = _request(self.port, method, path, body, self.headers)
        data = json.loads(raw) if raw else {}
        if status >= 400:
            assert headers["content-type"].startswith("application/problem+json"), raw
        return status, data


def _account(port: int, email: str) -> Client:
    status, _, body = _request(port, "POST", "/auth/signup", {"email": email, "password": PASSWORD})
    assert status == 202, body
    status, _, body = _request(port, "POST", "/auth/login", {"email": email, "password": PASSWORD})
    assert status == 200, body
    return Client(port, {"Authorization": f"Bearer {json.loads(body)['access_token']}"})


@contextmanager
def _served(tickets: Service, tmp: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "production",
        "DATABASE_URL": tickets.database_url,
        "PORT": str(port),
        "JWT_SECRET": secrets.token_urlsafe(48),
        "RATE_LIMIT_BURST": "100000",
    }
    log_path = tmp / "server.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(
            [str(tickets.python), "-m", "app.serve"],
            cwd=tickets.root,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(300):
                try:
                    if _request(port, "GET", "/readyz")[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            else:
                pytest.fail("the service did not start:\n" + log_path.read_text()[-3000:])
            yield port
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=30)


def _admin(tickets: Service, *args: str):
    env = {**os.environ, "DATABASE_URL": tickets.database_url}
    return tickets.run("-m", "app.admin", *args, env=env, timeout=60)


def _refuses_what_the_brief_forbids(tickets: Service, port: int) -> None:
    staff = _account(port, "staff@example.com")
    member = _account(port, "member@example.com")
    other = _account(port, "other@example.com")
    anonymous = Client(port)
    granted = _admin(tickets, "grant-role", "staff@example.com", "staff")
    assert granted.returncode == 0, granted.stderr
    assert "now holds staff" in granted.stdout
    unknown = _admin(tickets, "grant-role", "staff@example.com", "admin")
    assert unknown.returncode == 2 and "unknown role 'admin'" in unknown.stderr

    status, venue = staff.call("POST", "/venues", {"name": "Hall", "city": "Lyon", "capacity": 300})
    assert status == 201, venue
    assert member.call("POST", "/venues", {"name": "Mine", "city": "Lyon", "capacity": 3})[0] == 403
    event = {"venue_id": venue["id"], "starts_at": "2030-05-01T20:00:00+00:00", "price": "25.00"}
    status, draft = staff.call("POST", "/events", {**event, "title": "Draft", "code": "D1"})
    assert status == 201 and draft["status"] == "draft", draft
    status, shown = staff.call("POST", "/events", {**event, "title": "Show", "code": "S1"})
    assert status == 201, shown
    assert staff.call("PATCH", f"/events/{shown['id']}", {"status": "published"})[0] == 200

    # Anonymous lists see only public rows; a draft answers 404 to them and to members.
    status, listed = anonymous.call("GET", "/events")
    assert status == 200 and [e["id"] for e in listed["items"]] == [shown["id"]]
    assert anonymous.call("GET", f"/events/{draft['id']}")[0] == 404
    assert member.call("GET", f"/events/{draft['id']}")[0] == 404
    assert {e["id"] for e in staff.call("GET", "/events")[1]["items"]} == {
        draft["id"],
        shown["id"],
    }

    # A member's PATCH of a staff-only row they can see: 403, and nothing changes.
    status, problem = member.call("PATCH", f"/events/{shown['id']}", {"price": "0.00"})
    assert status == 403 and problem["type"] == "urn:tickets:problem:forbidden", problem
    assert member.call("PATCH", f"/events/{draft['id']}", {"price": "0.00"})[0] == 404
    assert anonymous.call("GET", f"/events/{shown['id']}")[1]["price"] == "25.00"

    # A refused transition: 409, the state stays.
    status, problem = staff.call("PATCH", f"/events/{shown['id']}", {"status": "draft"})
    assert status == 409 and problem["type"] == "urn:tickets:problem:invalid-transition"
    assert problem["fields"] == ["status"], problem
    # An immutable field in a body: 422.
    assert staff.call("PATCH", f"/events/{shown['id']}", {"code": "S2"})[0] == 422

    # A server-set field in a body: 422; the server fills it.
    sent = {"placed_at": "2020-01-01T00:00:00+00:00"}
    status, problem = member.call("POST", "/orders", sent)
    assert status == 422 and "placed_at" in {e["field"] for e in problem["errors"]}, problem
    status, order = member.call("POST", "/orders", {})
    assert status == 201 and order["placed_at"] == order["created_at"], order
    status, theirs = other.call("POST", "/orders", {})
    assert status == 201
    # Strict types: "7" is not 7.
    assert staff.call("POST", "/venues", {"name": "X", "city": "Y", "capacity": "7"})[0] == 422

    # The same seat of an event twice, by two buyers: 409 for the second.
    seat = {"event_id": shown["id"], "seat_code": "A1"}
    assert member.call("POST", "/tickets", {**seat, "order_id": order["id"]})[0] == 201
    status, problem = other.call("POST", "/tickets", {**seat, "order_id": theirs["id"]})
    assert status == 409 and problem["fields"] == ["event_id", "seat_code"], problem
    # A ticket for a draft event: the member cannot see it, so it does not exist for them.
    status, problem = member.call(
        "POST", "/tickets", {"event_id": draft["id"], "seat_code": "B1", "order_id": order["id"]}
    )
    assert status == 422 and problem["fields"] == ["event_id"], problem

    # Revoking a role holds from the next request.
    revoked = _admin(tickets, "revoke-role", "staff@example.com", "staff")
    assert revoked.returncode == 0 and "no longer holds staff" in revoked.stdout
    status, problem = staff.call("PATCH", f"/events/{shown['id']}", {"status": "cancelled"})
    assert status == 403, problem
    assert staff.call("GET", f"/events/{draft['id']}")[0] == 404


def _between(text: str, start: str, end: str) -> str:
    return start + text.split(start, 1)[1].split(end, 1)[0]


MUTATIONS = {
    # The owner filter of UPDATE tickets: any account could change anyone's ticket.
    "owner filter": (
        "app/repositories/ticket.py",
        lambda text: _between(text, "async def update(", "\nasync def "),
        lambda part: re.sub(
            r"owner_id = (['\"]\s*\n\s*f?['\"])?%\(_owner\)s",
            lambda m: "TRUE" + (m.group(1) or ""),
            part,
        ),
        "tests/test_tickets.py",
    ),
    # The role check of PATCH /events: any account could change an event.
    "role check": (
        "app/services/event.py",
        lambda text: _between(text, "async def update(", "async def delete("),
        lambda part: part.replace(
            'access.allowed("events", "update", await self.caller())', "True"
        ),
        "tests/test_events.py",
    ),
    # The transition check of events.status, in the guard trigger of the migration.
    "transition check": (
        "migrations/0001_init.sql",
        lambda text: _between(text, "CREATE FUNCTION events_guard()", "$$;"),
        lambda part: re.sub(
            r"AND \(OLD\.status, NEW\.status\) NOT IN \([^\n]*\) THEN", "AND FALSE THEN", part
        ),
        "tests/test_events.py",
    ),
}


def _fails_when_a_rule_is_removed(tickets: Service, name: str) -> None:
    path, part_of, mutate, first = MUTATIONS[name]
    target = tickets.root / path
    original = target.read_text()
    part = part_of(original)
    changed = mutate(part)
    assert changed != part, f"the {name} was not found in {path}"
    target.write_text(original.replace(part, changed))
    try:
        # Its own tests first, then the rest: -x stops at the first failure.
        result = tickets.suite("-x", first, "tests")
    finally:
        target.write_text(original)
    assert result.returncode == 1, (name, _summary(result) + result.stdout[-3000:])
    assert re.search(rf"FAILED {first}::test_\w+", result.stdout), (name, result.stdout[-3000:])
