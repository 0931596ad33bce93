"""How a finished build leaves backend-agent: the exact git commands to merge it or to open
a pull request, for the person to run themselves (we never push or merge)."""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from .session import BuildSession


@dataclass(frozen=True)
class Handoff:
    repo: str
    branch: str
    target: str
    """The branch the person is on in their own working tree: where the build merges."""
    remote: str | None
    merge: list[str]
    pull_request: list[str]


def handoff(session: BuildSession) -> Handoff:
    repo = session.repo
    target = repo.git("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
    remotes = repo.git("remote", check=False).split()
    remote = "origin" if "origin" in remotes else (remotes[0] if remotes else None)
    branch = session.state.branch
    quoted = shlex.quote(str(repo.root))
    base = target or "main"
    merge = [f"cd {quoted}"]
    if target:
        merge.append(f"git switch {shlex.quote(target)}")
    merge.append(f"git merge --no-ff {branch}")
    pull_request = [f"cd {quoted}"]
    if remote is None:
        pull_request.append("git remote add origin <url-of-your-repository>")
    pull_request += [
        f"git push --set-upstream {remote or 'origin'} {branch}",
        f"gh pr create --base {shlex.quote(base)} --head {branch} --fill",
    ]
    return Handoff(str(repo.root), branch, target, remote, merge, pull_request)
