"""Whether a branch under `backend-agent/` is ours: made by a build of that name.

We only ever remove what we made. A branch is recognisably ours when every commit that
only it holds carries our build trailer, or is the empty root commit we start a build
with in a repository without commits; a branch holding no commits of its own loses
nothing when it goes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .git import EMPTY_TREE, Repository

BUILD_TRAILER = "Backend-Agent-Build"


def root_message(build: str) -> str:
    """The message of the empty root commit a build in an empty repository starts from."""
    return f"backend-agent: start build {build}"


@dataclass(frozen=True)
class Ownership:
    tip: str
    own: int
    """Commits that only this branch holds."""
    foreign: list[tuple[str, str]]
    """Those of them that are not ours: (sha, subject)."""

    @property
    def ours(self) -> bool:
        return not self.foreign


def ownership(repo: Repository, branch: str, build: str) -> Ownership | None:
    """Who made the commits only `branch` holds (None: there is no such branch)."""
    tip = repo.branch_tip(branch)
    if tip is None:
        return None
    ref = f"refs/heads/{branch}"
    others = [
        line.split(" ", 1)[0]
        for line in repo.git("for-each-ref", "--format=%(objectname) %(refname)").splitlines()
        if line.split(" ", 1)[1] != ref
    ]
    head = repo.head()
    if head and repo.git("symbolic-ref", "--quiet", "HEAD", check=False).strip() != ref:
        others.append(head)
    listing = repo.git(
        "log",
        "--format=%H%x00%P%x00%T%x00%s%x00%(trailers:key=" + BUILD_TRAILER + ",valueonly)%x01",
        "--stdin",
        tip,
        input="".join(f"^{sha}\n" for sha in others).encode(),
    )
    own, foreign = 0, []
    for entry in filter(None, (e.strip("\n") for e in listing.split("\x01"))):
        sha, parents, tree, subject, trailer = (entry.split("\0") + [""] * 5)[:5]
        own += 1
        root = not parents and tree == EMPTY_TREE and subject == root_message(build)
        if trailer.strip() != build and not root:
            foreign.append((sha, subject))
    return Ownership(tip=tip, own=own, foreign=foreign)
