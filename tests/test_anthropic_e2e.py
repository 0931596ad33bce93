"""The whole Claude path against the simulated Claude with the default model: a brief drafted
from a sentence, then a six-phase build approved by its checks, with one fault injected per
phase — each found (by the loop or by the checks) and fixed inside the conversation — and
the generated suite passing in phases 3-6."""

from __future__ import annotations

import json

import pytest

from backend_agent.cli import main
from backend_agent.providers.anthropic import DEFAULT_MODEL

from .conftest import EXAMPLES, git
from .fakes.builds import asked_phase
from .fakes.claude import SimulatedClaude

FAULTS = {
    "architecture": "cut",
    "data-model": "sql",
    "service-layer": "name",
    "infrastructure": "test",
    "hardening": "stale",
    "documentation": "duplicate",
}


def said_to(fake, phase_id: str) -> str:
    """Everything the user turns of a phase's requests said, results included."""
    return "\n".join(
        text
        for r in fake.requests
        if r.body["tools"][0].get("name") != "submit_brief" and asked_phase(r) == phase_id
        for text in r.user_texts()
    )


def test_new_drafts_a_brief_that_brief_check_accepts(repo, fake_anthropic, tmp_path, capsys):
    fake_anthropic.handler = SimulatedClaude(repo)
    target = tmp_path / "b.toml"
    sentence = "build a backend for a dog-walking marketplace"
    assert main(["new", sentence, "--brief-out", str(target)]) == 0
    assert main(["brief", "check", str(target)]) == 0
    assert "valid (" in capsys.readouterr().err
    (request,) = fake_anthropic.requests
    assert request.body["model"] == DEFAULT_MODEL and "tool_choice" not in request.body


@pytest.mark.slow
def test_a_six_phase_build_with_a_fault_per_phase_is_fixed_inside_the_loop(
    repo, fake_anthropic, pg_env, capsys
):
    fake_anthropic.handler = SimulatedClaude(repo, faults=FAULTS)
    brief = str(EXAMPLES / "bookmarks.toml")
    code = main(["build", "--brief", brief, "--repo", str(repo), "--approve", "checks", "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    report = json.loads(out)
    assert [p["status"] for p in report["phases"]] == ["committed"] * 6
    assert {r.body["model"] for r in fake_anthropic.requests} == {DEFAULT_MODEL}
    # phase 1: an answer cut at max_tokens went on, nothing of it lost
    assert "reached the output limit" in said_to(fake_anthropic, "architecture")
    # phases 2-4: the checks found the fault and the fix round sent it back in the loop
    for phase_id, where in (
        ("data-model", "migrations/0001_init.sql:"),
        ("service-layer", "[python.ruff]"),
        ("infrastructure", "[tests]"),
    ):
        text = said_to(fake_anthropic, phase_id)
        assert "# The checks found problems" in text and where in text, phase_id
    # phase 5: a str_replace of text not in the file was refused and done again
    assert "old_str was not found in" in said_to(fake_anthropic, "hardening")
    # phase 6: a duplicate create replaced the first one
    assert "replaces the version you wrote earlier" in said_to(fake_anthropic, "documentation")
    tree = git(repo, "ls-tree", "-r", "--name-only", "backend-agent/bookmarks").split()
    committed = {p: git(repo, "show", f"backend-agent/bookmarks:{p}") for p in tree}
    assert not any("'maybe'" in t or "titlecase(" in t or "== 3\n" in t for t in committed.values())
    for phase in report["phases"][2:]:
        tests = next(c for c in phase["checks"] if c["check"] == "tests")
        assert tests["status"] == "pass", (phase["id"], tests)
