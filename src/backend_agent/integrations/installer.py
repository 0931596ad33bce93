"""Install and uninstall with a manifest: what we wrote, by hash, and the folders we made.

A file whose bytes no longer hash to what we wrote was changed by a person: it is never
overwritten or removed without --force, and the difference is shown. A file that was there
before with exactly our content is left out of the manifest, so uninstall leaves it — the
folder is then as it was before the install, byte for byte.
"""

from __future__ import annotations

import difflib
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from .. import __version__
from ..core.errors import BadInput, Conflict, WorkspaceError
from ..workspace.paths import UnsafePath, check_relative, resolve_inside
from .targets import Target

MANIFEST = "backend-agent-install.json"
Action = Literal["create", "update", "replace", "same", "remove", "gone", "conflict"]


class Manifest(BaseModel):
    tool: str
    version: str
    files: dict[str, str]
    """Path relative to the tool's folder → sha256 of the bytes we wrote."""
    created: list[str] = []
    """Folders the install made ("." is the tool's folder itself), removed when empty."""


@dataclass
class Step:
    path: str
    action: Action
    why: str = ""
    data: bytes | None = None
    """What to write (create, update, replace)."""
    diff: str = ""


@dataclass
class Plan:
    target: Target
    steps: list[Step] = field(default_factory=list)
    manifest: Manifest | None = None
    """The manifest as it will be after the plan (None: uninstall removes it)."""
    previous: Manifest | None = None
    """The manifest as it was."""

    @property
    def conflicts(self) -> list[Step]:
        return [s for s in self.steps if s.action == "conflict"]

    def count(self, action: Action) -> int:
        return sum(1 for s in self.steps if s.action == action)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(target: Target) -> Manifest | None:
    path = target.base / MANIFEST
    if not path.is_file():
        return None
    shown = target.show(MANIFEST)
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
        for relative in [*manifest.files, *[c for c in manifest.created if c != "."]]:
            check_relative(relative)
    except (ValidationError, UnsafePath, OSError) as error:
        first = error.errors()[0]["msg"] if isinstance(error, ValidationError) else str(error)
        raise BadInput(
            f"{shown} is not a manifest backend-agent can read: {first}",
            hint="restore it from version control; or delete it and install again with --force",
        ) from None
    if manifest.tool != target.tool:
        raise BadInput(f"{shown} records an install of {manifest.tool}, not {target.tool}")
    return manifest


def plan_install(target: Target, force: bool = False) -> Plan:
    """What an install would do, file by file; conflicts are files a person changed."""
    old = read_manifest(target)
    ours = old.files if old else {}
    wanted = target.files()
    plan = Plan(target, previous=old)
    files: dict[str, str] = {}
    for relative, data in wanted.items():
        current = _read(target, relative)
        new_hash = digest(data)
        if current is None:
            plan.steps.append(Step(relative, "create", data=data))
        elif current == data:
            plan.steps.append(Step(relative, "same"))
            if relative not in ours:
                continue  # there before us, with our content: not ours to remove
        elif ours.get(relative) == digest(current):
            plan.steps.append(Step(relative, "update", data=data))
        else:
            why = (
                "changed by hand since it was installed"
                if relative in ours
                else "there before the install, with other content"
            )
            step = Step(relative, "replace" if force else "conflict", why, data=data)
            step.diff = _diff(target, relative, current, data)
            plan.steps.append(step)
        files[relative] = new_hash
    for relative, recorded in ours.items():
        if relative in wanted:
            continue
        current = _read(target, relative)
        if current is None:
            continue
        if digest(current) == recorded or force:
            plan.steps.append(Step(relative, "remove", "no longer part of the install"))
        else:
            plan.steps.append(
                Step(relative, "conflict", "no longer installed, but changed by hand")
            )
    plan.manifest = Manifest(
        tool=target.tool,
        version=__version__,
        files=files,
        created=old.created if old else [],
    )
    return plan


def plan_uninstall(target: Target, force: bool = False) -> Plan | None:
    """What uninstall would remove; None when nothing of ours is installed there."""
    manifest = read_manifest(target)
    if manifest is None:
        return None
    rendered = target.files()
    plan = Plan(target, previous=manifest)
    for relative, recorded in manifest.files.items():
        current = _read(target, relative)
        if current is None:
            plan.steps.append(Step(relative, "gone", "already deleted"))
        elif digest(current) == recorded or force:
            plan.steps.append(Step(relative, "remove"))
        else:
            step = Step(relative, "conflict", "changed by hand since it was installed")
            if relative in rendered and digest(rendered[relative]) == recorded:
                step.diff = _diff(target, relative, rendered[relative], current)
            plan.steps.append(step)
    plan.steps.append(Step(MANIFEST, "remove"))
    return plan


def apply(plan: Plan) -> None:
    """Carry out a plan with no conflicts: write and remove files, then write the manifest
    (install) or remove the folders the install made once they are empty (uninstall)."""
    if plan.conflicts:
        raise Conflict(
            f"{len(plan.conflicts)} file(s) changed by hand; nothing was changed",
            hint="the differences are above; keep your changes elsewhere, then pass --force "
            + ("to remove them too" if plan.manifest is None else "to replace them"),
        )
    target = plan.target
    created: list[str] = list(plan.manifest.created) if plan.manifest else []
    mode = _file_mode()
    for step in plan.steps:
        path = _inside(target, step.path)
        if step.data is not None:
            created += _make_folders(target, path.parent)
            _write(path, step.data, mode)
        elif step.action == "remove":
            path.unlink(missing_ok=True)
    emptied = _remove_empty(target, created if plan.manifest else plan.previous.created)
    if plan.manifest is not None:
        kept = sorted(set(created) - emptied)
        manifest = plan.manifest.model_copy(update={"created": kept})
        data = (manifest.model_dump_json(indent=2) + "\n").encode()
        if _read(target, MANIFEST) != data:
            _make_folders(target, target.base)
            _write(target.base / MANIFEST, data, mode)


def _remove_empty(target: Target, created: list[str]) -> set[str]:
    """Folders the install made that nothing is left in (a skill since retired, or all of
    them on uninstall), deepest first; the ones gone."""
    gone = set()
    for folder in sorted(set(created), key=_depth, reverse=True):
        try:
            (target.base / folder).rmdir()
        except FileNotFoundError:
            gone.add(folder)
        except OSError:  # not empty: the person's files, or ours still installed
            pass
        else:
            gone.add(folder)
    return gone


def up_to_date(plan: Plan) -> bool:
    """An install that would write nothing."""
    return (
        plan.previous is not None
        and all(s.action == "same" for s in plan.steps)
        and plan.manifest is not None
        and plan.previous.files == plan.manifest.files
        and plan.previous.version == plan.manifest.version
    )


def _depth(folder: str) -> int:
    return -1 if folder == "." else folder.count("/")


def _inside(target: Target, relative: str) -> Path:
    try:
        return resolve_inside(target.base, relative)
    except UnsafePath as error:
        raise BadInput(f"{target.show(relative)}: {error}") from None


def _read(target: Target, relative: str) -> bytes | None:
    path = _inside(target, relative)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise WorkspaceError(f"cannot read {target.show(relative)}: {error}") from None


def _make_folders(target: Target, folder: Path) -> list[str]:
    """Create `folder` and its missing parents up to the tool's folder; the ones made."""
    made: list[Path] = []
    current = folder
    while not current.exists():
        made.append(current)
        if current == target.base:
            break
        current = current.parent
    for path in reversed(made):
        path.mkdir()
    base = target.base.resolve()
    return ["." if p.resolve() == base else p.resolve().relative_to(base).as_posix() for p in made]


def _write(path: Path, data: bytes, mode: int) -> None:
    from ..engine.store import atomic_write

    try:
        atomic_write(path, data, mode)
    except OSError as error:
        raise WorkspaceError(f"cannot write {path}: {error}") from None


def _file_mode() -> int:
    """0666 less the umask, as any other new file of the person's gets."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _diff(target: Target, relative: str, before: bytes, after: bytes) -> str:
    shown = target.show(relative)
    lines = difflib.unified_diff(
        before.decode("utf-8", "replace").splitlines(keepends=True),
        after.decode("utf-8", "replace").splitlines(keepends=True),
        f"a/{shown}",
        f"b/{shown}",
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)
