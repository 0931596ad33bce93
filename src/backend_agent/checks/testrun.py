"""The project's own tests, run in a scratch copy of the proposed tree, streamed line by line.

The test code is model output: it runs in its own process group (so a timeout or a cancel
takes all of it down) with an environment stripped of credentials. pytest suites are found
on their own; any other command can be given. With pytest, failures are traced back to
the test file and line that failed.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core.checks import CheckResult
from . import process

CHECK = "tests"
_SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
_MISSING = re.compile(r"ModuleNotFoundError: No module named '([\w.]+)'")
_PYTEST_CONFIG = re.compile(r"^\[tool\.pytest\.ini_options\]", re.MULTILINE)


@dataclass
class Plan:
    command: list[str]
    label: str
    pytest: bool
    """Ours: we added the flags that let failures be traced to files."""
    outcome: Callable[[int, list[str], float], Outcome] | None = None
    """Reads the run's own report (vitest's JSON) instead of judging by the exit code."""
    provisioned: bool = False
    """Run in the project's own environment, made from its declared dependencies: a module
    it lacks is the project's omission, not our setup's."""


def detect(paths: list[str], pyproject: str | None) -> Plan | None:
    """A pytest run when the tree has a pytest suite, else None."""
    has_tests = any(_is_test_file(p) for p in paths) or "pytest.ini" in paths
    if not has_tests and not (pyproject and _PYTEST_CONFIG.search(pyproject)):
        return None
    return Plan([sys.executable, "-m", "pytest"], "pytest", pytest=True)


def custom(command: str) -> Plan:
    """A command of the person's; when it runs pytest, failures are traced to files too."""
    words = shlex.split(command)
    runs_pytest = any(Path(word).name == "pytest" for word in words)  # pytest, -m pytest
    return Plan(words, command, pytest=runs_pytest)


def _is_test_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return pure.suffix == ".py" and (
        pure.name.startswith("test_") or pure.stem.endswith("_test") or pure.name == "conftest.py"
    )


@dataclass
class Outcome:
    phase: CheckResult
    files: dict[str, list[CheckResult]] = field(default_factory=dict)


def environment(root: Path, database_url: str | None) -> dict[str, str]:
    """Ours minus credentials and pytest's own variables, plus the scratch tree on the path
    and the throwaway database (as DATABASE_URL and TEST_DATABASE_URL: suites read either)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not _SECRET_ENV.search(key) and not key.startswith(("PYTEST_", "ANTHROPIC_", "COV_"))
    }
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (root / "src", root) if p.is_dir())
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if database_url:
        env["DATABASE_URL"] = env["TEST_DATABASE_URL"] = database_url
    return env


def run(
    root: Path,
    plan: Plan,
    *,
    database_url: str | None,
    timeout: float,
    cancel: threading.Event,
) -> Generator[str, None, Outcome]:
    """Yield the output line by line; return what it means."""
    command = list(plan.command)
    junit = root.parent / f"{root.name}-junit.xml"
    if plan.pytest:
        command += [
            "-q",
            "-rfE",
            "--tb=short",
            "--color=no",
            "-p",
            "no:cacheprovider",
            f"--junitxml={junit}",
            "-o",
            "junit_family=xunit1",
            f"--rootdir={root}",
        ]
    try:
        finished = yield from process.stream(
            command,
            cwd=root,
            env=environment(root, database_url),
            timeout=timeout,
            cancel=cancel,
        )
        if finished.error is not None:
            return Outcome(
                CheckResult(check=CHECK, status="fail", message=f"{plan.label}: {finished.error}")
            )
        if finished.stopped == "cancelled":
            return Outcome(
                CheckResult(check=CHECK, status="skipped", message="cancelled by the person")
            )
        if finished.stopped == "timeout":
            return Outcome(
                CheckResult(
                    check=CHECK,
                    status="fail",
                    message=f"{plan.label} timed out after {timeout:.0f} s and was stopped "
                    "(raise the limit with --test-timeout)",
                )
            )
        output, code = finished.output, finished.code
        if plan.pytest:
            return _pytest_outcome(root, plan, junit, code, output, finished.seconds)
        if plan.outcome is not None:
            return plan.outcome(code, output, finished.seconds)
        if code == 0:
            return Outcome(
                CheckResult(check=CHECK, status="pass", message=f"`{plan.label}` passed")
            )
        tail = " | ".join(line.strip() for line in output[-5:] if line.strip())
        return Outcome(
            CheckResult(
                check=CHECK,
                status="fail",
                message=f"`{plan.label}` exited with {code}: {tail}",
            )
        )
    finally:
        junit.unlink(missing_ok=True)


def _pytest_outcome(
    root: Path, plan: Plan, junit: Path, code: int, output: list[str], seconds: float
) -> Outcome:
    cases = _cases(junit)
    failed = [c for c in cases if c["kind"]]
    texts = [c["text"] for c in failed] + output  # a broken conftest is only in the output
    missing = sorted(
        {
            m.group(1).split(".")[0]
            for text in texts
            for m in _MISSING.finditer(text)
            if not _local(root, m.group(1).split(".")[0])
        }
    )
    if code == 5:
        return Outcome(CheckResult(check=CHECK, status="warn", message="pytest collected no tests"))
    real = [c for c in failed if not _MISSING.search(c["text"])]
    if code != 0 and missing and not real and plan.provisioned:
        return Outcome(
            CheckResult(
                check=CHECK,
                status="fail",
                message=f"the suite imports {', '.join(missing)}, which the project's declared "
                "dependencies do not install: add it to pyproject.toml",
            )
        )
    if code != 0 and missing and not real:
        return Outcome(
            CheckResult(
                check=CHECK,
                status="skipped",
                message=f"not run: the suite needs {', '.join(missing)}, not installed for "
                f"{plan.command[0]}: declare them in a pyproject.toml (the check then "
                "installs them in an environment of the project's own), or pass --test-command",
            )
        )
    if code == 0:
        skipped = sum(1 for c in cases if c["skipped"])
        counts = f"{len(cases) - skipped} passed" + (f", {skipped} skipped" if skipped else "")
        return Outcome(
            CheckResult(check=CHECK, status="pass", message=f"{counts} in {seconds:.1f} s")
        )
    files: dict[str, list[CheckResult]] = {}
    for case in failed:
        path, line = case["file"], case["line"]
        files.setdefault(path, []).append(
            CheckResult(
                check=CHECK,
                status="fail",
                message=f"{case['name']} {'failed' if case['kind'] == 'failure' else 'errored'}: "
                f"{case['message']}",
                line=line,
            )
        )
    summary = next(
        (ln.strip(" =") for ln in reversed(output) if re.search(r"\d+ (failed|error)", ln)),
        None,
    )
    if summary is None:
        tail = " | ".join(line.strip() for line in output[-3:] if line.strip())
        summary = f"pytest exited with {code}: {tail}"
    return Outcome(CheckResult(check=CHECK, status="fail", message=summary), files)


def _local(root: Path, module: str) -> bool:
    return any(
        (base / module).exists() or (base / f"{module}.py").exists()
        for base in (root, root / "src")
    )


def _cases(junit: Path) -> list[dict]:
    try:
        tree = ElementTree.parse(junit)
    except (OSError, ElementTree.ParseError):
        return []
    cases = []
    for case in tree.iter("testcase"):
        problem = case.find("failure")
        if problem is None:
            problem = case.find("error")
        file = case.get("file") or ""
        text = (problem.text or "") if problem is not None else ""
        lines = re.findall(rf"^{re.escape(file)}:(\d+):", text, re.MULTILINE) if file else []
        declared = case.get("line")
        line = int(lines[-1]) if lines else (int(declared) + 1 if declared else None)
        message = (problem.get("message") or "").strip().splitlines() if problem is not None else []
        cases.append(
            {
                "name": case.get("name", "?"),
                "file": file,
                "line": line,
                "kind": problem.tag if problem is not None else None,
                "message": (message[0] if message else "")[:300],
                "text": text,
                "skipped": case.find("skipped") is not None,
            }
        )
    return cases
