"""The git side of a build: our branch, our worktree, our commits — never the user's.

Every command runs with the user's hooks switched off and signing disabled, so a commit
of ours can neither trigger their tooling nor stop to ask for a passphrase; sparse
checkout, the fsmonitor and automatic maintenance are off too, so our worktree holds the
whole branch, the user's fsmonitor command never runs for us and no commit of ours starts
a `gc` of their repository. The user's working tree, index, HEAD, stash and other
worktrees are never touched: all writes happen in a worktree kept inside the repository's
git dir, and only our own worktree entries are ever removed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import BadInput, Conflict, WorkspaceError
from ..core.oserrors import git_failure

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
BRANCH_PREFIX = "backend-agent/"
SAFE_CONFIG = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "commit.gpgsign=false",
    "-c",
    "core.autocrlf=false",
    "-c",
    "core.safecrlf=false",
    "-c",
    "advice.detachedHead=false",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.sparseCheckout=false",
    "-c",
    "gc.auto=0",
    "-c",
    "maintenance.auto=false",
)


def run_git(
    *args: str,
    cwd: Path,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
    status: bool = False,
) -> str:
    """Run git with our safe settings; raise WorkspaceError with git's own words on failure
    (BadInput when the disk is full or read-only). `status`: return the exit status."""
    full_env = {
        **os.environ,
        "GIT_LITERAL_PATHSPECS": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "LC_ALL": "C",
        **(env or {}),
    }
    full_env.pop("GIT_DIR", None)
    full_env.pop("GIT_WORK_TREE", None)
    full_env.pop("GIT_INDEX_FILE", None)
    try:
        result = subprocess.run(
            ["git", *SAFE_CONFIG, *args],
            cwd=cwd,
            input=input,
            capture_output=True,
            env=full_env,
            check=False,
        )
    except FileNotFoundError:
        raise WorkspaceError("git is not installed or not on PATH") from None
    if check and result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip() or "no message"
        plain = git_failure(message, f"run git {args[0]}")
        if plain is not None:
            raise plain
        raise WorkspaceError(f"git {args[0]} failed: {message}")
    if status:
        return str(result.returncode)
    return result.stdout.decode("utf-8", errors="surrogateescape")


def _utf8_paths(output: bytes) -> str:
    """git's paths as text; a path that is not UTF-8 cannot go into the build state (JSON
    text), so it is refused with the bytes shown, not left to fail later."""
    try:
        return output.decode("utf-8")
    except UnicodeDecodeError:
        shown = output.decode("utf-8", errors="backslashreplace").splitlines()
        where = next((line for line in shown[1:] if "\\x" in line), shown[-1])
        raise BadInput(
            f"the repository's path {where} is not valid UTF-8; backend-agent keeps paths in "
            "its build state as UTF-8 text",
            hint="rename or move the folder to a name in UTF-8 (e.g. with `mv`), then run again",
        ) from None


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def env(self) -> dict[str, str]:
        return {
            "GIT_AUTHOR_NAME": self.name,
            "GIT_AUTHOR_EMAIL": self.email,
            "GIT_COMMITTER_NAME": self.name,
            "GIT_COMMITTER_EMAIL": self.email,
        }


@dataclass(frozen=True)
class Repository:
    """A user's repository as we found it: where it lives and where git keeps its data."""

    root: Path
    git_dir: Path
    common_dir: Path

    @property
    def data_dir(self) -> Path:
        """Our own folder inside the git dir: state files, locks and worktrees."""
        return self.common_dir / "backend-agent"

    @classmethod
    def open(cls, path: str | Path) -> Repository:
        path = Path(path).expanduser()
        if not path.exists():
            raise BadInput(f"{path} does not exist", hint="pass --repo with a git repository")
        if not path.is_dir():
            raise BadInput(f"{path} is a file, not a directory", hint="pass the repository folder")
        probe = subprocess.run(
            [
                "git",
                "rev-parse",
                "--is-bare-repository",
                "--show-toplevel",
                "--absolute-git-dir",
                "--git-common-dir",
            ],
            cwd=path,
            capture_output=True,
            check=False,
        )
        stdout, stderr = probe.stdout, probe.stderr.decode(errors="replace")
        if probe.returncode != 0:
            if "not a git repository" in stderr:
                raise BadInput(
                    f"{path} is not a git repository",
                    hint=f"run `git init {path}` first (an empty repository is fine)",
                )
            if stdout.startswith(b"true"):
                raise BadInput(
                    f"{path} is a bare repository: there is no working tree to build beside",
                    hint="clone it (`git clone` it to a folder) and run backend-agent there",
                )
            raise BadInput(f"{path}: git cannot read this repository: {stderr.strip()}")
        lines = _utf8_paths(stdout).splitlines()
        if lines[0] == "true":
            raise BadInput(
                f"{path} is a bare repository: there is no working tree to build beside",
                hint="clone it (`git clone` it to a folder) and run backend-agent there",
            )
        root, git_dir, common = Path(lines[1]), Path(lines[2]), Path(lines[3])
        if not common.is_absolute():
            common = (path / common).resolve()
        return cls(root=root.resolve(), git_dir=git_dir.resolve(), common_dir=common.resolve())

    def git(self, *args: str, **kwargs) -> str:
        return run_git(*args, cwd=self.root, **kwargs)

    def refuse_if_busy(self) -> None:
        """Exit 4 if the user is mid-merge, -rebase, -cherry-pick, -revert or -bisect."""
        markers = {
            "MERGE_HEAD": "a merge",
            "rebase-merge": "a rebase",
            "rebase-apply": "a rebase",
            "CHERRY_PICK_HEAD": "a cherry-pick",
            "REVERT_HEAD": "a revert",
        }
        for marker, what in markers.items():
            if (self.git_dir / marker).exists():
                raise Conflict(
                    f"{self.root} is in the middle of {what}; backend-agent writes nothing now",
                    hint="finish or abort it (e.g. `git merge --abort`, `git rebase --abort`) "
                    "and run again",
                )

    def author(self) -> Author:
        """Who our commits are by: the user's own git identity, never a made-up one."""
        name = os.environ.get("GIT_AUTHOR_NAME") or self._config("user.name")
        email = os.environ.get("GIT_AUTHOR_EMAIL") or self._config("user.email")
        if not name or not email:
            missing = "user.name" if not name else "user.email"
            raise BadInput(
                f"git {missing} is not set, and backend-agent commits under your name",
                hint='run `git config --global user.name "Your Name"` and '
                "`git config --global user.email you@example.com`",
            )
        return Author(name, email)

    def _config(self, key: str) -> str | None:
        value = self.git("config", "--get", key, check=False).strip()
        return value or None

    def head(self) -> str | None:
        """The user's HEAD commit, or None in a repository without commits."""
        out = self.git("rev-parse", "--verify", "--quiet", "HEAD^{commit}", check=False).strip()
        return out or None

    def branch_tip(self, branch: str) -> str | None:
        out = self.git("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}", check=False)
        return out.strip() or None

    def has_commit(self, sha: str) -> bool:
        """Whether the object is still in the repository (a deleted branch's commits stay
        until git collects them)."""
        out = self.git("cat-file", "-t", sha, check=False).strip()
        return out == "commit"

    def is_ancestor(self, commit: str, of: str) -> bool:
        """`commit` is `of` or reachable from it."""
        result = self.git("merge-base", "--is-ancestor", commit, of, check=False, status=True)
        return result == "0"

    def refuse_ref_clash(self, branch: str) -> None:
        """git keeps a branch as a file: `backend-agent` cannot be both a branch and the
        folder our branches live in. Say so before creating anything."""
        under = self.git(
            "for-each-ref", "--count=1", "--format=%(refname:short)", f"refs/heads/{branch}/"
        )
        if under.strip():
            raise Conflict(
                f"your branch {under.strip()!r} blocks {branch!r}: git cannot hold a branch "
                f"named {branch!r} and branches under {branch + '/'!r} at once",
                hint="pass --build OTHER-NAME; backend-agent never renames or deletes your "
                "branches",
            )
        parts = branch.split("/")
        for end in range(1, len(parts)):
            prefix = "/".join(parts[:end])
            if self.branch_tip(prefix) is not None:
                raise Conflict(
                    f"your branch {prefix!r} blocks {branch!r}: git cannot hold a branch "
                    f"named {prefix!r} and branches under {prefix + '/'!r} at once",
                    hint=f"rename yours (`git branch -m {prefix} {prefix}-old`) and run again; "
                    "backend-agent never renames or deletes your branches",
                )

    def root_commit(self, message: str, author: Author) -> str:
        """An empty commit to start our branch from when the user's repo has none yet."""
        self.git("hash-object", "-t", "tree", "-w", "--stdin", input=b"")
        return self.git("commit-tree", EMPTY_TREE, "-m", message, env=author.env()).strip()
