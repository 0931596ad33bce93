"""Offline generator figures: a full six-phase build of each example brief, for both
targets (bookmarks also as TypeScript; events is a TypeScript brief).

The build is what `backend-agent build --provider offline --phases 1-6 --approve all
--checks none` does: start the build, generate, approve and commit each phase. The
baseline, taken in the same run, is plain git writing and committing the same final files,
so the ratio is what planning, generating, vetting and per-phase commits add.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession

from .bench_engine import EXAMPLES, IDENTITY, _plain_git_commit, _repo
from .harness import Figure

TARGET_SECONDS = 3.0


def brief_of(example: str, language: str | None = None):
    brief = load_brief(EXAMPLES / f"{example}.toml")
    if language == "typescript":
        stack = brief.stack.model_copy(update={"language": language, "framework": "fastify"})
        brief = brief.model_copy(update={"stack": stack})
    return brief


def _six_phases(
    repo: Path, example: str, language: str | None = None
) -> tuple[float, dict[str, str]]:
    os.environ.update(IDENTITY)
    start = time.perf_counter()
    with BuildSession.start(repo, brief_of(example, language)) as session:
        for phase in PHASES:
            list(session.generate(phase.id))
            session.approve_all()
            session.commit()
        elapsed = time.perf_counter() - start
        files = session.worktree.read_many(session.worktree.files())
    return elapsed, files


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for example, language in (
            ("bookmarks", None),
            ("shop", None),
            ("bookmarks", "typescript"),
            ("events", None),
        ):
            builds, baselines = [], []
            label = f"{example}-{language or 'own'}"
            for n in range(3):
                seconds, files = _six_phases(_repo(root, f"{label}-build{n}"), example, language)
                builds.append(seconds)
                baselines.append(_plain_git_commit(_repo(root, f"{label}-plain{n}"), files))
            value = min(builds)
            target = brief_of(example, language).stack.language
            figures.append(
                Figure(
                    f"offline build of {example} ({target}), phases 1-6 ({len(files)} files)",
                    value,
                    "s",
                    "plain git commit of the same files",
                    min(baselines),
                    target=f"< {TARGET_SECONDS:g} s",
                    ok=value < TARGET_SECONDS,
                )
            )
    return figures
