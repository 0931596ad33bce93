"""Finding the build to resume and reading its state, with every dead end explained:
no build, a broken state, a start that was interrupted before its state was saved."""

from __future__ import annotations

from pathlib import Path

from ..core.errors import BadInput
from ..workspace.git import BRANCH_PREFIX, Repository
from ..workspace.ownership import ownership
from .branch_check import missing_phases
from .starting import leftover, marker_path, state_path
from .state import BuildState, BuildSummary, check_build_name
from .state_file import load_state
from .store import remove_stale_temps


def state_files(repo: Repository) -> list[Path]:
    folder = repo.data_dir / "builds"
    return sorted(folder.glob("*.json")) if folder.exists() else []


def summaries(repo: Repository) -> list[BuildSummary]:
    """The builds whose state can be used, newest first, each with the committed phases
    its branch no longer holds."""
    found = []
    for path in state_files(repo):
        try:
            state = load_state(path, repo.data_dir)
        except BadInput:
            continue
        _, lost = missing_phases(repo, state)
        found.append(
            BuildSummary(
                build=state.build,
                branch=state.branch,
                phase=state.current,
                committed=[p for p, r in state.phases.items() if r.status == "committed"],
                lost=[p.id for p in lost],
                provider=state.provider,
                model=state.model,
                updated=state.updated,
                evolutions=len(state.evolutions),
            )
        )
    return sorted(found, key=lambda s: s.updated, reverse=True)


def broken(repo: Repository) -> list[BadInput]:
    """Why each build that cannot be used cannot, by name."""
    found = []
    for path in state_files(repo):
        try:
            load_state(path, repo.data_dir)
        except BadInput as error:
            found.append(error)
    folder = repo.data_dir / "builds"
    for marker in sorted(folder.glob("*.starting")) if folder.exists() else []:
        name = marker.stem
        if not state_path(repo, name).exists():
            found.append(interrupted(repo, name))
    return found


def interrupted(repo: Repository, name: str) -> BadInput:
    branch = BRANCH_PREFIX + name
    found = ownership(repo, branch, name)
    left = leftover(repo, name, branch, found) if found else None
    message = (
        left.message
        if left
        else f"the start of build {name!r} was interrupted before its state was saved"
    )
    return BadInput(
        message + "; there is nothing to resume",
        hint=f"`backend-agent clean {name}` removes what it left; then start it again with "
        "`backend-agent build --brief FILE`",
    )


def pick(repo: Repository, build: str | None, builds: list[BuildSummary]) -> str:
    """The build to open: the one named, or the only one there is."""
    if build is not None:
        return check_build_name(build)
    if len(builds) > 1:
        names = ", ".join(b.build for b in builds)
        raise BadInput(f"{repo.root} has several builds ({names}); name the one to resume")
    if builds:
        return builds[0].build
    problems = broken(repo)
    if problems:
        raise problems[0]
    raise BadInput(
        f"there is no build to resume in {repo.root}",
        hint="start one with `backend-agent build --brief FILE`",
    )


def load(repo: Repository, name: str, path: Path) -> BuildState:
    """The checked state of build `name` (its lock held by the caller)."""
    if not path.exists():
        if marker_path(repo, name).exists():
            raise interrupted(repo, name)
        raise BadInput(
            f"there is no build named {name!r} in {repo.root}",
            hint="list them with `backend-agent builds`",
        )
    remove_stale_temps(path)
    return load_state(path, repo.data_dir)
