"""The Node.js toolchain for a TypeScript project: node and npm from PATH, the project's
dependencies installed once into a cache keyed by its package.json, then `tsc --noEmit`,
the project's lint and vitest — each reported per file where the tool names file:line:col.

The cache folder holds package.json, the lock npm made from it (`npm install` the first
time; `npm ci` from that lock when the folder must be filled again) and node_modules, which
the scratch tree gets as a symlink. A project that brings its own lock is installed with
`npm ci` and keyed by both files. Nothing here runs the project's install scripts with more
than npm's own defaults allow.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from ..core.checks import CheckResult

NODE_MINIMUM = (20, 19)
INSTALL_TIMEOUT = 900.0
TOOL_TIMEOUT = 300.0
WHAT_TO_INSTALL = (
    "install Node.js 20.19+ (or 22) with npm — e.g. `apt-get install nodejs npm` on "
    "Debian/Ubuntu, or from https://nodejs.org"
)
_TSC = re.compile(
    r"^(?P<file>[^\s(][^(]*)\((?P<line>\d+),(?P<col>\d+)\): (?P<kind>error|warning) (?P<text>.*)$"
)
_UNIX = re.compile(r"^(?P<file>[^:\s][^:]*):(?P<line>\d+):(?P<col>\d+): (?P<text>.*)$")
_STACK = re.compile(r"(?P<file>[^\s()]+\.[cm]?[jt]sx?):(?P<line>\d+):(?P<col>\d+)")


@dataclass(frozen=True)
class Toolchain:
    node: str
    npm: str
    version: tuple[int, int, int]


def toolchain() -> tuple[Toolchain | None, str]:
    """node and npm from PATH, or None and what is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        missing = " and ".join(n for n, p in (("node", node), ("npm", npm)) if not p)
        return None, f"not run: {missing} not found on PATH; {WHAT_TO_INSTALL}"
    try:
        out = subprocess.run(
            [node, "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        version = tuple(int(x) for x in out.strip().lstrip("v").split(".")[:3])
    except (OSError, subprocess.SubprocessError, ValueError) as error:
        return None, f"not run: `node --version` failed ({error}); {WHAT_TO_INSTALL}"
    if version[:2] < NODE_MINIMUM:
        shown = ".".join(map(str, version))
        return (
            None,
            f"not run: Node.js {shown} is too old for the project's tools; {WHAT_TO_INSTALL}",
        )
    return Toolchain(node, npm, version), ""  # type: ignore[arg-type]


def cache_root() -> Path:
    """Where installed dependencies are kept between runs (BACKEND_AGENT_CACHE_DIR wins)."""
    configured = os.environ.get("BACKEND_AGENT_CACHE_DIR")
    if configured:
        return Path(configured) / "node"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("backend-agent")) / "node"


# Fields of package.json that cannot change what `npm install` puts in node_modules: two
# projects that differ only in these share one installed folder.
_METADATA = ("name", "description", "version", "author", "license", "keywords", "homepage")


def cache_key(package_json: bytes, lock: bytes | None) -> str:
    try:
        document = json.loads(package_json)
    except ValueError:
        document = None
    if isinstance(document, dict):
        kept = {k: v for k, v in document.items() if k not in _METADATA}
        package_json = json.dumps(kept, sort_keys=True).encode()
    digest = hashlib.sha256(package_json)
    if lock is not None:
        digest.update(b"\0lock\0" + lock)
    return digest.hexdigest()[:20]


@dataclass(frozen=True)
class Installed:
    folder: Path
    how: str
    """cached | npm install | npm ci"""
    seconds: float


class InstallFailed(Exception):
    pass


def _npm_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("npm_config_", "NPM_"))}
    env.update(
        {
            "npm_config_audit": "false",
            "npm_config_fund": "false",
            "npm_config_update_notifier": "false",
        }
    )
    return env


def install(root: Path, tools: Toolchain, root_cache: Path | None = None) -> Installed:
    """The project's node_modules, from the cache or installed into it; linked into `root`."""
    package = (root / "package.json").read_bytes()
    lock_file = root / "package-lock.json"
    lock = lock_file.read_bytes() if lock_file.is_file() else None
    folder = (root_cache or cache_root()) / cache_key(package, lock)
    folder.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with open(folder / ".lock", "w") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)  # one install per key, however many checks run
        done = folder / ".installed"
        if done.exists() and (folder / "node_modules").is_dir():
            how = "cached"
        else:
            shutil.rmtree(folder / "node_modules", ignore_errors=True)
            if not (folder / "package.json").is_file():  # a refill keeps the one its lock fits
                (folder / "package.json").write_bytes(package)
            if lock is not None:
                (folder / "package-lock.json").write_bytes(lock)
            how = "npm ci" if (folder / "package-lock.json").is_file() else "npm install"
            command = [tools.npm, "ci" if how == "npm ci" else "install", "--no-audit", "--no-fund"]
            try:
                result = subprocess.run(
                    command,
                    cwd=folder,
                    env=_npm_env(),
                    capture_output=True,
                    text=True,
                    timeout=INSTALL_TIMEOUT,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired as error:
                raise InstallFailed(f"`{how}` took longer than {INSTALL_TIMEOUT:.0f} s") from error
            if result.returncode != 0:
                tail = " | ".join(line for line in result.stderr.strip().splitlines()[-4:] if line)
                raise InstallFailed(f"`{how}` exited with {result.returncode}: {tail}")
            done.write_text(json.dumps({"how": how, "seconds": time.monotonic() - started}))
    link = root / "node_modules"
    if link.is_symlink() or link.exists():
        if link.is_dir() and not link.is_symlink():
            shutil.rmtree(link)
        else:
            link.unlink()
    link.symlink_to(folder / "node_modules", target_is_directory=True)
    return Installed(folder, how, time.monotonic() - started)


def scripts(root: Path) -> dict[str, str]:
    try:
        document = json.loads((root / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    found = document.get("scripts") if isinstance(document, dict) else None
    return {k: v for k, v in found.items() if isinstance(v, str)} if isinstance(found, dict) else {}


def binary(root: Path, name: str) -> Path | None:
    path = root / "node_modules" / ".bin" / name
    return path if path.exists() else None


def _relative(root: Path, file: str) -> str | None:
    path = Path(file)
    if not path.is_absolute():
        path = root / path
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return None


def _run(
    command: list[str], root: Path, timeout: float = TOOL_TIMEOUT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        cwd=root,
        env=_npm_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def typecheck(root: Path) -> tuple[CheckResult, dict[str, list[CheckResult]]]:
    """`tsc --noEmit` with the project's tsconfig; errors per file and line."""
    tsc = binary(root, "tsc")
    if tsc is None or not (root / "tsconfig.json").is_file():
        what = "typescript is not among its dependencies" if tsc is None else "no tsconfig.json"
        return CheckResult(check="typescript", status="skipped", message=f"not run: {what}"), {}
    try:
        result = _run([str(tsc), "--noEmit", "-p", "tsconfig.json", "--pretty", "false"], root)
    except subprocess.TimeoutExpired:
        return CheckResult(check="typescript", status="fail", message="tsc timed out"), {}
    files: dict[str, list[CheckResult]] = {}
    for line in result.stdout.splitlines():
        match = _TSC.match(line.strip())
        if not match:
            continue
        path = _relative(root, match["file"])
        if path is None:
            continue
        files.setdefault(path, []).append(
            CheckResult(
                check="typescript",
                status="fail" if match["kind"] == "error" else "warn",
                message=match["text"],
                line=int(match["line"]),
                column=int(match["col"]),
            )
        )
    count = sum(len(v) for v in files.values())
    if result.returncode == 0:
        return CheckResult(
            check="typescript", status="pass", message="tsc --noEmit: no errors"
        ), files
    message = f"tsc --noEmit: {count} error{'s' * (count != 1)} in {len(files)} file{'s' * (len(files) != 1)}"
    if not files:
        message = "tsc --noEmit failed: " + " | ".join(result.stdout.strip().splitlines()[-3:])
    return CheckResult(check="typescript", status="fail", message=message), files


def lint(root: Path, tools: Toolchain) -> tuple[CheckResult | None, dict[str, list[CheckResult]]]:
    """The project's own `npm run lint`, if it has one. ESLint is asked for its JSON report;
    any other linter's `file:line:col: message` lines are read as they come."""
    script = scripts(root).get("lint")
    if script is None:
        return None, {}
    eslint = script.strip().startswith("eslint")
    command = [
        tools.npm,
        "run",
        "--silent",
        "lint",
        *(["--", "--format", "json"] if eslint else []),
    ]
    try:
        result = _run(command, root)
    except subprocess.TimeoutExpired:
        return CheckResult(check="lint", status="fail", message="`npm run lint` timed out"), {}
    findings = _eslint_findings(root, result.stdout) if eslint else None
    if findings is None:
        findings = _line_findings(root, result.stdout + "\n" + result.stderr)
    files: dict[str, list[CheckResult]] = {}
    for path, found in findings:
        files.setdefault(path, []).append(found)
    count = sum(len(v) for v in files.values())
    if result.returncode == 0:
        note = f" ({count} warning{'s' * (count != 1)})" if count else ""
        return CheckResult(check="lint", status="pass", message=f"`{script}`: clean{note}"), files
    if count:
        return CheckResult(
            check="lint", status="fail", message=f"`{script}`: {count} finding{'s' * (count != 1)}"
        ), files
    tail = " | ".join((result.stderr or result.stdout).strip().splitlines()[-2:])
    return CheckResult(check="lint", status="fail", message=f"`{script}` failed: {tail}"), files


def _eslint_findings(root: Path, stdout: str) -> list[tuple[str, CheckResult]] | None:
    try:
        report = json.loads(stdout)
    except ValueError:
        return None
    out = []
    for entry in report if isinstance(report, list) else []:
        path = _relative(root, str(entry.get("filePath", "")))
        for message in entry.get("messages", []) if path else []:
            rule = message.get("ruleId")
            out.append(
                (
                    path,
                    CheckResult(
                        check="lint",
                        status="fail" if message.get("severity") == 2 else "warn",
                        message=str(message.get("message", "")) + (f" [{rule}]" if rule else ""),
                        line=message.get("line"),
                        column=message.get("column"),
                    ),
                )
            )
    return out


def _line_findings(root: Path, text: str) -> list[tuple[str, CheckResult]]:
    out = []
    for line in text.splitlines():
        match = _UNIX.match(line.strip())
        path = _relative(root, match["file"]) if match else None
        if match and path:
            found = CheckResult(
                check="lint",
                status="fail",
                message=match["text"],
                line=int(match["line"]),
                column=int(match["col"]),
            )
            out.append((path, found))
    return out


def vitest_command(root: Path, report: Path) -> list[str] | None:
    vitest = binary(root, "vitest")
    if vitest is None:
        return None
    return [
        str(vitest),
        "run",
        "--reporter=default",
        "--reporter=json",
        f"--outputFile.json={report}",
        "--color=false",
    ]


def vitest_outcome(
    root: Path, report: Path, code: int, seconds: float
) -> tuple[CheckResult, dict[str, list[CheckResult]]]:
    """What a vitest run means, from its JSON report: failures traced to test file and line."""
    try:
        data = json.loads(report.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = None
    if not isinstance(data, dict):
        return CheckResult(
            check="tests", status="fail", message=f"vitest exited with {code} and wrote no report"
        ), {}
    files: dict[str, list[CheckResult]] = {}
    for suite in data.get("testResults", []):
        path = _relative(root, str(suite.get("name", ""))) or str(suite.get("name", ""))
        failed = [a for a in suite.get("assertionResults", []) if a.get("status") == "failed"]
        for case in failed:
            text = "\n".join(case.get("failureMessages") or [])
            line, column = _where(root, path, text, case.get("location"))
            first = next((x for x in text.splitlines() if x.strip()), "")
            files.setdefault(path, []).append(
                CheckResult(
                    check="tests",
                    status="fail",
                    message=f"{case.get('fullName') or case.get('title')} failed: {first}"[:400],
                    line=line,
                    column=column,
                )
            )
        if suite.get("status") == "failed" and not failed:
            message = (suite.get("message") or "the file failed to run").strip().splitlines()
            files.setdefault(path, []).append(
                CheckResult(
                    check="tests", status="fail", message=(message[0] if message else "")[:400]
                )
            )
    passed = int(data.get("numPassedTests", 0))
    skipped = int(data.get("numPendingTests", 0)) + int(data.get("numTodoTests", 0))
    failed_count = int(data.get("numFailedTests", 0))
    if code == 0 and not files:
        note = f", {skipped} skipped" if skipped else ""
        return CheckResult(
            check="tests", status="pass", message=f"{passed} passed{note} in {seconds:.1f} s"
        ), files
    broken = int(data.get("numFailedTestSuites", 0))
    message = f"{failed_count} failed, {passed} passed" + (
        f" ({broken} file{'s' * (broken != 1)} failed)" if broken else ""
    )
    return CheckResult(check="tests", status="fail", message=message), files


def _where(root: Path, path: str, text: str, location: object) -> tuple[int | None, int | None]:
    for match in _STACK.finditer(text):
        if _relative(root, match["file"].removeprefix("file://")) == path:
            return int(match["line"]), int(match["col"])
    if isinstance(location, dict) and "line" in location:
        return int(location["line"]), int(location.get("column") or 0) or None
    return None, None
