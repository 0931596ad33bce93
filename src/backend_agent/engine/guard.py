"""Vet a proposal from a provider: refuse unsafe files one by one, keep the rest.

Model output is untrusted. Each rule refuses a single file with a reason the person sees;
nothing refused ever reaches the disk.
"""

from __future__ import annotations

from collections.abc import Set
from pathlib import Path

from ..core.proposal import FileChange, Proposal
from ..workspace.paths import Limits, UnsafePath, check_content, check_relative, resolve_inside
from .state import Refusal


def vet(
    proposal: Proposal, worktree: Path, on_branch: Set[str], limits: Limits
) -> tuple[Proposal, list[Refusal]]:
    """Split a proposal into what may be reviewed and what is refused (with reasons).

    `on_branch` holds the files of the build branch: they decide create vs modify, refuse
    deletes of files that are not there and new files that differ from one only in case.
    """
    kept: list[FileChange] = []
    refused: list[Refusal] = []
    seen: dict[str, str] = {}
    existing = {p.lower(): p for p in on_branch}
    total = 0
    for change in proposal.changes:
        raw = change.path
        try:
            path = check_relative(raw)
            if seen.get(path.lower()) == path:
                raise UnsafePath("the proposal changes this path twice")
            if path.lower() in seen:
                raise UnsafePath(
                    f"differs only in case from {seen[path.lower()]!r}, which breaks on "
                    "case-insensitive file systems"
                )
            exists = path in on_branch
            if not exists and path.lower() in existing:
                raise UnsafePath(
                    f"differs only in case from {existing[path.lower()]!r} on the branch, which "
                    "breaks on case-insensitive file systems"
                )
            resolve_inside(worktree, path)
            if change.action == "delete":
                if not exists:
                    raise UnsafePath("deletes a file that does not exist on the branch")
                data = b""
            else:
                data = check_content(change.content, limits)
            if len(kept) >= limits.max_files:
                raise UnsafePath(f"the proposal has more than {limits.max_files} files")
            if total + len(data) > limits.max_proposal_bytes:
                raise UnsafePath(
                    f"the proposal passes its size limit of {limits.max_proposal_bytes:,} bytes"
                )
        except UnsafePath as reason:
            refused.append(Refusal(path=_printable(raw), reason=str(reason)))
            continue
        seen[path.lower()] = path
        total += len(data)
        action = change.action
        if action != "delete":
            action = "modify" if exists else "create"
        kept.append(change.model_copy(update={"path": path, "action": action}))
    return proposal.model_copy(update={"changes": kept}), refused


def _printable(path: object) -> str:
    text = path if isinstance(path, str) else repr(path)
    return text.encode("unicode_escape").decode("ascii")[:200] if not text.isprintable() else text
