"""Our worktree: our branch checked out inside the repository's git dir, the only place
backend-agent writes files. Every git call here goes through `run_git`'s safe settings."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..core.errors import WorkspaceError
from .git import SAFE_CONFIG, Author, Repository, run_git
from .paths import resolve_inside


class Worktree:
    """Our branch checked out in our own worktree; the only place we ever write files."""

    def __init__(self, repo: Repository, branch: str, path: Path) -> None:
        self.repo = repo
        self.branch = branch
        self.path = path

    def exists(self) -> bool:
        return (self.path / ".git").is_file()

    def registered(self) -> bool:
        """git lists a worktree at our path (its folder may be gone)."""
        listing = self.repo.git("worktree", "list", "--porcelain", "-z")
        return f"worktree {self.path}" in listing.split("\0")

    def create(self) -> None:
        """Check our branch (which must exist) out in our worktree. A registration of this
        same path left by a removed folder is cleared first — ours only: never `git worktree
        prune`, which would drop the user's worktrees on drives that are not mounted."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self.repo.git("worktree", "remove", "--force", "--force", str(self.path), check=False)
        self.repo.git("worktree", "add", "--quiet", str(self.path), self.branch)

    def ensure(self) -> None:
        """Bring the worktree back if someone removed it (from our branch, never from the
        user's HEAD); put it back on our branch with every file checked out; clear the
        locks a killed git of ours left."""
        if self.exists() and not self._linked():
            self._relink()
        if not self._linked():
            if self.repo.branch_tip(self.branch) is None:
                raise WorkspaceError(
                    f"branch {self.branch} is gone, so its worktree cannot be brought back",
                    hint="`backend-agent resume --restore-branch` puts it back where the build "
                    "state says it was",
                )
            if self.path.exists():  # a folder of ours whose registration is gone
                shutil.rmtree(self.path)
            self.create()
        self.clear_stale_locks()
        if self.git("symbolic-ref", "--quiet", "HEAD", check=False).strip() != (
            f"refs/heads/{self.branch}"
        ):
            self.git("checkout", "--quiet", "--force", self.branch)
        self._unsparse()

    def _relink(self) -> None:
        """The repository was moved or copied: point our worktree and its admin folder at
        each other again. By hand, because `git worktree repair` also rewrites the user's
        other worktrees' links."""
        admin = self.repo.common_dir / "worktrees" / self.git_dir().name
        backlink = admin / "gitdir"
        if (
            backlink.is_file()
            and Path(backlink.read_text().strip()).parent.parts[-3:] == (self.path.parts[-3:])
        ):
            (self.path / ".git").write_text(f"gitdir: {admin}\n")
            backlink.write_text(f"{self.path / '.git'}\n")

    def _linked(self) -> bool:
        """The worktree exists and this repository still knows it (its admin folder is
        there, in this repository: a copied repository's points into the original)."""
        if not self.exists():
            return False
        admin = self.git_dir()
        return admin.is_dir() and admin.resolve().parent == self.repo.common_dir / "worktrees"

    def clear_stale_locks(self) -> None:
        """Locks git leaves when it is killed: in our worktree and on our branch's ref.
        Only called while this process holds the build, so no git of ours holds them."""
        ref_lock = self.repo.common_dir / "refs" / "heads" / f"{self.branch}.lock"
        for lock in (self.git_dir() / "index.lock", self.git_dir() / "HEAD.lock", ref_lock):
            lock.unlink(missing_ok=True)

    def _unsparse(self) -> None:
        """A worktree made sparse (by an older backend-agent under the user's sparse config)
        gets every file of the branch back."""
        listing = self.git("ls-files", "-t", "-z")
        skipped = [e[2:] for e in listing.split("\0") if e.startswith("S ")]
        if not skipped:
            return
        data = "\0".join(skipped).encode("utf-8", "surrogateescape")
        self.git("update-index", "--no-skip-worktree", "-z", "--stdin", input=data)
        self.git("checkout", "--quiet", "--force", "HEAD", "--", ".")

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
            ["git", *SAFE_CONFIG, "cat-file", "--batch"],
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
        """Our worktree and its registration, nothing else."""
        self.repo.git("worktree", "remove", "--force", "--force", str(self.path), check=False)
        if self.path.exists():
            shutil.rmtree(self.path, ignore_errors=True)
