"""Plain words for what the operating system refuses us: a read-only or full disk, a
missing permission. A person reads "the disk is full", not `OSError: [Errno 28]`."""

from __future__ import annotations

import errno
from pathlib import Path

from .errors import BadInput

_CAUSES = {
    errno.EROFS: (
        "it is on a read-only file system",
        "backend-agent keeps its build state and worktree in the repository's .git folder: "
        "run it on a writable copy (`git clone` the repository somewhere writable)",
    ),
    errno.ENOSPC: (
        "the disk is full",
        "free some space on that disk (`df -h` shows how much is left) and run again; "
        "what was saved before is kept",
    ),
    errno.EDQUOT: (
        "the disk quota is used up",
        "free some space within your quota and run again; what was saved before is kept",
    ),
    errno.EACCES: (
        "permission was denied",
        "run backend-agent as a user who may write to the repository's .git folder",
    ),
    errno.EPERM: (
        "the operation is not permitted",
        "run backend-agent as a user who may write to the repository's .git folder",
    ),
}

GIT_PHRASES = {
    "No space left on device": errno.ENOSPC,
    "Read-only file system": errno.EROFS,
    "Disk quota exceeded": errno.EDQUOT,
    "Permission denied": errno.EACCES,
}
"""What git prints for the same causes, when it is git that hits them."""


def os_failure(error: OSError, doing: str, detail: str = "") -> BadInput:
    """A BadInput (exit 2) saying what could not be done, why, and what to do."""
    where = f" ({Path(error.filename)})" if error.filename else ""
    cause = _CAUSES.get(error.errno or 0)
    reason, hint = cause if cause else (error.strerror or str(error), None)
    detail = f" [{detail}]" if detail else ""
    return BadInput(f"could not {doing}{where}: {reason}{detail}", hint=hint)


def git_failure(stderr: str, doing: str) -> BadInput | None:
    """The same for a git command whose message names one of those causes (else None)."""
    for phrase, number in GIT_PHRASES.items():
        if phrase in stderr:
            first = next((ln for ln in stderr.splitlines() if phrase in ln), phrase)
            return os_failure(OSError(number, phrase), doing, f"git: {first.strip()}")
    return None
