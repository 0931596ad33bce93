"""Whether a process still runs: what decides that a lock holder is real and that a
leftover of a process (a scratch folder, a server it started) may go."""

from __future__ import annotations

import os


def alive(pid: int) -> bool:
    """The process runs (on this machine); one we may not signal runs too."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
