"""The wheel carries its skills, styles and examples, and the installed app finds them."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

from .conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("backend_agent-*.whl")
    return built


def test_wheel_contains_skills_styles_and_examples(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "backend_agent/_data/skills/supabase-postgres/SKILL.md" in names
    assert any(n.startswith("backend_agent/_data/styles/") and n.endswith(".tcss") for n in names)
    assert "backend_agent/_data/examples/bookmarks.toml" in names
    assert "backend_agent/_data/docs/brief.md" in names  # the brief format drafting sends
    # The offline generator's templates for the generated service, every phase.
    templates = "backend_agent/providers/offline/service/templates/"
    for name in ("db.py.tmpl", "infra/cache.py.tmpl", "hardening/metrics.py.tmpl"):
        assert templates + name in names


@pytest.mark.slow
def test_installed_wheel_finds_its_skills_and_styles(wheel, tmp_path):
    target = tmp_path / "fresh"
    venv.create(target, with_pip=True)
    python = target / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    # Dependencies come from the test venv, read-only: its site dir is put on the path
    # without processing its .pth files, so the editable source checkout stays invisible.
    fresh_site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(fresh_site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [
            python,
            "-c",
            "import backend_agent, backend_agent.resources as r;"
            "print(backend_agent.__file__); print(r.data_dir('styles'))",
        ],
        check=True,
        capture_output=True,
        text=True,
        cwd=elsewhere,
    ).stdout.splitlines()
    assert where[0].startswith(str(target)) and where[1].startswith(str(target))
    listing = subprocess.run(
        [target / "bin" / "backend-agent", "skills", "list"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
    )
    assert listing.returncode == 0, listing.stderr
    shipped = sorted(p.name for p in (ROOT / "skills").iterdir() if p.is_dir())
    assert [line.split()[0] for line in listing.stdout.splitlines()] == shipped
    assert all(" built-in " in line for line in listing.stdout.splitlines())
    brief = subprocess.run(
        [target / "bin" / "backend-agent", "brief", "init", "b.toml"],
        capture_output=True,
        text=True,
        cwd=elsewhere,
    )
    assert brief.returncode == 0 and "\n[project]\n" in (elsewhere / "b.toml").read_text()
