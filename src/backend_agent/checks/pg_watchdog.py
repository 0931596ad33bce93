"""Stops a throwaway PostgreSQL cluster once the process that started it is gone.

`pg_ctl start` detaches the server, so a backend-agent killed with SIGKILL (or a test
worker that crashed) would leave it running for ever. This tiny process outlives its
parent on purpose: it waits for the parent to end, then stops the cluster and removes
its folder. It exits on its own when the parent stopped the cluster first.

    python -m backend_agent.checks.pg_watchdog PARENT_PID PG_CTL DATA_DIR ROOT [USER]
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

from ..core.processes import alive


def watch(parent: int, pg_ctl: str, data: Path, root: Path, user: str | None) -> None:
    while data.exists() and alive(parent):
        time.sleep(1)
    if not data.exists():
        return  # stopped the normal way
    as_user = {}
    if user:
        import pwd

        entry = pwd.getpwnam(user)
        as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
    subprocess.run(
        [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"],
        capture_output=True,
        check=False,
        timeout=60,
        cwd=root,
        **as_user,
    )
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    args = sys.argv[1:]
    watch(int(args[0]), args[1], Path(args[2]), Path(args[3]), args[4] if len(args) > 4 else None)
