"""Build state on disk: atomic writes and a lock that dies with its process.

The state file is replaced by rename after an fsync, so a kill at any moment leaves
either the old or the new file, never half of one. The lock is an `flock` on a file next
to it: the kernel releases it when the holder dies, so a stale lock cannot outlive a crash.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import tempfile
import time
from pathlib import Path

from ..core.controls import show_controls
from ..core.errors import BadInput, Conflict
from ..core.oserrors import os_failure
from ..core.processes import alive


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` whole, or leave it as it was; `mode` for a file others
    read (else 0600). A full or read-only disk is a BadInput saying so."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise os_failure(exc, f"write {path}") from None
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException as exc:
        Path(temp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise os_failure(exc, f"write {path}") from None
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def remove_stale_temps(path: Path) -> None:
    """Temp files a killed writer left next to `path`; only call while holding its lock."""
    for temp in path.parent.glob(f".{path.name}.*.tmp"):
        temp.unlink(missing_ok=True)


class BuildLock:
    """Exclusive use of one build by one process."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, build: str) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise os_failure(exc, f"lock build {build!r}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise Conflict(
                f"build {build!r} is in use by {holder}",
                hint="close the other backend-agent (or wait for it to finish) and try again",
            ) from None
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        data = json.dumps(info).encode()
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
        self._fd = fd

    @staticmethod
    def _holder(fd: int) -> str:
        """Who holds the lock. It may have just taken it and not yet written its name
        (or the file still names the last holder): wait for a live one, briefly."""
        for _ in range(20):
            try:
                info = json.loads(os.pread(fd, 4096, 0) or b"{}")
            except (OSError, ValueError):
                info = {}
            if _live_holder(info):
                since = time.strftime("%H:%M:%S", time.localtime(info["since"]))
                return f"process {info['pid']} on {info['host']} (since {since})"
            time.sleep(0.05)
        return "another backend-agent process that is just starting"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def _live_holder(info: object) -> bool:
    """A holder record naming a process that runs (or runs on another host)."""
    if not isinstance(info, dict):
        return False
    pid, host, since = info.get("pid"), info.get("host"), info.get("since")
    if not isinstance(pid, int) or not isinstance(host, str) or not isinstance(since, float):
        return False
    return host != socket.gethostname() or alive(pid)


def read_json(path: Path) -> object:
    """A JSON file as data; BadInput when it is missing, unreadable, not JSON or nested
    too deeply to read."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no build state at {path}") from None
    except RecursionError:
        problem = "it is nested too deeply to be a build state"
    except (OSError, ValueError) as exc:
        problem = show_controls(str(exc))
    raise BadInput(
        f"the build state {path} cannot be read: {problem}",
        hint=f"backend-agent changed nothing. Put the file back as it was, or give the build up "
        f"with `backend-agent clean {path.stem}`",
    )
