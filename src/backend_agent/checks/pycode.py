"""Python files compile (a syntax error fails the file) and pass ruff.

Compiling never runs the code. ruff's pyflakes findings (the F rules: undefined names,
unused or shadowed definitions) and E9 (the file cannot be read or parsed) mean the code
is broken: they fail the file, whatever the project's own rule selection, so fix rounds get
them. Every other finding is style and warns. ruff ships with backend-agent; should its
binary still be missing, the check says so instead of passing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections import defaultdict
from pathlib import Path

from ..core.checks import CheckResult

RUFF_TIMEOUT = 60
BROKEN = ("F", "E9")
"""Rule prefixes that mean the code does not work as written."""


def compile_check(path: str, content: str) -> list[CheckResult]:
    try:
        compile(content, path, "exec", dont_inherit=True)
    except SyntaxError as error:
        return [
            CheckResult(
                check="python.compile",
                status="fail",
                message=f"{type(error).__name__}: {error.msg}",
                line=error.lineno,
                column=error.offset,
            )
        ]
    except (ValueError, RecursionError, MemoryError) as error:
        return [CheckResult(check="python.compile", status="fail", message=str(error))]
    return [CheckResult(check="python.compile", status="pass", message="compiles")]


def ruff_binary() -> str | None:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-not-found]

        return str(find_ruff_bin())
    except (ImportError, FileNotFoundError):
        return shutil.which("ruff")


def ruff_check(root: Path, paths: list[str]) -> dict[str, list[CheckResult]]:
    """ruff's findings per file, run in the scratch tree so the project's own ruff config
    applies (with the BROKEN rules always on). Syntax errors are left to `compile_check`."""
    binary = ruff_binary()
    if binary is None:
        note = CheckResult(
            check="python.ruff", status="skipped", message="ruff not installed: style not checked"
        )
        return {path: [note] for path in paths}
    try:
        result = subprocess.run(
            [
                binary,
                "check",
                "--output-format=json",
                "--no-cache",
                "--exit-zero",
                f"--extend-select={','.join(BROKEN)}",
                *paths,
            ],
            cwd=root,
            capture_output=True,
            text=True,
            timeout=RUFF_TIMEOUT,
        )
        findings = json.loads(result.stdout or "[]")
    except (subprocess.TimeoutExpired, json.JSONDecodeError, OSError) as error:
        note = CheckResult(check="python.ruff", status="skipped", message=f"ruff failed: {error}")
        return {path: [note] for path in paths}
    if result.returncode != 0:
        message = (result.stderr.strip().splitlines() or ["no message"])[-1]
        note = CheckResult(check="python.ruff", status="skipped", message=f"ruff: {message}")
        return {path: [note] for path in paths}
    found: dict[str, list[CheckResult]] = defaultdict(list)
    for finding in findings:
        if finding.get("code") in (None, "invalid-syntax"):
            continue
        name = Path(finding["filename"]).resolve().relative_to(root.resolve()).as_posix()
        location = finding.get("location") or {}
        found[name].append(
            CheckResult(
                check="python.ruff",
                status="fail" if finding["code"].startswith(BROKEN) else "warn",
                message=f"{finding['code']} {finding['message']}",
                line=location.get("row"),
                column=location.get("column"),
            )
        )
    return {
        path: found.get(path)
        or [CheckResult(check="python.ruff", status="pass", message="ruff: no findings")]
        for path in paths
    }
