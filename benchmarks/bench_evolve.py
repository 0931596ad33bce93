"""Evolve figures: an evolution of the six-phase shop build against that build's own time.

The build is the offline six-phase build of examples/shop.toml (generate, approve, commit
each phase). The evolution is a hand commit on its branch, then `evolve` with the brief of
tests/offline_briefs/shop_evolved.toml (a required field, a new entity with a many-to-one
relation, a renamed field): the brief diff, the generator's last and new versions made in
memory, the three-way merge of every changed file with the branch, the new migrations and
one commit per phase touched. Neither runs checks. Target: the evolution takes at most
1.5x the initial build.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.phases import PHASES, phase
from backend_agent.engine import BuildSession

from .bench_engine import EXAMPLES, IDENTITY, _repo
from .harness import Figure

EVOLVED = Path(__file__).resolve().parents[1] / "tests" / "offline_briefs" / "shop_evolved.toml"
TARGET_RATIO = 1.5


def _build(repo: Path) -> tuple[float, Path]:
    start = time.perf_counter()
    with BuildSession.start(repo, load_brief(EXAMPLES / "shop.toml")) as session:
        for each in PHASES:
            list(session.generate(each.id))
            session.approve_all()
            session.commit()
        return time.perf_counter() - start, Path(session.state.worktree)


def _evolve(repo: Path, worktree: Path) -> float:
    service = worktree / "app" / "repositories" / "product.py"
    service.write_text(service.read_text() + "\n\ndef mine() -> int:\n    return 1\n")
    subprocess.run(["git", "commit", "-qam", "by hand"], cwd=worktree, check=True)
    brief = load_brief(EVOLVED)
    start = time.perf_counter()
    with BuildSession.open(repo) as session:
        evolution = session.evolve(brief)
        for phase_id in evolution.phases:
            list(session.generate(phase_id))
            if session.record(phase_id).status == "committed":
                continue  # nothing changed in it
            session.goto(phase(phase_id).id)
            session.approve_all()
            session.commit()
    return time.perf_counter() - start


def run() -> list[Figure]:
    os.environ.update(IDENTITY)
    builds, evolutions = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(3):
            repo = _repo(Path(tmp), f"shop{n}")
            seconds, worktree = _build(repo)
            builds.append(seconds)
            evolutions.append(_evolve(repo, worktree))
    value, baseline = min(evolutions), min(builds)
    return [
        Figure(
            "evolve of the six-phase shop build (all six phases touched)",
            value,
            "s",
            "its initial offline build",
            baseline,
            target=f"<= {TARGET_RATIO:g}x the build",
            ok=value <= TARGET_RATIO * baseline,
        )
    ]
