"""The test check's own environment: the first full check of a phase with a suite (the
environment made with uv, its cache warm) and a later one (the environment reused), each
against running the same suite by hand with pytest in a ready venv, on the same server.

Target: a reused environment costs at most 1.5x the by-hand run (the rest of the check —
scratch copy, ruff, the other checks — is the difference).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from backend_agent.checks.postgres import shared_server
from backend_agent.core.brief import load_brief
from backend_agent.engine import BuildSession
from backend_agent.engine.checking import environments

from .bench_engine import EXAMPLES, IDENTITY, _repo
from .harness import Figure, best_of


def _suite_result(session: BuildSession) -> str:
    found = [r for r in session.record().checks.phase if r.check == "tests"]
    return f"{found[0].status}: {found[0].message}" if found else "no tests result"


def run() -> list[Figure]:
    server = shared_server()
    if server is None:
        return [Figure("the test check needs a PostgreSQL; none found", 0, "s", ok=False)]
    os.environ.update(IDENTITY)
    with tempfile.TemporaryDirectory() as tmp:
        repo = _repo(Path(tmp), "build")
        with BuildSession.start(repo, load_brief(EXAMPLES / "bookmarks.toml")) as session:
            for phase in ("architecture", "data-model"):
                list(session.generate(phase))
                session.approve_all()
                session.commit()
            list(session.generate("service-layer"))
            folder = environments(session)
            list(session.check())  # warms uv's cache (a first build downloads once)
            result = _suite_result(session)

            def created() -> None:
                shutil.rmtree(folder, ignore_errors=True)
                list(session.check())

            def reused() -> None:
                list(session.check())

            first = best_of(created, 3)
            again = best_of(reused, 3)
            ok = result.startswith("pass")
            session.approve_all()
            session.commit()
            [python] = folder.glob("*/bin/python")
            worktree = session.worktree.path

            def by_hand() -> None:
                with server.database("ba_bench") as url:
                    subprocess.run(
                        [str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                        cwd=worktree,
                        env={**os.environ, "DATABASE_URL": url, "TEST_DATABASE_URL": url},
                        check=True,
                        capture_output=True,
                    )

            hand = best_of(by_hand, 3)
    label = f"phase 3 of bookmarks, suite {result.split(': ', 1)[-1]}"
    return [
        Figure(
            f"first test check, environment made with uv ({label})",
            first,
            "s",
            "the suite by hand in a ready venv",
            hand,
            target="reported",
            ok=ok,
        ),
        Figure(
            "later test check, environment reused",
            again,
            "s",
            "the suite by hand in a ready venv",
            hand,
            target="<= 1.5x baseline",
            ok=ok and again <= 1.5 * hand,
        ),
    ]
