"""What the model is shown of the repository: a map of its files and the text of the ones
that matter, within a token budget.

Nothing secret is sent without reason: files matching `.gitignore`, `.env*`, private keys
and credential files, and binaries are left out of both the map and the text. Files are
grouped by who created them — the user's repository first, then each committed phase in
order — and a file stays in its creator's group (with its latest content) when a later
phase changes it, so the groups before it keep their bytes and the API serves them from
the prompt cache.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from ...core.phases import PHASES, Phase
from ..base import BranchReader

CHARS_PER_TOKEN = 3.5
"""A conservative average for code and prose: token counts here are estimates."""

BASE_SHARE = 0.25
"""At most this share of the budget goes to the user's own files, so that share (and the
cache prefix it forms) does not move as the build grows."""

MAP_LIMIT = 2000

_SECRET_NAME = re.compile(
    r"""^(
        \.env(rc)?(\..*)?       # .env, .env.local, .env.production, .envrc ...
      | .*\.(pem|key|p12|pfx|jks|keystore|kdbx|asc|gpg|ppk)
      | id_(rsa|dsa|ecdsa|ed25519)(\.pub)?
      | \.netrc | \.pgpass | \.npmrc | \.pypirc | \.git-credentials | \.htpasswd
      | credentials(\.json)? | secrets?\.(json|ya?ml|toml)
      | .*service[-_]account.*\.json
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----")
_BINARY_SUFFIX = frozenset(
    ".png .jpg .jpeg .gif .bmp .ico .webp .tiff .psd .pdf .zip .gz .tgz .bz2 .xz .7z .rar "
    ".jar .war .class .so .dylib .dll .exe .bin .o .a .pyc .whl .egg .mp3 .mp4 .mov .avi "
    ".wav .ogg .woff .woff2 .ttf .otf .eot .sqlite .db .parquet .pkl .npy .npz".split()
)


def private_key(text: str) -> bool:
    return _PRIVATE_KEY.search(text) is not None


def estimate_tokens(text: str) -> int:
    return int(len(text) / CHARS_PER_TOKEN) + 1


def is_secret(path: str) -> bool:
    return any(_SECRET_NAME.match(part) for part in PurePosixPath(path).parts)


def is_binary_name(path: str) -> bool:
    return PurePosixPath(path).suffix.lower() in _BINARY_SUFFIX


def is_text(content: str) -> bool:
    return "\x00" not in content and "\ufffd" not in content


@dataclass
class Group:
    """Files written by one author: the user's repository ("") or one phase."""

    origin: str
    title: str
    files: dict[str, str] = field(default_factory=dict)

    def render(self) -> str:
        parts = [f"## {self.title}\n"]
        for path, content in self.files.items():
            fence = "````" if "```" in content else "```"
            body = content if content.endswith("\n") or not content else content + "\n"
            parts.append(f'<file path="{path}">\n{fence}\n{body}{fence}\n</file>\n')
        return "\n".join(parts)


@dataclass
class RepoContext:
    groups: list[Group]
    map_text: str
    left_out: list[str]
    """Files on the branch whose text did not fit the budget (they are in the map)."""
    withheld: int
    """Files never shown (secret, ignored or binary), counted for the person's log."""

    @property
    def tokens(self) -> int:
        return sum(estimate_tokens(g.render()) for g in self.groups) + estimate_tokens(
            self.map_text
        )


def _priority(path: str, phase: Phase) -> int:
    """Lower first: documents and schema every phase builds on, then code for code phases."""
    top = path.split("/", 1)[0]
    if top in ("docs", "migrations") or path.endswith((".sql", ".md")):
        return 0
    if "code" in phase.kinds or "test" in phase.kinds:
        return 1
    return 2


def gather(reader: BranchReader, phase: Phase, build: str, budget_tokens: int) -> RepoContext:
    """The repository context for a phase's prompt; deterministic for a given branch."""
    paths = sorted(reader.files())
    shown = [p for p in paths if not is_secret(p)]
    ignored = reader.ignored(shown)
    shown = [p for p in shown if p not in ignored]
    sizes = reader.sizes()
    textual = [p for p in shown if not is_binary_name(p)]
    origins = reader.phase_files(build)
    order = {p.id: p.number for p in PHASES}

    budget_chars = int(budget_tokens * CHARS_PER_TOKEN)
    base_chars = int(budget_chars * BASE_SHARE)
    chosen: list[str] = []
    used = base_used = 0
    ranked = sorted(
        textual, key=lambda p: (origins.get(p) is None, _priority(p, phase), sizes.get(p, 0), p)
    )
    for path in ranked:
        size = sizes.get(path, 0)
        is_base = path not in origins
        if used + size > budget_chars or (is_base and base_used + size > base_chars):
            continue
        chosen.append(path)
        used += size
        base_used += size if is_base else 0
    contents = reader.read_many(chosen)
    included = {p: text for p, text in contents.items() if is_text(text) and not private_key(text)}

    groups = [Group("", "Files in the repository before this build")]
    for p in sorted({*origins.values()}, key=lambda pid: order.get(pid, 99)):
        number = order.get(p, "?")
        groups.append(Group(p, f"Committed by phase {number} ({p}) of this build"))
    by_origin = {g.origin: g for g in groups}
    for path in sorted(included):
        by_origin[origins.get(path, "")].files[path] = included[path]
    groups = [g for g in groups if g.files]

    withheld = len(paths) - len(textual) + sum(1 for p in contents if p not in included)
    listed = [p for p in textual if p in included or p not in contents]
    left_out = [p for p in listed if p not in included]
    return RepoContext(groups, _map(listed, included, sizes), left_out, withheld)


def _map(paths: list[str], included: dict[str, str], sizes: dict[str, int]) -> str:
    lines = ["## Repository map", "", "Every file on the build branch ('*' = its text is above):"]
    for path in paths[:MAP_LIMIT]:
        mark = "*" if path in included else " "
        lines.append(f"{mark} {path} ({sizes.get(path, 0):,} bytes)")
    if len(paths) > MAP_LIMIT:
        lines.append(f"  ... and {len(paths) - MAP_LIMIT:,} more files")
    return "\n".join(lines) + "\n"
