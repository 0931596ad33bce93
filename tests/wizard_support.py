"""Helpers for driving the wizard with Pilot: builds prepared through the engine, providers
that fail or wait, and a way to let workers and messages settle."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from backend_agent.core.errors import ProviderFailure
from backend_agent.core.events import Event, Progress, TextDelta
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.ui.app import WizardApp

from .helpers import start

SIZE = (120, 36)


async def settle(pilot, rounds: int = 4) -> None:
    """Wait until no worker runs and every posted message has been handled."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


def prepared_build(repo: Path, *, generate: bool = True) -> str:
    """A build of the bookmarks example with phase 1 proposed, closed again: the wizard
    resumes it like a person coming back to it."""
    with start(repo) as session:
        if generate:
            list(session.generate())
        return session.state.build


def reopen(repo: Path, build: str = "bookmarks") -> BuildSession:
    return BuildSession.open(repo, build)


def wizard(repo: Path, **kwargs) -> WizardApp:
    return WizardApp(repo, **kwargs)


class FailingProvider(Provider):
    """Streams a little, then fails the way an API does."""

    name = "failing"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        yield Progress("asking the model")
        yield TextDelta("Thinking about the architecture…\n\n")
        raise ProviderFailure(
            "the API answered 529: overloaded", hint="wait a minute and try again"
        )


class WaitingProvider(Provider):
    """Streams one paragraph, then waits until cancelled (or `release` is set)."""

    name = "waiting"

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        yield TextDelta("Working on it…\n\n")
        self.started.set()
        while not self.release.is_set():
            request.check_cancelled()
            self.release.wait(0.02)
        raise ProviderFailure("released without a proposal")
