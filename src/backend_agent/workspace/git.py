"""The git side of a build: our branch, our worktree, our commits — never the user's.

Every command runs with the user's hooks switched off and signing disabled, so a commit
of ours can neither trigger their tooling nor stop to ask for a passphrase. The user's
working tree, index, HEAD and stash are never touched: all writes happen in a worktree
kept inside the repository's git dir.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import BadInput, Conflict, WorkspaceError
from .paths import resolve_inside

EMPTY_TREE = "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
BRANCH_PREFIX = "backend-agent/"
_SAFE_CONFIG = (
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
)


def run_git(
    *args: str,
    cwd: Path,
    input: bytes | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = True,
) -> str:
    """Run git with our safe settings; raise WorkspaceError with git's own words on failure."""
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
            ["git", *_SAFE_CONFIG, *args],
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
        raise WorkspaceError(f"git {args[0]} failed: {message}")
    return result.stdout.decode("utf-8", errors="surrogateescape")


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
            text=True,
            check=False,
        )
        if probe.returncode != 0:
            if "not a git repository" in probe.stderr:
                raise BadInput(
                    f"{path} is not a git repository",
                    hint=f"run `git init {path}` first (an empty repository is fine)",
                )
            if probe.stdout.startswith("true"):
                raise BadInput(
                    f"{path} is a bare repository: there is no working tree to build beside",
                    hint="clone it (`git clone` it to a folder) and run backend-agent there",
                )
            raise BadInput(f"{path}: git cannot read this repository: {probe.stderr.strip()}")
        lines = probe.stdout.splitlines()
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

    def root_commit(self, message: str, author: Author) -> str:
        """An empty commit to start our branch from when the user's repo has none yet."""
        self.git("hash-object", "-t", "tree", "-w", "--stdin", input=b"")
        return self.git("commit-tree", EMPTY_TREE, "-m", message, env=author.env()).strip()


class Worktree:
    """Our branch checked out in our own worktree; the only place we ever write files."""

    def __init__(self, repo: Repository, branch: str, path: Path) -> None:
        self.repo = repo
        self.branch = branch
        self.path = path

    def exists(self) -> bool:
        return (self.path / ".git").is_file()

    def create(self, start: str) -> None:
        """Create our branch at `start` (unless it exists) and check it out in the worktree."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.repo.git("worktree", "prune")
        if self.repo.branch_tip(self.branch) is None:
            self.repo.git("branch", "--no-track", self.branch, start)
        self.repo.git("worktree", "add", "--quiet", str(self.path), self.branch)

    def ensure(self) -> None:
        """Bring the worktree back if someone removed it; clear a lock a killed git left."""
        if not self.exists():
            self.create(self.repo.branch_tip(self.branch) or "HEAD")
        lock = self.git_dir() / "index.lock"
        if lock.exists():
            lock.unlink()

    def git_dir(self) -> Path:
        text = (self.path / ".git").read_text().strip()
        return Path(text.removeprefix("gitdir:").strip())

    def git(self, *args: str, **kwargs) -> str:
        return run_git(*args, cwd=self.path, **kwargs)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def read(self, path: str, rev: str = "HEAD") -> str | None:
        """A file's content on our branch (None if absent); blobs, not checkout, so line
        ending conversions in the user's config cannot disguise a change."""
        return self.read_many([path], rev).get(path)

    def read_many(self, paths: Iterable[str], rev: str = "HEAD") -> dict[str, str]:
        paths = list(paths)
        if not paths:
            return {}
        request = "".join(f"{rev}:{p}\n" for p in paths).encode("utf-8", "surrogateescape")
        result = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.path,
            input=request,
            capture_output=True,
            check=False,
        )
        out, found, pos = result.stdout, {}, 0
        for path in paths:
            end = out.index(b"\n", pos)
            header = out[pos:end].split(b" ")
            pos = end + 1
            if header[-1] == b"missing" or len(header) != 3:
                continue
            size = int(header[2])
            if header[1] == b"blob":
                found[path] = out[pos : pos + size].decode("utf-8", errors="replace")
            pos += size + 1
        return found

    def files(self, rev: str = "HEAD") -> list[str]:
        out = self.git("ls-tree", "-r", "-z", "--name-only", rev)
        return [p for p in out.split("\0") if p]

    def sizes(self, rev: str = "HEAD") -> dict[str, int]:
        """Blob sizes on our branch, to choose what to read without reading it."""
        out = self.git("ls-tree", "-r", "-l", "-z", rev)
        sizes = {}
        for entry in filter(None, out.split("\0")):
            meta, _, path = entry.partition("\t")
            size = meta.split()[-1]
            if size.isdigit():  # submodules have no size
                sizes[path] = int(size)
        return sizes

    def ignored(self, paths: Iterable[str]) -> set[str]:
        """The paths that the branch's .gitignore files (and the user's excludes) match,
        even when committed anyway."""
        data = "\0".join(paths).encode("utf-8", "surrogateescape")
        if not data:
            return set()
        out = self.git(
            "check-ignore",
            "--no-index",
            "-z",
            "--stdin",
            input=data,
            check=False,
            env={"GIT_LITERAL_PATHSPECS": "0"},  # check-ignore refuses the literal magic
        )
        return {p for p in out.split("\0") if p}

    def phase_files(self, build: str) -> dict[str, str]:
        """Which phase of `build` created each file (first wrote it), from our commits'
        trailers."""
        log = self.git(
            "log",
            "-n",
            "100",
            "--first-parent",
            "--format=%H%x00%(trailers:key=Backend-Agent-Phase,valueonly,separator=)"
            "%x00%(trailers:key=Backend-Agent-Build,valueonly,separator=)",
            check=False,
        )
        origins: dict[str, str] = {}
        for line in log.splitlines():
            sha, phase_id, owner = (line.split("\0") + ["", ""])[:3]
            if not phase_id or owner != build:
                break
            changed = self.git(
                "diff-tree", "--root", "--no-commit-id", "--name-status", "-r", "-z", sha
            ).split("\0")
            for status, path in zip(changed[::2], changed[1::2], strict=False):
                if status == "A":
                    origins[path] = phase_id  # newest first: the oldest add wins
        return origins

    def commit(self, writes: Mapping[str, bytes | None], message: str, author: Author) -> str:
        """Write the files (None deletes), stage exactly those paths and commit them."""
        self.ensure()
        for path, data in writes.items():
            target = resolve_inside(self.path, path)
            if data is None:
                if target.exists():
                    target.unlink()
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "wb") as handle:
                handle.write(data)
        spec = b"\0".join(p.encode("utf-8", "surrogateescape") for p in writes)
        self.git("add", "-A", "--pathspec-from-file=-", "--pathspec-file-nul", input=spec)
        self.git(
            "commit",
            "--quiet",
            "--no-verify",
            "--allow-empty",
            "-F",
            "-",
            input=message.encode("utf-8"),
            env=author.env(),
        )
        return self.head()

    def reset_to(self, commit: str) -> None:
        """Move our branch (and only ours: it is the one checked out here) to `commit`."""
        self.ensure()
        self.git("reset", "--quiet", "--hard", commit)

    def discard_changes(self) -> None:
        """Put the worktree back to the branch tip after an interrupted commit: the worktree
        is ours alone, so files a crash left half-written go too."""
        self.git("reset", "--quiet", "--hard", "HEAD")
        self.git("clean", "--quiet", "-d", "--force")

    def is_ancestor(self, older: str, newer: str) -> bool:
        """Is commit `older` in the history of `newer`? (False when `older` is gone.)"""
        result = subprocess.run(
            ["git", "merge-base", "--is-ancestor", older, newer],
            cwd=self.path,
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def trailers(self, commit: str) -> dict[str, str]:
        out = self.git("log", "-1", "--format=%(trailers:unfold,only)", commit)
        pairs = (line.split(":", 1) for line in out.splitlines() if ":" in line)
        return {key.strip(): value.strip() for key, value in pairs}

    def remove(self) -> None:
        self.repo.git("worktree", "remove", "--force", str(self.path), check=False)
