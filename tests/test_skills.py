"""Skills: the shipped ones are valid, sources override in order, broken ones are skipped."""

from __future__ import annotations

import pytest

from backend_agent.cli import main
from backend_agent.core.phases import PHASES
from backend_agent.skills import load_skills, validate_folder

from .conftest import ROOT
from .helpers import SKILLS

SHIPPED = sorted(p.name for p in (ROOT / "skills").iterdir() if p.is_dir())


def write_skill(folder, name, description="Use it for tests.", body="# Body\n", extra=""):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "SKILL.md").write_text(
        f"---\nname: {name}\ndescription: {description}\n{extra}---\n{body}"
    )
    return folder


def test_the_ten_skills_ship_and_pass_validate(capsys):
    assert SHIPPED == SKILLS
    assert main(["skills", "validate", str(ROOT / "skills")]) == 0
    assert "10 skill folder(s), 0 finding(s)" in capsys.readouterr().err


def test_every_phase_names_only_skills_that_exist():
    for phase in PHASES:
        assert set(phase.skills) <= set(SHIPPED), phase.id


def test_skills_are_substantial():
    for name in SHIPPED:
        text = (ROOT / "skills" / name / "SKILL.md").read_text()
        body = text.split("---", 2)[2]
        assert 150 <= body.count("\n") < 500, name
        assert "- [ ]" in body, f"{name} has no checklist"
        assert "```" in body, f"{name} has no example"


def test_override_order_builtin_user_claude_then_backend_agent(repo, hermetic):
    user = hermetic / "config" / "skills"
    write_skill(user / "caching", "caching", "User's caching.")
    write_skill(user / "mine", "mine", "Only the user has this.")
    write_skill(repo / ".claude" / "skills" / "caching", "caching", "Repo claude caching.")
    write_skill(repo / ".claude" / "skills" / "auth-patterns", "auth-patterns", "Claude auth.")
    write_skill(
        repo / ".backend-agent" / "skills" / "auth-patterns", "auth-patterns", "Our auth wins."
    )
    found = load_skills(repo)
    assert found.get("caching").description == "Repo claude caching."
    assert found.get("caching").source == "repo .claude"
    assert found.get("auth-patterns").description == "Our auth wins."
    assert found.get("mine").source == "user"
    assert found.get("supabase-postgres").source == "built-in"
    assert found.findings == []


@pytest.mark.parametrize(
    ("name", "kwargs", "rule"),
    [
        ("wrong-folder", {"name": "other"}, "differs from its folder"),
        ("Bad_Name", {"name": "Bad_Name"}, "lower-case letters"),
        ("double--hyphen", {"name": "double--hyphen"}, "single hyphens"),
        ("long-desc", {"description": "x" * 1025}, "limit is 1024"),
        ("no-desc", {"description": "''"}, "non-empty `description`"),
        ("long-body", {"body": "line\n" * 500}, "keep it under 500"),
        ("dead-link", {"body": "[more](references/missing.md)\n"}, "does not resolve"),
        ("odd-key", {"extra": "colour: red\n"}, "unknown front matter key"),
    ],
)
def test_broken_skills_are_reported_with_file_and_rule_and_skipped(repo, name, kwargs, rule):
    folder = repo / ".backend-agent" / "skills" / name
    write_skill(folder, kwargs.pop("name", name), **kwargs)
    found = load_skills(repo)
    assert name not in found.skills and "other" not in found.skills
    (finding,) = found.findings
    assert finding.path == folder / "SKILL.md" and rule in finding.rule
    assert len(found.skills) == len(SHIPPED)  # the rest still load


def test_front_matter_that_is_not_yaml(tmp_path):
    folder = tmp_path / "broken"
    folder.mkdir()
    (folder / "SKILL.md").write_text("---\nname: [unclosed\n---\nbody\n")
    skill, findings = validate_folder(folder)
    assert skill is None and "not valid YAML" in findings[0].rule


def test_validate_command_exits_1_with_findings(tmp_path, capsys):
    write_skill(tmp_path / "ok", "ok")
    write_skill(tmp_path / "bad", "nope")
    assert main(["skills", "validate", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "bad/SKILL.md: name 'nope' differs from its folder 'bad'" in out


def test_export_round_trips(repo, tmp_path, capsys):
    target = tmp_path / "exported"
    assert main(["skills", "export", "--to", str(target), "--repo", str(repo)]) == 0
    assert sorted(p.name for p in target.iterdir()) == SHIPPED
    for name in SHIPPED:
        for source in (ROOT / "skills" / name).rglob("*"):
            if source.is_file():
                copy = target / name / source.relative_to(ROOT / "skills" / name)
                assert copy.read_bytes() == source.read_bytes()
    assert main(["skills", "validate", str(target)]) == 0


def test_list_and_show(repo, capsys):
    assert main(["skills", "list", "--repo", str(repo)]) == 0
    lines = capsys.readouterr().out.splitlines()
    supabase = next(line for line in lines if line.startswith("supabase-postgres"))
    assert "built-in" in supabase and "phases 2 " in supabase
    assert main(["skills", "show", "caching", "--repo", str(repo)]) == 0
    assert capsys.readouterr().out.startswith("---\nname: caching\n")
    assert main(["skills", "show", "nope", "--repo", str(repo)]) == 2


def test_turning_a_skill_off_is_remembered_by_the_build(repo):
    from backend_agent.engine import BuildSession

    from .helpers import start

    with start(repo) as session:
        session.set_skill_enabled("caching", False)
        session.set_skill_enabled("rate-limiting", False)
        session.set_skill_enabled("rate-limiting", True)
    with BuildSession.open(repo) as again:
        assert again.state.disabled_skills == ["caching"]
        request = again._request(again.phase, None, None)
        assert request.disabled_skills == frozenset({"caching"})
