"""Starting a build all-or-nothing, and cleaning up after one that could not finish.

Everything that can be checked is checked before anything is written: the brief (the
same checks as `brief check`), the name, the branch, the git identity. Then a marker
file says a start is under way, the branch, worktree and state are made, and the marker
goes; any failure on the way removes what was made. Only a kill can leave a half-made
start behind, and the marker proves it ours: `build` and `resume` then offer `clean`.
"""

from __future__ import annotations

import json
import os
from datetime import datetime
from pathlib import Path

from ..core.errors import BackendAgentError, BadInput, Conflict
from ..core.usage import Usage
from ..providers import check_brief, create_provider
from ..workspace.git import BRANCH_PREFIX, Repository
from ..workspace.ownership import Ownership, ownership, root_message
from ..workspace.paths import Limits
from ..workspace.worktree import Worktree
from . import scope
from .state import BuildState, check_build_name
from .state_file import load_state
from .store import BuildLock, atomic_write, read_json


def marker_path(repo: Repository, build: str) -> Path:
    return repo.data_dir / "builds" / f"{build}.starting"


def state_path(repo: Repository, build: str) -> Path:
    return repo.data_dir / "builds" / f"{build}.json"


def start(cls, repo_path, brief, *, build, provider, limits, sentence, usage, source):
    """`BuildSession.start` (see there): returns the new session, holding its lock."""
    repo = Repository.open(repo_path)
    repo.refuse_if_busy()
    name = check_build_name(build or brief.project.name)
    provider = provider or create_provider(None)
    limits = limits or Limits()
    check_brief(provider.name, brief, source or "the brief", limits)
    refuse_existing_state(repo, name)
    branch = BRANCH_PREFIX + name
    repo.refuse_ref_clash(branch)
    author = repo.author()
    lock = BuildLock(repo.data_dir / "builds" / f"{name}.lock")
    lock.acquire(name)
    try:
        refuse_existing_state(repo, name)
        refuse_taken_branch(repo, name, branch)
        base = repo.head()
        start_at = base or repo.root_commit(root_message(name), author)
    except BaseException:
        lock.release()
        raise
    made: list[str] = []
    try:
        worktree = Worktree(repo, branch, repo.data_dir / "worktrees" / name)
        marker = {"branch": branch, "start": start_at, "worktree": str(worktree.path)}
        atomic_write(marker_path(repo, name), json.dumps(marker).encode())
        repo.git("branch", "--no-track", branch, start_at)
        made.append(start_at)
        worktree.create()
        state = BuildState(
            build=name,
            branch=branch,
            worktree=str(worktree.path),
            base=base,
            start=start_at,
            brief=brief,
            provider=provider.name,
            model=provider.model,
            sentence=sentence,
            last_phase=scope.last_phase_of(sentence),
            usage=usage or Usage(),
        )
        session = cls(repo, state, lock, provider, limits)
        session._author = author
        session.save()
        marker_path(repo, name).unlink()
    except BaseException:
        _undo_start(repo, name, branch, made[0] if made else None)
        lock.release()
        raise
    return session


def _undo_start(repo: Repository, name: str, branch: str, start_at: str | None) -> None:
    """Remove what a failed start made: our worktree, our branch if it is still where we
    made it, the state, the marker last. What cannot be removed (a full disk) stays marked
    as ours by the marker, so the next `build` offers `clean`."""
    try:
        Worktree(repo, branch, repo.data_dir / "worktrees" / name).remove()
        if start_at:
            repo.git("update-ref", "-d", f"refs/heads/{branch}", start_at)
        state_path(repo, name).unlink(missing_ok=True)
        marker_path(repo, name).unlink(missing_ok=True)
    except (OSError, BackendAgentError):
        pass


def refuse_existing_state(repo: Repository, name: str) -> None:
    if state_path(repo, name).exists():
        raise Conflict(
            f"a build named {name!r} already exists in {repo.root}",
            hint=f"continue it with `backend-agent resume {name}`, or pass --build NEW-NAME",
        )


def refuse_taken_branch(repo: Repository, name: str, branch: str) -> None:
    found = ownership(repo, branch, name)
    if found is None:  # what a start left before it made the branch (or after it went)
        Worktree(repo, branch, repo.data_dir / "worktrees" / name).remove()
        marker_path(repo, name).unlink(missing_ok=True)
        return
    raise leftover(repo, name, branch, found) or Conflict(
        f"branch {branch} already exists and is not a backend-agent build of this repo",
        hint="pass --build OTHER-NAME to use another branch; backend-agent never "
        "overwrites a branch it did not make",
    )


def leftover(repo: Repository, name: str, branch: str, found: Ownership) -> Conflict | None:
    """The error for a branch of ours that no build state owns (None: it is not ours)."""
    interrupted = marker_path(repo, name).exists()
    if not interrupted and not (found.ours and found.own):
        return None
    what = (
        "an earlier start of this build was interrupted before its state was saved"
        if interrupted
        else "the build it belongs to has no state any more"
    )
    commits = f"{found.own} commit(s) of its own" if found.own else "nothing committed on it"
    return Conflict(
        f"branch {branch} (at {found.tip[:10]}, {commits}) is left from a build named "
        f"{name!r}: {what}",
        hint=f"remove what it left with `backend-agent clean {name}` and run again, or pass "
        "--build OTHER-NAME",
    )


def clean(repo_path: str | Path, name: str) -> list[str]:
    """Remove what a build that cannot be resumed left: a half-made start, or a build
    whose state is broken. Returns one line per thing done."""
    repo = Repository.open(repo_path)
    repo.refuse_if_busy()
    name = check_build_name(name)
    lock = BuildLock(repo.data_dir / "builds" / f"{name}.lock")
    lock.acquire(name)
    try:
        return _clean(repo, name)
    finally:
        lock.release()


def _clean(repo: Repository, name: str) -> list[str]:
    path, branch, done = state_path(repo, name), BRANCH_PREFIX + name, []
    broken = None
    if path.exists():
        try:
            load_state(path, repo.data_dir)
        except BadInput as error:
            broken = error
        else:
            raise BadInput(
                f"build {name!r} can be resumed; clean only removes what a failed start or a "
                "broken build state left",
                hint=f"continue it with `backend-agent resume {name}`",
            )
    found = ownership(repo, branch, name)
    marked = _marked_start(repo, name)
    worktree = Worktree(repo, branch, repo.data_dir / "worktrees" / name)
    if worktree.path.exists() or worktree.registered():
        worktree.remove()
        done.append(f"removed worktree {worktree.path}")
    if found is not None:
        if found.ours or marked == found.tip:
            repo.git("update-ref", "-d", f"refs/heads/{branch}", found.tip)
            note = (
                f"`git branch {branch} {found.tip}` brings it back"
                if found.own
                else "no commit of its own was lost"
            )
            done.append(f"deleted branch {branch} (was at {found.tip[:10]}; {note})")
        else:
            sha, subject = found.foreign[0]
            done.append(
                f"kept branch {branch}: {len(found.foreign)} of its commits are not "
                f"backend-agent's ({sha[:10]} {subject!r}); rename it "
                f"(`git branch -m {branch} {branch}-mine`) to build under this name again"
            )
    if broken is not None:
        aside = path.with_name(f"{path.name}.broken-{datetime.now():%Y%m%d-%H%M%S}")
        os.replace(path, aside)
        done.append(f"moved the broken build state aside to {aside}")
    marker_path(repo, name).unlink(missing_ok=True)
    if not done:
        raise BadInput(f"there is nothing of a build named {name!r} to clean in {repo.root}")
    return done


def _marked_start(repo: Repository, name: str) -> str | None:
    """The commit an interrupted start made its branch at, from its marker."""
    try:
        marker = read_json(marker_path(repo, name))
    except BadInput:
        return None
    return marker.get("start") if isinstance(marker, dict) else None
