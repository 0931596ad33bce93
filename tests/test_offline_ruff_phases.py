"""The offline generator's output is free of broken-code findings (ruff F, E9) after every
phase, not only after the last: each phase is committed and checked on its own."""

from __future__ import annotations

import json
import subprocess

import pytest

from backend_agent.checks.pycode import BROKEN, ruff_binary
from backend_agent.core.phases import PHASES

from .offline_service_support import ALL, Branch, brief, commit, propose, write


@pytest.mark.parametrize("name", ALL)
def test_every_phase_leaves_no_broken_code_findings(tmp_path, name):
    the_brief, branch = brief(name), Branch()
    for number, p in enumerate(PHASES, 1):
        commit(branch, propose(the_brief, p.id, branch))
        if not any(path.endswith(".py") for path in branch.content):
            continue
        root = write(branch.content, tmp_path / f"phase{number}")
        result = subprocess.run(
            [
                ruff_binary(),
                "check",
                "--no-cache",
                "--output-format=json",
                "--exit-zero",
                f"--select={','.join(BROKEN)}",
                ".",
            ],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        )
        found = [
            f"{f['filename']}:{f['location']['row']} {f['code']} {f['message']}"
            for f in json.loads(result.stdout)
        ]
        assert not found, f"after phase {number} ({p.id}): {found}"
