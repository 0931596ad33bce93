"""Check figures: every check of the full offline bookmarks build on a warm PostgreSQL, and
the cold start of the throwaway cluster.

Baselines in the same run: `psql -f` of the same migrations into a fresh database plus
`python -m py_compile` of the same Python files (the least a check could do), and a fresh
database on the warm server (what a check pays instead of a cold start).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from backend_agent.checks import sql
from backend_agent.checks.postgres import find_binaries, shared_server, start_cluster
from backend_agent.core.brief import load_brief
from backend_agent.core.checks import CheckOptions
from backend_agent.core.errors import ProviderFailure
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession

from .bench_engine import EXAMPLES, IDENTITY, _repo
from .harness import Figure, best_of

QUICK = CheckOptions(tests=False)


def _checked_build(repo: Path) -> tuple[float, list[str], dict[str, str], int]:
    """Generate each phase the offline provider has, time its checks (best of 3, no test
    suite), approve and commit; return the total, the phases and the files checked."""
    os.environ.update(IDENTITY)
    total, phases, files, failed = 0.0, [], {}, 0
    with BuildSession.start(repo, load_brief(EXAMPLES / "bookmarks.toml")) as session:
        for phase in PHASES:
            try:
                list(session.generate(phase.id))
            except ProviderFailure:
                break  # the offline generator stops here
            total += best_of(lambda: list(session.check(options=QUICK)), 3)
            failures = session.fix_feedback()
            if failures:  # the generator's output should pass its own checks
                print(f"offline {phase.id} fails its checks:\n{failures}", file=sys.stderr)
                failed += failures.count("\n- ")
            phases.append(phase.id)
            files.update({c.path: c.content for c in session.proposal.changes})
            session.approve_all()
            session.commit()
    return total, phases, files, failed


def _baseline(files: dict[str, str], psql: Path) -> float:
    """psql -f of each migration into a fresh database, and py_compile of the .py files."""
    server = shared_server()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for path, content in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(content)
        migrations = sql.migration_order([p for p in files if sql.is_migration(p)])
        python = [p for p in files if p.endswith(".py")]

        def once() -> None:
            with server.database("ba_bench") as db:
                for path in migrations:
                    subprocess.run(
                        [str(psql), "-q", "-X", "-v", "ON_ERROR_STOP=1", "-d", db, "-f", path],
                        cwd=root,
                        check=True,
                        capture_output=True,
                    )
            if python:
                subprocess.run([sys.executable, "-m", "py_compile", *python], cwd=root, check=True)

        return best_of(once, 3)


def run() -> list[Figure]:
    figures = []
    bin_dir = find_binaries()
    server = shared_server()  # warm: started once, as a wizard session keeps it
    if server is None or bin_dir is None:
        return [Figure("checks need PostgreSQL binaries; none found", 0, "s", ok=False)]
    with tempfile.TemporaryDirectory() as tmp:
        seconds, phases, files, failed = _checked_build(_repo(Path(tmp), "build"))
    baseline = _baseline(files, bin_dir / "psql")
    figures.append(
        Figure(
            f"checks of the offline build ({len(phases)} phases, {len(files)} files), warm PG"
            + (f", {failed} FAILED" if failed else ""),
            seconds,
            "s",
            "psql -f + py_compile of the same files",
            baseline,
            target="< 10 s without the test suite",
            ok=seconds < 10 and not failed,
        )
    )

    def fresh_database() -> None:
        with server.database("ba_bench"):
            pass

    starts = []
    for _ in range(3):
        began = time.perf_counter()
        cluster = start_cluster(bin_dir)
        starts.append(time.perf_counter() - began)
        cluster.stop()
    figures.append(
        Figure(
            "cold start of the throwaway PostgreSQL (initdb + pg_ctl start)",
            min(starts),
            "s",
            "fresh database on the warm server",
            best_of(fresh_database, 3),
            target="< 2 s",
            ok=min(starts) < 2,
        )
    )
    return figures
