"""`BuildSession`: the one API the wizard and the headless CLI both drive.

Every method that changes something saves the state before it returns, so whatever the
person did survives a crash; every git write goes through our own worktree.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from ..core.brief import Brief
from ..core.checks import CheckEvent, CheckOptions, CheckResult
from ..core.errors import BadInput
from ..core.events import Event
from ..core.phases import Phase, phase
from ..core.proposal import FileChange, Proposal
from ..core.review import Review
from ..core.usage import Usage
from ..providers import create_provider
from ..providers.base import Provider
from ..workspace.git import Author, Repository
from ..workspace.paths import Limits
from ..workspace.worktree import Worktree
from . import opening, scope, starting
from .branch_check import Repair
from .branch_check import verify as verify_branch
from .committing import TRAILER_PREFIX, Committing
from .evolving import Evolving
from .generating import Generating
from .reviewing import Reviewing
from .state import BuildState, BuildSummary, PhaseRecord, now
from .store import BuildLock, atomic_write


class BuildSession(Generating, Reviewing, Committing, Evolving):
    """One build of one repository, held by this process until `close()`.

    Opening, queries and checks live here; asking the provider, the review decisions, the
    commits and the evolutions are in the `Generating`, `Reviewing`, `Committing` and
    `Evolving` parts it is made of."""

    def __init__(
        self,
        repo: Repository,
        state: BuildState,
        lock: BuildLock,
        provider: Provider | None,
        limits: Limits,
    ) -> None:
        self.repo = repo
        self.state = state
        self._provider = provider
        self.limits = limits
        self._lock = lock
        self._write_lock = threading.RLock()
        self.worktree = Worktree(repo, state.branch, Path(state.worktree))
        self._author: Author | None = None
        self.repaired: str | None = None
        """What `open(repair=...)` did to the branch, for the person to read."""

    # ----------------------------------------------------------------- opening
    @staticmethod
    def state_path(repo: Repository, build: str) -> Path:
        return starting.state_path(repo, build)

    @classmethod
    def start(
        cls,
        repo_path: str | Path,
        brief: Brief,
        *,
        build: str | None = None,
        provider: Provider | None = None,
        limits: Limits | None = None,
        sentence: str | None = None,
        usage: Usage | None = None,
        brief_source: str | None = None,
    ) -> BuildSession:
        """Begin a new build, all or nothing (see engine/starting.py): the brief checked as
        `brief check` does (`brief_source` names its file), then a branch from the user's
        HEAD, a worktree and a fresh state. `sentence`: what the brief was drafted from (it
        may limit how far the build goes); `usage`: what drafting it cost."""
        return starting.start(
            cls,
            repo_path,
            brief,
            build=build,
            provider=provider,
            limits=limits,
            sentence=sentence,
            usage=usage,
            source=brief_source,
        )

    @classmethod
    def open(
        cls,
        repo_path: str | Path,
        build: str | None = None,
        *,
        provider: Provider | None = None,
        limits: Limits | None = None,
        repair: Repair | None = None,
    ) -> BuildSession:
        """Resume a build: take its lock, load and check its state, check the branch holds
        what the state says was committed (or apply `repair`), reconcile after a crash."""
        repo = Repository.open(repo_path)
        repo.refuse_if_busy()
        name = opening.pick(repo, build, cls.list(repo.root) if build is None else [])
        path = cls.state_path(repo, name)
        lock = BuildLock(path.with_suffix(".lock"))
        lock.acquire(name)
        try:
            state = opening.load(repo, name, path)
            if provider is not None:
                state.provider, state.model = provider.name, provider.model
            session = cls(repo, state, lock, provider, limits or Limits())
            session.repaired = verify_branch(repo, state, repair)
            if session.repaired:
                session.save()
            session._reconcile(discard=session.repaired is not None)
        except BaseException:
            lock.release()
            raise
        return session

    @classmethod
    def list(cls, repo_path: str | Path) -> list[BuildSummary]:
        """The builds whose state can be used, newest first (`broken` lists the others)."""
        return opening.summaries(Repository.open(repo_path))

    @staticmethod
    def broken(repo_path: str | Path) -> list[BadInput]:
        """Why each build that cannot be used cannot: a state that fails its checks, or a
        start that was interrupted before its state was saved."""
        return opening.broken(Repository.open(repo_path))

    @staticmethod
    def clean(repo_path: str | Path, build: str) -> list[str]:
        """Remove what a build that cannot be resumed left (see engine/starting.py)."""
        return starting.clean(repo_path, build)

    def close(self) -> None:
        self._lock.release()

    def __enter__(self) -> BuildSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self) -> None:
        with self._write_lock:
            self.state.updated = now()
            data = self.state.model_dump_json(indent=1).encode("utf-8")
            atomic_write(self.state_path(self.repo, self.state.build), data)

    def _reconcile(self, discard: bool = False) -> None:
        """Make the state agree with the branch after a crash: a commit that landed is
        recorded, one that did not is left to be retried, a generation in flight is dropped.
        `discard`: the branch was moved under the worktree; match its files to it."""
        self.worktree.ensure()
        if discard:
            self.worktree.discard_changes()
        head = self.worktree.head()
        changed = False
        for record in self.state.phases.values():
            if record.status == "generating":
                record.status = "proposed" if record.proposal else "pending"
                record.error = "the last generation was interrupted; generate again"
                changed = True
            if record.status != "committing":
                continue
            trailers = self.worktree.trailers(head)
            landed = (
                head != record.parent
                and trailers.get(f"{TRAILER_PREFIX}Phase") == record.id
                and trailers.get(f"{TRAILER_PREFIX}Build") == self.state.build
            )
            if landed:
                record.commit, record.status = head, "committed"
                self._advance_from(record.id)
            else:
                self.worktree.discard_changes()
                record.status = "proposed"
            changed = True
        if changed:
            self.save()

    # ----------------------------------------------------------------- queries
    @property
    def provider(self) -> Provider:
        """Made when first needed: reviewing and committing a resumed build must work even
        where its provider cannot be set up (no key on this machine)."""
        if self._provider is None:
            self._provider = create_provider(self.state.provider, self.state.model or None)
        return self._provider

    @property
    def provider_label(self) -> str:
        state = self.state
        return f"{state.provider} ({state.model})" if state.model else state.provider

    @property
    def phase(self) -> Phase:
        return phase(self.state.current)

    @property
    def scope_end(self) -> Phase | None:
        """Where the build stops unless the person goes on (None: after phase 6)."""
        return scope.end(self.state)

    def headless_scope(self, requested: list[Phase] | None) -> tuple[list[Phase], str | None]:
        """The phases a headless run goes through (see scope.headless_phases), with what
        was asked remembered for a later resume; phases beyond a sentence's end lift it."""
        phases, lifted, note = scope.headless_phases(self.state, requested)
        if lifted:
            self.state.last_phase = None
        self.save()
        return phases, note

    def extend_scope(self) -> None:
        """The person goes on past where the sentence stopped: all six phases."""
        self.state.last_phase = None
        self.save()

    def record(self, phase_id: str | None = None) -> PhaseRecord:
        return self.state.record(phase_id or self.state.current)

    @property
    def proposal(self) -> Proposal | None:
        return self.record().proposal

    def change(self, path: str, phase_id: str | None = None) -> FileChange:
        proposal = self.record(phase_id).proposal
        found = proposal.change(path) if proposal else None
        if found is None:
            raise BadInput(f"{path!r} is not part of the current proposal")
        return found

    def review(self, path: str, phase_id: str | None = None) -> Review:
        self.change(path, phase_id)
        return self.record(phase_id).review(path)

    def content(self, path: str) -> str:
        """What would be committed for `path`: the person's edit, else the proposal."""
        return self.review(path).content(self.change(path))

    def base_content(self, path: str) -> str | None:
        """The file as it is on the build branch now (None for a new file)."""
        return self.worktree.read(path)

    def base_contents(self, paths: list[str]) -> dict[str, str]:
        """What the current phase's files are compared with, in one git call: the branch
        now, or for a committed phase the branch before its commit. New files are absent."""
        record = self.record()
        rev = record.parent if record.status == "committed" and record.parent else "HEAD"
        return self.worktree.read_many(paths, rev)

    # ------------------------------------------------------------------ checks
    def check(
        self,
        paths: list[str] | None = None,
        *,
        options: CheckOptions | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[CheckEvent]:
        """Check the current proposal (or some of its files) as it would be committed,
        streaming progress and test output; results are saved stage by stage."""
        from . import checking

        return checking.run(self, paths, options or CheckOptions(), cancel)

    def check_file(
        self, path: str, *, cancel: threading.Event | None = None
    ) -> Iterator[CheckEvent]:
        """Re-check one file after an edit (every check but the test run)."""
        return self.check([path], options=CheckOptions(tests=False), cancel=cancel)

    def check_results(self, path: str, phase_id: str | None = None) -> list[CheckResult] | None:
        """A file's results for its current content (None: never checked)."""
        from . import checking

        return checking.file_results(self.record(phase_id), self.change(path, phase_id))

    def held_back(self) -> dict[str, str]:
        """Undecided files approving all leaves alone, and why: a secret in them, or one
        the person must approve on their own (a contract step of an evolution)."""
        from . import checking

        return {**self.own_approval(), **checking.held_back(self.record())}

    def approve_checked(self) -> tuple[list[str], dict[str, str]]:
        """Approve the undecided files whose checks pass; say why each other one is left."""
        from . import checking

        passing, left = checking.sort_by_checks(self.record())
        self._each(self.decide_approve, lambda r, c: c.path in passing)
        return passing, left

    def fix_feedback(self) -> str | None:
        from . import checking

        return checking.fix_feedback(self.record())

    def fix(self, *, cancel: threading.Event | None = None) -> Iterator[Event]:
        """Ask the provider to fix what the checks found (a revision with the failures)."""
        from . import checking

        why = checking.CANNOT_REVISE.get(self.state.provider)
        if why:
            raise BadInput(why)
        feedback = self.fix_feedback()
        if feedback is None:
            raise BadInput("the checks found nothing to fix", hint="run the checks first")
        yield from self.revise(feedback, cancel=cancel, kind="fix")

    # ------------------------------------------------------------------ settings
    def set_skill_enabled(self, name: str, enabled: bool) -> None:
        """Turn a skill off (or back on) for this build's prompts; remembered in the state."""
        disabled = set(self.state.disabled_skills)
        (disabled.discard if enabled else disabled.add)(name)
        self.state.disabled_skills = sorted(disabled)
        self.save()

    def goto(self, phase_id: str) -> Phase:
        """Make another phase the current one (the wizard's next/previous)."""
        target = phase(phase_id)
        self.state.current = target.id
        self.save()
        return target
