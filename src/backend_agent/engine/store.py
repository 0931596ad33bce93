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

from ..core.errors import BadInput, Conflict


def atomic_write(path: Path, data: bytes, mode: int | None = None) -> None:
    """Replace `path` with `data` whole; `mode` for a file others read (else 0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = self._holder(fd)
            os.close(fd)
            raise Conflict(
                f"build {build!r} is in use by {holder}",
                hint="close the other backend-agent (or wait for it to finish) and try again",
            ) from None
        os.ftruncate(fd, 0)
        info = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        os.write(fd, json.dumps(info).encode())
        self._fd = fd

    @staticmethod
    def _holder(fd: int) -> str:
        try:
            info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        except (OSError, ValueError):
            return "another process"
        since = time.strftime("%H:%M:%S", time.localtime(info.get("since", 0)))
        return f"process {info.get('pid', '?')} on {info.get('host', '?')} (since {since})"

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None


def read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"no build state at {path}") from None
    except (OSError, ValueError) as exc:
        raise BadInput(
            f"the build state {path} cannot be read: {exc}",
            hint="it was not written by this version of backend-agent; move it aside to start over",
        ) from None
