"""Only the wizard imports textual: the engine, CLI and providers start without it."""

from __future__ import annotations

import subprocess
import sys

MODULES = (
    "backend_agent.engine",
    "backend_agent.engine.report",
    "backend_agent.engine.handoff",
    "backend_agent.cli",
    "backend_agent.providers",
    "backend_agent.providers.offline",
    "backend_agent.core.diff",
    "backend_agent.settings",
    "backend_agent.demo",
)


def test_nothing_outside_ui_imports_textual():
    code = (
        "import sys\n"
        + "".join(f"import {name}\n" for name in MODULES)
        + "from backend_agent.cli.parser import build_parser\nbuild_parser()\n"
        + "loaded = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(','.join(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""


def test_the_wizard_module_does_not_load_the_engine_before_the_first_screen():
    code = (
        "import sys\nimport backend_agent.ui.app\n"
        "heavy = [m for m in ('backend_agent.engine', 'pydantic', 'anthropic', 'git', 'pglast')"
        " if m in sys.modules]\nprint(','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""
