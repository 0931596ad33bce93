"""Environments for generated services, shared by every test (and test worker) that needs
one with the same dependencies, and kept between runs.

A generated service runs from its own folder (`python -m app.serve`, `python -m pytest`
with that folder as the working directory), so an environment needs only the service's
declared dependencies — every extra included — not the service itself. That packaging works
is proved separately and cheaply by building its wheel.
"""

from __future__ import annotations

import fcntl
import hashlib
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(tempfile.gettempdir()) / "backend-agent-service-envs"
INSTALL_TIMEOUT = 900


def requirements(service: Path) -> list[str]:
    """Every dependency the service declares (base and all extras), and its build backend."""
    project = tomllib.loads((service / "pyproject.toml").read_text())
    declared = list(project["project"]["dependencies"])
    for extra in project["project"].get("optional-dependencies", {}).values():
        declared += extra
    declared += project["build-system"]["requires"]
    return sorted(set(declared))


def python_for(service: Path) -> Path:
    """The interpreter of an environment holding `requirements(service)`, made on first use."""
    wanted = requirements(service)
    key = hashlib.sha256("\n".join([sys.version, *wanted]).encode()).hexdigest()[:16]
    ROOT.mkdir(parents=True, exist_ok=True)
    target = ROOT / key
    python = target / "bin" / "python"
    with (ROOT / f"{key}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (target / ".complete").exists():
            return python
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(python),
                "install",
                "--quiet",
                "--disable-pip-version-check",
                *wanted,
            ],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                "installing " + " ".join(wanted) + " failed:\n" + result.stderr[-3000:]
            )
        (target / ".complete").write_text("\n".join(wanted) + "\n")
    return python


def build_wheel(service: Path, python: Path, out: Path) -> Path:
    """The service packaged as a wheel by its own build backend (proves it installs)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            str(out),
            str(service),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    wheels = list(out.glob("*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]
