"""The npm install of the TypeScript checks: the first install into the cache (npm install,
which also makes the lock) and a cached one (a symlink), against a plain `npm ci` of the
same package.json and lock in the same run.

npm's own download cache (~/.npm) is warm after the first run on a machine, for both the
check and the baseline, so the ratio compares like with like.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from backend_agent.checks import nodejs

from .bench_engine import _repo
from .bench_offline import _six_phases
from .harness import Figure


def _project(root: Path) -> Path:
    """The package.json of the offline TypeScript bookmarks build."""
    _, files = _six_phases(_repo(root, "node-build"), "bookmarks", "typescript")
    project = root / "project"
    project.mkdir()
    (project / "package.json").write_text(files["package.json"])
    return project


def run() -> list[Figure]:
    tools, problem = nodejs.toolchain()
    if tools is None:
        return [Figure(f"npm install figures: {problem}", 0, "s", ok=False)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project = _project(root)
        cache = root / "cache"
        first = nodejs.install(project, tools, cache)
        again = root / "again"
        again.mkdir()
        shutil.copy(project / "package.json", again / "package.json")
        began = time.perf_counter()
        cached = nodejs.install(again, tools, cache)
        cached_seconds = time.perf_counter() - began
        plain = root / "plain"
        plain.mkdir()
        shutil.copy(project / "package.json", plain / "package.json")
        shutil.copy(first.folder / "package-lock.json", plain / "package-lock.json")
        began = time.perf_counter()
        subprocess.run(
            [tools.npm, "ci", "--no-audit", "--no-fund"],
            cwd=plain,
            check=True,
            capture_output=True,
        )
        npm_ci = time.perf_counter() - began
    return [
        Figure(
            f"check's first npm install ({first.how}, makes the lock)",
            first.seconds,
            "s",
            "plain npm ci",
            npm_ci,
            target="<= 2x npm ci",
            ok=first.seconds <= 2 * npm_ci,
        ),
        Figure(
            f"check's cached install ({cached.how})",
            cached_seconds,
            "s",
            "plain npm ci",
            npm_ci,
            target="< 0.5 s",
            ok=cached_seconds < 0.5,
        ),
    ]
