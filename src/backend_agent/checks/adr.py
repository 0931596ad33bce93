"""ADRs: MADR structure, numbering without gaps or duplicates, superseded links that exist.

ADRs are read years later by people who were not there; a missing "Considered Options"
or a hole in the numbering makes the record untrustworthy.
"""

from __future__ import annotations

import posixpath
import re
from collections import defaultdict
from collections.abc import Collection, Iterable

from ..core.checks import CheckResult
from . import links

_PATH = re.compile(r"^(?P<dir>(?:.*/)?(?:adr|adrs|decisions))/(?P<number>\d{3,5})-[^/]+\.md$")
_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$", re.MULTILINE)
_STATUS_LINE = re.compile(r"^\s*[*-]?\s*status\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
_TITLE_NUMBER = re.compile(r"^(?:ADR[- ]?)?(\d+)[.:]\s")
STATUSES = ("proposed", "accepted", "rejected", "deprecated", "superseded")
SECTIONS = (
    ("context", ("context",)),
    ("considered options", ("considered options", "options")),
    ("decision", ("decision outcome", "decision")),
    ("consequences", ("consequences",)),
)


def number_of(path: str) -> tuple[str, int] | None:
    """(ADR folder, number) when `path` is a numbered ADR."""
    match = _PATH.match(path)
    return (match.group("dir"), int(match.group("number"))) if match else None


def _front_matter(content: str) -> tuple[dict | None, CheckResult | None]:
    if not content.startswith("---\n"):
        return None, None
    end = content.find("\n---", 3)
    if end < 0:
        return None, CheckResult(
            check="adr.structure",
            status="fail",
            message="front matter opened with '---' is never closed",
            line=1,
        )
    import yaml

    try:
        data = yaml.safe_load(content[4:end])
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return None, CheckResult(
            check="adr.structure",
            status="fail",
            message=f"front matter is not valid YAML: {getattr(error, 'problem', error)}",
            line=mark.line + 2 if mark else 1,
        )
    if data is not None and not isinstance(data, dict):
        return None, CheckResult(
            check="adr.structure", status="fail", message="front matter is not a mapping", line=1
        )
    return data or {}, None


def _status(content: str, meta: dict | None, headings: list[tuple[str, int]]) -> str | None:
    if meta and meta.get("status") is not None:
        return str(meta["status"]).strip()
    line = _STATUS_LINE.search(content)
    if line:
        return line.group(1).strip()
    for title, offset in headings:
        if title.lower() == "status":
            rest = content[offset:].split("\n", 1)[1] if "\n" in content[offset:] else ""
            following = [ln.strip() for ln in rest.splitlines() if ln.strip()]
            return following[0] if following and not following[0].startswith("#") else None
    return None


def structure(path: str, content: str, known: Collection[str]) -> list[CheckResult]:
    """MADR sections, a status, and a superseding ADR that exists. `known` is the tree's
    files and folders (`links.with_folders`)."""
    found: list[CheckResult] = []

    def fail(message: str, line: int | None = None) -> None:
        found.append(CheckResult(check="adr.structure", status="fail", message=message, line=line))

    meta, problem = _front_matter(content)
    if problem:
        return [problem]
    body = links.blank_code(content)
    headings = [(m.group(2).strip(), m.start()) for m in _HEADING.finditer(body)]
    titles = [(t, o) for t, o in headings if body.startswith("# ", o)]
    if not titles and not (meta and meta.get("title")):
        fail("no title: start with a '# N. Title' heading")
    names = [_normal(t) for t, _ in headings]
    missing = [
        section
        for section, accepted in SECTIONS
        if not any(n == a or n.startswith(a + " ") for n in names for a in accepted)
    ]
    if missing:
        fail(
            f"missing MADR section{'s' if len(missing) > 1 else ''}: {', '.join(missing)} "
            "(see https://adr.github.io/madr/)"
        )
    status = _status(content, meta, headings)
    if status is None:
        fail("no status: add 'status: proposed' (or accepted, …) to the front matter")
    elif not status.lower().startswith(STATUSES):
        found.append(
            CheckResult(
                check="adr.structure",
                status="warn",
                message=f"status {status!r} is none of {', '.join(STATUSES)}",
            )
        )
    elif status.lower().startswith("superseded"):
        found += _superseded(path, status, known)
    found += _title_number(path, titles)
    return found or [
        CheckResult(check="adr.structure", status="pass", message=f"MADR structure, {status}")
    ]


def _normal(title: str) -> str:
    return re.sub(r"^[\d.]+\s*", "", title).strip(" :").lower()


def _superseded(path: str, status: str, known: Collection[str]) -> list[CheckResult]:
    linked = [links.resolve(path, target) for _, target in links.targets(status)]
    linked = [p for p in linked if p]
    for target in linked:
        if target not in known:
            return [
                CheckResult(
                    check="adr.structure",
                    status="fail",
                    message=f"superseded by {target}, which is not in the branch or the proposal",
                )
            ]
    if linked:
        return []
    folder = posixpath.dirname(path)
    for number in re.findall(r"\d+", status):
        if any((number_of(p) or ("", -1)) == (folder, int(number)) for p in known):
            return []
    return [
        CheckResult(
            check="adr.structure",
            status="fail",
            message="status says superseded but names no existing ADR: write "
            "'superseded by [ADR-NNNN](NNNN-title.md)'",
        )
    ]


def _title_number(path: str, titles: list[tuple[str, int]]) -> list[CheckResult]:
    parsed = number_of(path)
    if not titles or parsed is None:
        return []
    match = _TITLE_NUMBER.match(titles[0][0])
    if match and int(match.group(1)) != parsed[1]:
        return [
            CheckResult(
                check="adr.structure",
                status="warn",
                message=f"the title says {match.group(1)} but the file is number {parsed[1]:04d}",
            )
        ]
    return []


def numbering(
    paths: Iterable[str], proposed: Collection[str], deleted: Collection[str] = ()
) -> dict[str | None, list[CheckResult]]:
    """Gaps and duplicates, attached to the proposed files that cause them (None: the
    branch already had the problem)."""
    folders: dict[str, dict[int, list[str]]] = defaultdict(lambda: defaultdict(list))
    for path in paths:
        parsed = number_of(path)
        if parsed:
            folders[parsed[0]][parsed[1]].append(path)
    removed: dict[tuple[str, int], str] = {}
    for path in deleted:
        parsed = number_of(path)
        if parsed:
            removed[parsed] = path
    out: dict[str | None, list[CheckResult]] = defaultdict(list)

    def fail(paths: list[str], message: str) -> None:
        blamed = [p for p in paths if p in proposed]
        for path in blamed or [None]:
            out[path].append(
                CheckResult(
                    check="adr.numbering", status="fail" if blamed else "warn", message=message
                )
            )

    for folder, numbers in folders.items():
        present = sorted(numbers)
        start = 0 if 0 in numbers else 1
        for number in range(start, present[-1]):
            if number in numbers:
                continue
            after = next(n for n in present if n > number)
            culprit = removed.get((folder, number))
            fail(
                [culprit] if culprit else numbers[after],
                f"numbering gap: {folder}/{number:04d}-… is missing before {after:04d}",
            )
        for number, holders in numbers.items():
            if len(holders) > 1:
                fail(holders, f"ADR number {number:04d} is used by {', '.join(sorted(holders))}")
        for number, holders in numbers.items():
            for path in holders:
                if path in proposed and path not in out:
                    out[path].append(
                        CheckResult(
                            check="adr.numbering",
                            status="pass",
                            message=f"{number:04d} follows on, no gaps or duplicates in {folder}",
                        )
                    )
    return dict(out)
