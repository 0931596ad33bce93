"""`BuildSession`: the one API the wizard and the headless CLI both drive.

Every method that changes something saves the state before it returns, so whatever the
person did survives a crash; every git write goes through our own worktree.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path

from ..core.brief import Brief
from ..core.checks import CheckEvent, CheckOptions, CheckResult
from ..core.errors import BadInput, Conflict
from ..core.events import Event
from ..core.phases import Phase, phase
from ..core.proposal import FileChange, Proposal
from ..core.review import Review
from ..core.usage import Usage
from ..providers import create_provider
from ..providers.base import Provider
from ..workspace.git import BRANCH_PREFIX, Author, Repository, Worktree
from ..workspace.paths import Limits
from . import scope
from .committing import TRAILER_PREFIX, Committing
from .evolving import Evolving
from .generating import Generating
from .reviewing import Reviewing
from .state import BuildState, BuildSummary, PhaseRecord, now
from .store import BuildLock, atomic_write, read_json, remove_stale_temps

BUILD_NAME = re.compile(r"^[a-z][a-z0-9-]{1,39}$")


def _check_build_name(name: str) -> str:
    if not BUILD_NAME.match(name):
        raise BadInput(
            f"build name {name!r} is not a slug",
            hint="use 2-40 lower-case letters, digits and hyphens, starting with a letter",
        )
    return name


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

    # ----------------------------------------------------------------- opening
    @staticmethod
    def state_path(repo: Repository, build: str) -> Path:
        return repo.data_dir / "builds" / f"{build}.json"

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
    ) -> BuildSession:
        """Begin a new build: branch from the user's HEAD, a worktree, a fresh state.
        `sentence`: what the brief was drafted from (it may limit how far the build goes);
        `usage`: what drafting it cost, counted into the build."""
        repo = Repository.open(repo_path)
        repo.refuse_if_busy()
        name = _check_build_name(build or brief.project.name)
        if cls.state_path(repo, name).exists():
            raise Conflict(
                f"a build named {name!r} already exists in {repo.root}",
                hint=f"continue it with `backend-agent resume {name}`, or pass --build NEW-NAME",
            )
        branch = BRANCH_PREFIX + name
        if repo.branch_tip(branch) is not None:
            raise Conflict(
                f"branch {branch} already exists and is not a backend-agent build of this repo",
                hint="pass --build OTHER-NAME to use another branch; backend-agent never "
                "overwrites a branch it did not make",
            )
        provider = provider or create_provider(None)
        provider.check_brief(brief)  # nothing is made for a build that cannot start
        author = repo.author()
        lock = BuildLock(repo.data_dir / "builds" / f"{name}.lock")
        lock.acquire(name)
        try:
            base = repo.head()
            start = base or repo.root_commit(f"backend-agent: start build {name}", author)
            worktree = Worktree(repo, branch, repo.data_dir / "worktrees" / name)
            worktree.create(start)
            state = BuildState(
                build=name,
                branch=branch,
                worktree=str(worktree.path),
                base=base,
                brief=brief,
                provider=provider.name,
                model=provider.model,
                sentence=sentence,
                last_phase=scope.last_phase_of(sentence),
                usage=usage or Usage(),
            )
            session = cls(repo, state, lock, provider, limits or Limits())
            session._author = author
            session.save()
        except BaseException:
            lock.release()
            raise
        return session

    @classmethod
    def open(
        cls,
        repo_path: str | Path,
        build: str | None = None,
        *,
        provider: Provider | None = None,
        limits: Limits | None = None,
    ) -> BuildSession:
        """Resume a build: take its lock, load its state, reconcile it with the branch."""
        repo = Repository.open(repo_path)
        repo.refuse_if_busy()
        if build is None:
            builds = cls.list(repo.root)
            if not builds:
                raise BadInput(
                    f"there is no build to resume in {repo.root}",
                    hint="start one with `backend-agent build --brief FILE`",
                )
            if len(builds) > 1:
                names = ", ".join(b.build for b in builds)
                raise BadInput(f"{repo.root} has several builds ({names}); name the one to resume")
            build = builds[0].build
        path = cls.state_path(repo, _check_build_name(build))
        if not path.exists():
            raise BadInput(
                f"there is no build named {build!r} in {repo.root}",
                hint="list them with `backend-agent builds`",
            )
        lock = BuildLock(path.with_suffix(".lock"))
        lock.acquire(build)
        try:
            remove_stale_temps(path)
            state = BuildState.model_validate(read_json(path))
            if provider is not None:
                state.provider, state.model = provider.name, provider.model
            session = cls(repo, state, lock, provider, limits or Limits())
            session._reconcile()
        except BaseException:
            lock.release()
            raise
        return session

    @classmethod
    def list(cls, repo_path: str | Path) -> list[BuildSummary]:
        repo = Repository.open(repo_path)
        folder = repo.data_dir / "builds"
        summaries = []
        for path in sorted(folder.glob("*.json")) if folder.exists() else []:
            try:
                state = BuildState.model_validate(read_json(path))
            except (BadInput, ValueError):
                continue
            summaries.append(
                BuildSummary(
                    build=state.build,
                    branch=state.branch,
                    phase=state.current,
                    committed=[p for p, r in state.phases.items() if r.status == "committed"],
                    provider=state.provider,
                    model=state.model,
                    updated=state.updated,
                    evolutions=len(state.evolutions),
                )
            )
        return sorted(summaries, key=lambda s: s.updated, reverse=True)

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

    def _reconcile(self) -> None:
        """Make the state agree with the branch after a crash: a commit that landed is
        recorded, one that did not is left to be retried, a generation in flight is dropped."""
        self.worktree.ensure()
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
        self._each(self._approve, lambda r, c: c.path in passing)
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
