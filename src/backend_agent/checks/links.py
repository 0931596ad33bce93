"""Relative links in Markdown resolve to files of the tree as it would be after the commit.

Generated docs link to migrations, ADRs and runbooks; a renamed file or a wrong `../`
leaves a dead link nobody notices until they need it.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Collection, Iterator
from urllib.parse import unquote

from ..core.checks import CheckResult

CHECK = "links"
_INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\))?)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(<[^>\n]*>|\S+)", re.MULTILINE)
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def blank_code(text: str) -> str:
    """The text with fenced blocks and code spans blanked out, offsets kept."""
    lines = text.split("\n")
    fence: str | None = None
    for index, line in enumerate(lines):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened.group(1)[0] * len(opened.group(1))
            lines[index] = " " * len(line)
        elif fence is not None:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = None
            lines[index] = " " * len(line)
    blanked = "\n".join(lines)
    return _CODE_SPAN.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), blanked)


def targets(text: str) -> Iterator[tuple[int, str]]:
    """(offset, target) of every link and image, code excluded."""
    prose = blank_code(text)
    for pattern in (_INLINE, _REFERENCE):
        for match in pattern.finditer(prose):
            target = match.group(1).strip()
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1]
            yield match.start(1), target


def resolve(source: str, target: str) -> str | None:
    """The repository path a relative link points at, or None for URLs and anchors."""
    if not target or target.startswith(("#", "//")) or _SCHEME.match(target):
        return None
    path = unquote(target.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return None
    if path.startswith("/"):
        joined = path.lstrip("/")
    else:
        joined = posixpath.join(posixpath.dirname(source), path)
    return posixpath.normpath(joined) if joined else "."


def with_folders(files: Collection[str]) -> set[str]:
    """The files and every folder above them: what a relative link may point at."""
    known = set(files)
    for file in files:
        folder = posixpath.dirname(file)
        while folder and folder not in known:
            known.add(folder)
            folder = posixpath.dirname(folder)
    return known


def check(path: str, content: str, known: Collection[str]) -> list[CheckResult]:
    """`known` is `with_folders(every file of the tree)`."""
    results = []
    count = 0
    for offset, target in targets(content):
        resolved = resolve(path, target)
        if resolved is None:
            continue
        count += 1
        if resolved == ".." or resolved.startswith("../"):
            results.append(
                CheckResult.at_offset(
                    CHECK, "fail", f"link {target!r} points outside the repository", content, offset
                )
            )
        elif resolved not in known and resolved != ".":
            results.append(
                CheckResult.at_offset(
                    CHECK,
                    "fail",
                    f"broken link {target!r}: {resolved} is not in the branch or the proposal",
                    content,
                    offset,
                )
            )
    results.sort(key=lambda r: (r.line or 0, r.column or 0))
    if not results:
        message = {0: "no relative links", 1: "1 relative link resolves"}.get(
            count, f"{count} relative links resolve"
        )
        results.append(CheckResult(check=CHECK, status="pass", message=message))
    return results
