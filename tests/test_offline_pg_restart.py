"""A PostgreSQL restart costs a generated service no request once the server is back: the
pool's idle connections all die with the restart, and the next requests — reads, writes and
the readiness probe — must be answered without a 5xx and without restarting the service.

The cluster is this test's own (the session's shared one must not restart under others).
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import psycopg
import pytest

from backend_agent.checks.postgres import find_binaries, start_cluster

from .generated_service import Built, Replica, built, request, serve, sign_in

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    binaries = find_binaries()
    assert binaries is not None, "no PostgreSQL binaries: apt-get install postgresql"
    server = start_cluster(binaries)
    try:
        yield server.base_url
    finally:
        server.stop()


def restart(base_url: str) -> None:
    """`pg_ctl restart -m fast`, as the cluster's owner: clients are disconnected."""
    sockets = Path(
        unquote(dict(p.split("=", 1) for p in urlsplit(base_url).query.split("&"))["host"])
    )
    data = sockets.parent / "data"
    owner = data.stat()
    pg_ctl = find_binaries() / "pg_ctl"  # type: ignore[operator]
    result = subprocess.run(
        # -l: the server must not hold our output pipe open (it outlives pg_ctl).
        [str(pg_ctl), "-D", str(data), "-l", str(data.parent / "server.log"), "-m", "fast"]
        + ["-w", "-t", "60", "restart"],
        capture_output=True,
        text=True,
        timeout=90,
        user=owner.st_uid,
        group=owner.st_gid,
        cwd=sockets.parent,
        env={**os.environ, "LC_ALL": "C"},
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="module")
def running(cluster, tmp_path_factory) -> Iterator[tuple[Built, Replica, str]]:
    folder = tmp_path_factory.mktemp("restart")
    service = built("bookmarks", folder / "service")
    with psycopg.connect(cluster, autocommit=True) as admin:
        admin.execute("CREATE DATABASE restarted")
    url = cluster.replace("/postgres?", "/restarted?")
    service.migrate(url)
    replica = serve(
        service,
        {"DATABASE_URL": url, "DATABASE_POOL_MIN_SIZE": "4", "TRUSTED_PROXIES": '["127.0.0.1"]'},
        folder / "service.log",
    )
    try:
        yield service, replica, url
    finally:
        replica.stop()


def test_no_request_fails_once_a_restarted_postgresql_is_back(cluster, running):
    service, replica, url = running
    path = service.resource().path
    auth = {
        **sign_in(replica.port, f"r-{uuid.uuid4().hex[:8]}@example.com", "192.0.2.70"),
        "X-Forwarded-For": "192.0.2.70",
    }
    bodies = service.payloads(20)
    # Warm: the pool holds several open connections, all idle between requests.
    for body in bodies[:4]:
        assert request(replica.port, "POST", path, body, auth).status == 201
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchone()
    assert row is not None and row[0] >= 2, "the pool should hold several connections"

    restart(cluster)

    answers = [request(replica.port, "GET", "/readyz").status]
    for body in bodies[4:]:
        answers.append(request(replica.port, "POST", path, body, auth).status)
        answers.append(request(replica.port, "GET", path, headers=auth).status)
    answers.append(request(replica.port, "GET", "/readyz").status)
    assert answers[0] == 200 and answers[-1] == 200
    assert all(status in (200, 201) for status in answers), answers
    assert replica.process.poll() is None  # recovered without a restart of its own
