"""Engine figures: an offline phases 1-2 build, and committing a 500-file phase.

Baselines are plain git doing the same writes in the same run, so the ratio shows what
the engine adds on top of git itself.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider

from .harness import Figure

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}


def _git(repo: Path, *args: str, input: bytes | None = None) -> None:
    subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        input=input,
        env={**os.environ, **IDENTITY},
    )


def _repo(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir()
    _git(repo, "init", "-q")
    (repo / "README.md").write_text("bench\n")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-qm", "initial")
    return repo


class ManyFiles(Provider):
    """A proposal of `count` files of ~2 KB: the size of a large generated phase."""

    name = "bench"

    def __init__(self, count: int) -> None:
        self.count = count

    def files(self) -> dict[str, str]:
        body = "".join(f"line {n}: some generated code goes here\n" for n in range(50))
        return {
            f"src/module_{i // 50}/file_{i}.py": f"# file {i}\n{body}" for i in range(self.count)
        }

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        changes = [
            FileChange(path=p, action="create", content=c, kind="code")
            for p, c in self.files().items()
        ]
        yield ProposalReady(Proposal(summary="many files", changes=changes))


def _offline_build(repo: Path) -> tuple[float, dict[str, str]]:
    os.environ.update(IDENTITY)
    start = time.perf_counter()
    with BuildSession.start(repo, load_brief(EXAMPLES / "bookmarks.toml")) as session:
        for phase in ("architecture", "data-model"):
            list(session.generate(phase))
            session.approve_all()
            session.commit()
        files = {p: session.worktree.read(p) for p in session.worktree.files()}
    return time.perf_counter() - start, files


def _plain_git_commit(repo: Path, files: dict[str, str]) -> float:
    start = time.perf_counter()
    for path, content in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "plain")
    return time.perf_counter() - start


def _engine_commit(repo: Path, count: int) -> float:
    os.environ.update(IDENTITY)
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    with BuildSession.start(repo, brief, provider=ManyFiles(count)) as session:
        list(session.generate("service-layer"))
        session.approve_all()
        start = time.perf_counter()
        session.commit()
        return time.perf_counter() - start


def run() -> list[Figure]:
    figures = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        builds, baselines = [], []
        for n in range(3):
            seconds, files = _offline_build(_repo(root, f"build{n}"))
            builds.append(seconds)
            baselines.append(_plain_git_commit(_repo(root, f"plain{n}"), files))
        figures.append(
            Figure(
                "offline build, phases 1-2 (start, generate, approve, commit)",
                min(builds),
                "s",
                "plain git commit of the same files",
                min(baselines),
            )
        )
        engine, plain = [], []
        for n in range(3):
            engine.append(_engine_commit(_repo(root, f"many{n}"), 500))
            plain.append(_plain_git_commit(_repo(root, f"manyplain{n}"), ManyFiles(500).files()))
        value, base = min(engine), min(plain)
        figures.append(
            Figure(
                "commit of a 500-file phase",
                value,
                "s",
                "git add -A && git commit",
                base,
                target="< 1 s and <= 3x",
                ok=value < 1 and value <= 3 * base,
            )
        )
    return figures
