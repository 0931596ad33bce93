"""The generated project's own Python environment, made once and reused for its test runs.

A suite can only prove the code when the code's dependencies are installed, and a person
should never have to build that venv by hand. The environment is keyed by a hash of the
dependency declaration (pyproject.toml's build system, dependencies, extras and Python
range), so later phases reuse it until a phase changes what the project depends on. It is
made with uv (shipped with backend-agent), else with venv + pip; the project is installed
editable with its test extra. An install that fails because of the proposal (a package that
does not exist, a version that cannot be met) fails the check with uv's or pip's own words;
one that fails because the package index cannot be reached leaves the tests "not run".
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import re
import shutil
import sys
import threading
import time
import tomllib
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

from ..core.checks import CheckResult
from . import process

CHECK = "tests"
INSTALL_TIMEOUT = 900.0
READY = ".backend-agent-ready"
KEEP = 2
"""Environments kept per folder: the current one and the one before (an undo goes back)."""
TEST_EXTRAS = ("test", "tests", "testing", "dev")
_NETWORK = re.compile(
    r"Failed to fetch|tcp connect error|dns error|failed to lookup address|Connection refused"
    r"|Network is unreachable|network was disabled|NewConnectionError|Failed to establish a "
    r"new connection|Temporary failure in name resolution|No route to host|ProxyError"
    r"|timed out|ConnectTimeout",
    re.IGNORECASE,
)
_REQUIREMENT_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


@dataclass(frozen=True)
class Declaration:
    """What the environment is made from, and the key it is kept under."""

    key: str
    extra: str | None
    """The test extra installed with the project, if it declares one."""
    add_pytest: bool
    """The project does not declare pytest; the check runs it, so it is added."""

    @property
    def target(self) -> str:
        return f".[{self.extra}]" if self.extra else "."


@dataclass
class Environment:
    python: Path | None
    problem: CheckResult | None = None
    """Why there is no environment: a failure of the proposal, or "not run"."""
    created: bool = False
    tool: str = ""


def declaration(pyproject: str) -> Declaration | CheckResult:
    """Read the dependency declaration; a pyproject.toml that cannot be read fails."""
    try:
        data = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError as error:
        return _fail(f"pyproject.toml does not parse ({error}), so the project cannot be installed")
    project = data.get("project")
    if not isinstance(project, dict):
        return _fail(
            "pyproject.toml has no [project] table, so the project cannot be installed "
            "(it needs at least name and version)"
        )
    extras = project.get("optional-dependencies") or {}
    if not isinstance(extras, dict):
        return _fail("pyproject.toml: [project.optional-dependencies] is not a table")
    extra = next((name for name in TEST_EXTRAS if name in extras), None)
    declared = [*project.get("dependencies", []), *(extras.get(extra, []) if extra else [])]
    names = {m.group(1).lower() for r in declared if (m := _REQUIREMENT_NAME.match(str(r)))}
    add_pytest = "pytest" not in names
    wanted = {
        "build-system": data.get("build-system"),
        "dependencies": project.get("dependencies"),
        "optional-dependencies": extras,
        "requires-python": project.get("requires-python"),
        "dynamic": project.get("dynamic"),
        "extra": extra,
        "add_pytest": add_pytest,
        "python": [sys.executable, list(sys.version_info[:3])],
    }
    key = hashlib.sha256(json.dumps(wanted, sort_keys=True, default=str).encode()).hexdigest()
    return Declaration(key=key, extra=extra, add_pytest=add_pytest)


def default_folder() -> Path:
    """Where environments live when the caller names no folder (a check of any tree)."""
    import platformdirs

    return platformdirs.user_cache_path("backend-agent") / "envs"


def uv_binary() -> str | None:
    try:
        from uv import find_uv_bin  # type: ignore[import-not-found]

        return find_uv_bin()
    except (ImportError, FileNotFoundError):
        return shutil.which("uv")


def provision(
    root: Path,
    wanted: Declaration,
    folder: Path,
    env: dict[str, str],
    cancel: threading.Event,
) -> Generator[str, None, Environment]:
    """The environment for the project in `root`: reused when ready, else made, with uv's or
    pip's output yielded line by line. `env`: the (credential-free) environment to run in."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / wanted.key[:16]
    python = target / "bin" / "python"
    with _locked(folder / f"{wanted.key[:16]}.lock", cancel) as locked:
        if not locked:
            return Environment(None, _not_run("cancelled by the person"))
        if (target / READY).exists() and python.exists():
            _touch(target)
            return Environment(python, tool=(target / READY).read_text().strip())
        shutil.rmtree(target, ignore_errors=True)
        uv = uv_binary()
        tool = "uv" if uv else "pip"
        yield f"creating the project's environment with {tool} in {target}"
        steps = _uv_steps(uv, target, wanted) if uv else _pip_steps(target, wanted)
        started = time.monotonic()
        for command in steps:
            left = INSTALL_TIMEOUT - (time.monotonic() - started)
            finished = yield from process.stream(
                command, cwd=root, env=env, timeout=left, cancel=cancel
            )
            problem = _problem(tool, finished)
            if problem is not None:
                shutil.rmtree(target, ignore_errors=True)
                return Environment(None, problem, tool=tool)
        (target / READY).write_text(tool + "\n")
        _prune(folder, keep=target)
        return Environment(python, created=True, tool=tool)


def _uv_steps(uv: str, target: Path, wanted: Declaration) -> list[list[str]]:
    python = str(target / "bin" / "python")
    install = [uv, "pip", "install", "--python", python, "--no-progress", "-e", wanted.target]
    return [
        [uv, "venv", "--quiet", "--no-project", "--python", sys.executable, str(target)],
        install + (["pytest"] if wanted.add_pytest else []),
    ]


def _pip_steps(target: Path, wanted: Declaration) -> list[list[str]]:
    python = str(target / "bin" / "python")
    install = [python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input"]
    return [
        [sys.executable, "-m", "venv", str(target)],
        install + ["-e", wanted.target] + (["pytest"] if wanted.add_pytest else []),
    ]


def _problem(tool: str, finished: process.Finished) -> CheckResult | None:
    if finished.error is not None:
        return _not_run(f"{tool} could not start: {finished.error}")
    if finished.stopped == "cancelled":
        return _not_run("cancelled by the person while the project's environment was made")
    if finished.stopped == "timeout":
        return _fail(
            f"installing the project's dependencies with {tool} took over "
            f"{INSTALL_TIMEOUT:.0f} s and was stopped"
        )
    if finished.code == 0:
        return None
    text = "\n".join(finished.output)
    if _NETWORK.search(text):
        reason = _NETWORK.search(text).group(0)  # type: ignore[union-attr]
        return _not_run(
            f"the package index cannot be reached ({reason}), so the project's dependencies "
            "could not be installed and its suite did not run"
        )
    return _fail(f"installing the project with {tool} failed: {_error_line(finished.output)}")


def _error_line(output: list[str]) -> str:
    """What went wrong, in the tool's own words: uv's "Because ..." sentence (which it wraps
    over lines), else pip's or uv's last error line."""
    lines = [line.strip() for line in output if line.strip()]
    text = " ".join(re.sub(r"^(cause|error|ERROR):\s*", "", line) for line in lines)
    because = re.search(r"Because .*?\.(?=\s|$)", text)
    if because:
        return because.group(0)[:400]
    errors = [line for line in lines if re.match(r"(ERROR|error|cause):|×", line)]
    found = (errors or lines or ["no output"])[-1]
    return re.sub(r"^(cause|error|ERROR):\s*", "", found)[:400]


def _fail(message: str) -> CheckResult:
    return CheckResult(check=CHECK, status="fail", message=message)


def _not_run(message: str) -> CheckResult:
    return CheckResult(check=CHECK, status="skipped", message=f"not run: {message}")


class _locked:
    """An exclusive lock on the environment (another check or build may be making it),
    waited for in small steps so a cancel still answers."""

    def __init__(self, path: Path, cancel: threading.Event) -> None:
        self.path, self.cancel = path, cancel

    def __enter__(self) -> bool:
        self.handle = self.path.open("a")
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if self.cancel.wait(0.2):
                    return False

    def __exit__(self, *exc: object) -> None:
        self.handle.close()


def _touch(target: Path) -> None:
    try:
        (target / READY).touch()
    except OSError:
        pass


def _prune(folder: Path, keep: Path) -> None:
    """Drop all but the most recently used environments of this folder."""
    ready = sorted(
        (p for p in folder.iterdir() if p.is_dir() and (p / READY).exists() and p != keep),
        key=lambda p: (p / READY).stat().st_mtime,
        reverse=True,
    )
    for old in ready[KEEP - 1 :]:
        lock = folder / f"{old.name}.lock"
        with lock.open("a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # in use by another check
            shutil.rmtree(old, ignore_errors=True)
