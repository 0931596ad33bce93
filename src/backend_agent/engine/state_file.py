"""The build state read back from disk as untrusted input.

Anything could have written the file — a person's editor, a script, a half-restored
backup — and the state decides which branch gets commits and which one `undo` resets.
So it is checked before it is used: the shape (pydantic), then every field that points
outside the file: the branch must be one of ours, the worktree must be inside our data
folder, phase ids, commit ids and file paths must be what backend-agent writes. Anything
else is refused naming the file and the key, and nothing is written.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from pydantic import ValidationError

from ..core.errors import BadInput
from ..core.phases import PHASES
from ..workspace.git import BRANCH_PREFIX
from ..workspace.paths import UnsafePath, check_relative
from .state import STATE_VERSION, BuildState
from .store import read_json

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")
_BRANCH = re.compile(r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)*$")
PHASE_IDS = tuple(p.id for p in PHASES)


class BrokenState(BadInput):
    """A state file that cannot be used as it is (exit 2); `build` names the build."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        self.path, self.key, self.build = path, key, path.stem
        super().__init__(
            f"the build state {path} cannot be used: {key}: {problem}",
            hint="backend-agent changed nothing. If the file was edited, put it back as it "
            f"was; to give this build up, `backend-agent clean {self.build}` moves the file "
            "aside and removes what the build left (its branch is kept if it holds commits "
            "that are not backend-agent's)",
        )


def load_state(path: Path, data_dir: Path) -> BuildState:
    """The state at `path`, checked; raise BrokenState naming the key at fault."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise BrokenState(path, "(top level)", f"must be a JSON object, not {_kind(data)}")
    try:
        state = BuildState.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise BrokenState(path, key, first["msg"][:1].lower() + first["msg"][1:] + more) from None
    state.worktree = _moved(state.worktree, state.build, data_dir)
    for key, problem in _problems(state, path, data_dir):
        raise BrokenState(path, key, problem)
    return state


def _moved(worktree: str, build: str, data_dir: Path) -> str:
    """Our worktree's place now. A repository moved or copied elsewhere still records the
    old folder; it is the same worktree of ours when the path ends as ours do."""
    if Path(worktree).parts[-3:] == ("backend-agent", "worktrees", build):
        return str(data_dir / "worktrees" / build)
    return worktree


def _problems(state: BuildState, path: Path, data_dir: Path):
    """(key, problem) for each field that is out of range, first one first."""
    if state.version != STATE_VERSION:
        yield "version", f"is {state.version}; this backend-agent reads version {STATE_VERSION}"
    if state.build != path.stem:
        yield "build", f"is {state.build!r}, but the file is named for {path.stem!r}"
    rest = state.branch.removeprefix(BRANCH_PREFIX)
    if rest == state.branch or not _BRANCH.match(rest) or ".." in rest or rest.endswith(".lock"):
        yield (
            "branch",
            f"{state.branch!r} is not a branch of backend-agent's (they are named "
            f"{BRANCH_PREFIX}<build>); backend-agent never commits to another branch",
        )
    yield from _worktree_problems(state.worktree, data_dir)
    for key in ("base", "start"):
        value = getattr(state, key)
        if value is not None and not _SHA.match(value):
            yield key, f"{value!r} is not a commit id"
    if state.current not in PHASE_IDS:
        yield "current", f"{state.current!r} is not a phase ({', '.join(PHASE_IDS)})"
    if state.last_phase is not None and state.last_phase not in PHASE_IDS:
        yield "last_phase", f"{state.last_phase!r} is not a phase"
    if tuple(state.phases) != PHASE_IDS:
        yield "phases", f"must hold the six phases in order ({', '.join(PHASE_IDS)})"
        return
    for phase_id, record in state.phases.items():
        yield from _record_problems(f"phases.{phase_id}", phase_id, record)


def _worktree_problems(worktree: str, data_dir: Path):
    folder = (data_dir / "worktrees").resolve()
    where = Path(worktree)
    inside = where.is_absolute() and folder in Path(os.path.normpath(where)).parents
    if not inside or folder not in where.resolve().parents:
        yield (
            "worktree",
            f"{worktree!r} is not inside {folder}, where backend-agent keeps its worktrees",
        )


def _record_problems(key: str, phase_id: str, record):
    if record.id != phase_id:
        yield f"{key}.id", f"is {record.id!r}, under the key {phase_id!r}"
    for name in ("commit", "parent", "based_on"):
        value = getattr(record, name)
        if value is not None and not _SHA.match(value):
            yield f"{key}.{name}", f"{value!r} is not a commit id"
    if record.status == "committed" and record.commit is None:
        yield f"{key}.commit", "a committed phase needs its commit id"
    if any(n < 0 for n in _counts(record.usage)) or record.rounds < 0:
        yield f"{key}.usage", "token counts and rounds cannot be negative"
    if record.proposal is None:
        return
    for index, change in enumerate(record.proposal.changes):
        try:
            if check_relative(change.path) != change.path:
                raise UnsafePath("the path is not in its normal form")
        except UnsafePath as reason:
            yield f"{key}.proposal.changes.{index}.path", f"{change.path!r}: {reason}"


def _counts(usage) -> list[int]:
    return [
        usage.input_tokens,
        usage.output_tokens,
        usage.cache_write_tokens,
        usage.cache_read_tokens,
    ]


def _kind(value: object) -> str:
    return {list: "a list", str: "a string", type(None): "null"}.get(type(value), "a number")
