"""A process for crash tests to kill: it drives a build and reports progress on stdout."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.events import Event, ProposalReady, TextDelta
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


class Slow(Provider):
    """Streams rationale forever: a model that is still talking when the process dies."""

    name = "slow"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        while True:
            yield TextDelta("still thinking… ")
            time.sleep(0.01)


class Many(Provider):
    name = "many"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        body = "x = 1\n" * 2000
        changes = [
            FileChange(path=f"pkg/m{i // 100}/f{i}.py", action="create", content=body, kind="code")
            for i in range(500)
        ]
        yield ProposalReady(Proposal(summary="many", changes=changes))


def say(text: str) -> None:
    print(text, flush=True)


def main(mode: str, repo: str) -> None:
    if mode == "setup-many":
        session = BuildSession.start(repo, load_brief(EXAMPLES / "bookmarks.toml"), provider=Many())
        list(session.generate("architecture"))
        session.approve_all()
        say("ready")
        return
    if mode == "edits":
        session = BuildSession.open(repo)
        for n in range(1, 100_000):
            session.edit("docs/requirements.md", f"edit {n}\n" + "filler\n" * 2000)
            say(f"saved {n}")
    if mode == "stream":
        session = BuildSession.open(repo, provider=Slow())
        for _ in session.revise("make it better"):
            say("streaming")
    if mode == "commit":
        session = BuildSession.open(repo, provider=Many())
        say("committing")
        session.commit()
        say("committed")


def cli_with_slow_provider(argv: list[str]) -> int:
    """The real CLI, with the provider it would make swapped for one that never finishes."""
    import backend_agent.providers as providers
    from backend_agent.cli import main as cli_main

    providers.create_provider = lambda *args, **kwargs: Slow()
    return cli_main(argv)


if __name__ == "__main__":
    if sys.argv[1] == "cli":
        sys.exit(cli_with_slow_provider(sys.argv[2:]))
    main(sys.argv[1], sys.argv[2])
