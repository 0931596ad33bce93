"""Architecture decision records in MADR form, numbered after those already on the branch."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from ...core.proposal import FileChange

ADR_DIR = "docs/adr"
_NUMBERED = re.compile(r"^docs/adr/(\d{4})-[a-z0-9-]+\.md$")


def next_number(paths: Iterable[str]) -> int:
    """The number after the highest ADR on the branch (1 for the first)."""
    numbers = [int(m.group(1)) for p in paths if (m := _NUMBERED.match(p))]
    return max(numbers, default=0) + 1


@dataclass
class Option:
    name: str
    pros: list[str] = field(default_factory=list)
    cons: list[str] = field(default_factory=list)


@dataclass
class Adr:
    slug: str
    title: str
    context: str
    drivers: list[str]
    options: list[Option]
    chosen: str
    because: str
    good: list[str]
    bad: list[str]
    status: str = "accepted"
    more: str = ""

    def path(self, number: int) -> str:
        return f"{ADR_DIR}/{number:04d}-{self.slug}.md"

    def render(self, number: int, day: date) -> str:
        lines = [
            "---",
            f"status: {self.status}",
            f"date: {day.isoformat()}",
            "deciders: the reviewer of this build (proposed by backend-agent)",
            "---",
            "",
            f"# {number}. {self.title}",
            "",
            "## Context and Problem Statement",
            "",
            self.context.strip(),
            "",
            "## Decision Drivers",
            "",
            *[f"* {d}" for d in self.drivers],
            "",
            "## Considered Options",
            "",
            *[f"* {o.name}" for o in self.options],
            "",
            "## Decision Outcome",
            "",
            f'Chosen option: "{self.chosen}", because {self.because.strip()}',
            "",
            "### Consequences",
            "",
            *[f"* Good, because {g}" for g in self.good],
            *[f"* Bad, because {b}" for b in self.bad],
            "",
            "## Pros and Cons of the Options",
            "",
        ]
        for option in self.options:
            lines += [f"### {option.name}", ""]
            lines += [f"* Good, because {p}" for p in option.pros]
            lines += [f"* Bad, because {c}" for c in option.cons]
            lines.append("")
        if self.more:
            lines += ["## More Information", "", self.more.strip(), ""]
        return "\n".join(lines)


def adr_files(records: list[Adr], existing: Iterable[str], day: date) -> list[FileChange]:
    """The records as new files, numbered on from the ADRs already on the branch."""
    first = next_number(existing)
    return [
        FileChange(
            path=record.path(first + offset),
            action="create",
            kind="adr",
            content=record.render(first + offset, day),
            why=record.title,
        )
        for offset, record in enumerate(records)
    ]
