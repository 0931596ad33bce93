"""What the checks found, as data: results per file and per phase, and the events of a run.

A result is bound to the content it was computed for (its hash), so an edit after the run
makes it stale instead of silently vouching for text nobody checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

CheckStatus = Literal["pass", "fail", "warn", "skipped"]
DEFAULT_TEST_TIMEOUT = 300.0
NO_SUITE = "no test suite in the project yet (no tests/, test_*.py or pytest config)"
"""The one "skipped" that is not a check that did not run: there is nothing to run."""


@dataclass
class CheckOptions:
    tests: bool = True
    """Run the project's test suite (the slow part)."""
    test_command: str | None = None
    """None: pytest, when the tree has a pytest suite."""
    test_timeout: float = DEFAULT_TEST_TIMEOUT
    environments: Path | None = None
    """Where the project's own environments are kept, reused across runs (a build keeps
    them under its data dir); None: the user's cache folder."""


class CheckResult(BaseModel):
    check: str
    """Which check: sql.parse, sql.apply, python.compile, python.ruff, tests, adr.structure,
    adr.numbering, links, secrets, json, yaml, toml, openapi."""
    status: CheckStatus
    message: str
    line: int | None = None
    """1-based, like an editor shows it."""
    column: int | None = None

    @classmethod
    def at_offset(
        cls, check: str, status: CheckStatus, message: str, text: str, offset: int
    ) -> CheckResult:
        """A result located at a 0-based character offset into `text`."""
        line, column = position(text, offset)
        return cls(check=check, status=status, message=message, line=line, column=column)

    @property
    def not_run(self) -> bool:
        """A check that should have run and did not (no tool, no server, cancelled, stale):
        never a pass, and `--approve checks` holds its files back."""
        return self.status == "skipped" and not (self.check == "tests" and self.message == NO_SUITE)

    def where(self, path: str | None = None) -> str:
        """`path:line:column` as compilers print it (as much of it as is known)."""
        parts = [p for p in (path, self.line, self.column) if p is not None]
        return ":".join(str(p) for p in parts)


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a 0-based character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


class FileChecks(BaseModel):
    hash: str
    """content_hash of the effective content the results are for."""
    results: list[CheckResult] = Field(default_factory=list)

    @property
    def failed(self) -> list[CheckResult]:
        return [r for r in self.results if r.status == "fail"]


class PhaseChecks(BaseModel):
    """The last check run of a phase's proposal."""

    files: dict[str, FileChecks] = Field(default_factory=dict)
    phase: list[CheckResult] = Field(default_factory=list)
    """Results about the proposal as a whole: migrations applied in order, the test run."""
    tree_hash: str = ""
    """Hash of every effective file of the proposal when the phase results were made."""
    server: str | None = None
    """Which PostgreSQL the SQL ran on, if any."""
    output_tail: list[str] = Field(default_factory=list)
    """The last lines the test run printed: what a fix round shows the model."""
    finished: datetime | None = None
    cancelled: bool = False


# ---------------------------------------------------------------------------- events
@dataclass(frozen=True)
class CheckProgress:
    """A line for the progress bar: which stage of the checks is running."""

    message: str


@dataclass(frozen=True)
class CheckOutput:
    """One line of the project's test run, as it prints it."""

    line: str


@dataclass(frozen=True)
class ChecksUpdated:
    """A stage finished and its results are in the phase record: re-render these files."""

    stage: str
    paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class ChecksDone:
    """The run is over (or was cancelled); the results are saved with the build."""

    checks: PhaseChecks
    failures: list[tuple[str | None, CheckResult]] = field(default_factory=list)
    headline: str = ""
    """The results in one line ("1 failed, 2 warnings, tests not run"; see engine)."""


CheckEvent = CheckProgress | CheckOutput | ChecksUpdated | ChecksDone
