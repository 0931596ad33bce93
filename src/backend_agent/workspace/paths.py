"""The rules every path from a model must pass before anything touches the disk.

A proposal is untrusted input: a path may try to climb out of the worktree, write a git
hook, or slip through a symlink. Each rule refuses one file with a reason a person can
read; the rest of the proposal goes on.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

MAX_PATH_LENGTH = 400
_DRIVE = re.compile(r"^[A-Za-z]:")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Names Windows reserves in every folder: a repository holding one cannot be checked out there.
_WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[1-9]|lpt[1-9])(\..*)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 1024 * 1024
    max_proposal_bytes: int = 20 * 1024 * 1024
    max_files: int = 500


class UnsafePath(ValueError):
    """A path that must not be written; the message says why."""


def check_relative(path: object) -> str:
    """Validate the text of a path and return it normalized; raise UnsafePath if it is not
    a plain relative POSIX path inside the repository."""
    if not isinstance(path, str):
        raise UnsafePath("the path is not text")
    if path == "":
        raise UnsafePath("the path is empty")
    if "\x00" in path:
        raise UnsafePath("the path contains a NUL byte")
    if _CONTROL.search(path):
        raise UnsafePath("the path contains control characters")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafePath("the path is not valid UTF-8") from None
    if len(path) > MAX_PATH_LENGTH:
        raise UnsafePath(f"the path is longer than {MAX_PATH_LENGTH} characters")
    if path.startswith(("\\\\", "//")):
        raise UnsafePath("UNC or network paths are not allowed")
    if "\\" in path:
        raise UnsafePath("backslashes are not allowed: use '/' as the separator")
    if _DRIVE.match(path):
        raise UnsafePath("Windows drive paths are not allowed")
    if path.startswith("/"):
        raise UnsafePath("absolute paths are not allowed: give a path relative to the repository")
    if path.startswith("~"):
        raise UnsafePath("paths starting with '~' are not allowed")
    parts = path.split("/")
    if ".." in parts:
        raise UnsafePath("'..' segments are not allowed")
    normal = [p for p in parts if p not in ("", ".")]
    if not normal:
        raise UnsafePath("the path names the repository root, not a file")
    if path.endswith("/"):
        raise UnsafePath("the path names a directory, not a file")
    if normal[0].lower() == ".git" or any(p.lower() == ".git" for p in normal):
        raise UnsafePath("paths into .git are not allowed (hooks and config live there)")
    if any(p.endswith((" ", ".")) for p in normal):
        raise UnsafePath("a path segment ends in a space or a dot")
    reserved = next((p for p in normal if _WINDOWS_RESERVED.match(p)), None)
    if reserved:
        raise UnsafePath(f"{reserved!r} is a reserved device name on Windows")
    return "/".join(normal)  # what PurePosixPath(*normal) gives, without its cost per path


def resolve_inside(root: Path, relative: str) -> Path:
    """The absolute target of `relative` under `root`, refusing any symlink on the way.

    Symlinks are refused outright (not only those pointing out): a link inside the tree can
    be re-pointed between the check and the write.
    """
    root = root.resolve()
    current = root
    parts = relative.split("/")
    for index, part in enumerate(parts):
        current = current / part
        if current.is_symlink():
            what = "the file" if index == len(parts) - 1 else f"'{'/'.join(parts[: index + 1])}'"
            raise UnsafePath(f"{what} is a symbolic link; writing through links is not allowed")
        if index < len(parts) - 1 and current.exists() and not current.is_dir():
            raise UnsafePath(f"'{'/'.join(parts[: index + 1])}' is a file, not a directory")
    target = Path(os.path.normpath(current))
    if root != target and root not in target.parents:
        raise UnsafePath("the path leaves the worktree")
    if target.is_dir():
        raise UnsafePath("the path is a directory on the branch, not a file")
    return target


def check_content(content: object, limits: Limits) -> bytes:
    """Encode proposed content, refusing what cannot be a text file we would commit."""
    if not isinstance(content, str):
        raise UnsafePath("the content is not text")
    if "\x00" in content:
        raise UnsafePath("the content contains NUL bytes (binary files are not accepted)")
    try:
        data = content.encode("utf-8")
    except UnicodeEncodeError:
        raise UnsafePath("the content is not valid UTF-8") from None
    if len(data) > limits.max_file_bytes:
        raise UnsafePath(
            f"the content is {len(data):,} bytes, over the limit of {limits.max_file_bytes:,}"
        )
    return data
