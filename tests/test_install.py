"""`install` and `uninstall`: the backend agent in Claude Code and Cursor, in a scratch repo
and a scratch $HOME, run as a person runs them (the real command line, in a process)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path

import pytest
import yaml

from backend_agent.core.intent import TRIGGER_PHRASES, read_intent
from backend_agent.core.phases import PHASES

from .helpers import SKILLS, run_cli, user_view

# The front matter keys each tool documents (sources in integrations/targets.py).
CLAUDE_KEYS = {
    "name",
    "description",
    "tools",
    "disallowedTools",
    "model",
    "permissionMode",
    "maxTurns",
    "skills",
    "mcpServers",
    "hooks",
    "memory",
    "background",
    "effort",
    "isolation",
    "color",
}
CLAUDE_TOOLS = {"Read", "Write", "Edit", "MultiEdit", "Bash", "Glob", "Grep", "WebFetch"}
CLAUDE_MODELS = {"inherit", "sonnet", "opus", "haiku"}
CURSOR_KEYS = {"name", "description", "model", "readonly", "is_background"}
RULE_KEYS = {"description", "globs", "alwaysApply"}


def parse(path: Path) -> tuple[dict, str]:
    """Front matter (YAML between the first two `---` lines) and body, as the tools read it."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n"), f"{path} has no front matter"
    head, _, body = text[4:].partition("\n---\n")
    meta = yaml.safe_load(head)
    assert isinstance(meta, dict)
    return meta, body


def table_skills(body: str) -> dict[str, list[str]]:
    """Phase id → the skills its row of the phase table names."""
    rows = {}
    for line in body.splitlines():
        match = re.match(r"^\| (\d) \| `([a-z-]+)` \|", line)
        if match:
            rows[match.group(2)] = re.findall(r"`([a-z0-9-]+)`", line.split("|")[-2])
    return rows


def tree(root: Path) -> dict[str, str | None]:
    """Every file (by hash) and folder under `root` but .git: what byte-identical means."""
    found: dict[str, str | None] = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] == ".git":
            continue
        found[relative.as_posix()] = (
            hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None
        )
    return found


def install(*args: str, home: Path | None = None):
    env = {**os.environ, "HOME": str(home)} if home else None
    return run_cli(*args, env=env)


def assert_trigger_phrases(description: str) -> None:
    for phrase in TRIGGER_PHRASES:
        assert f'"{phrase} …"' in description, phrase


def assert_skills_installed_and_valid(skills: Path, named: set[str]) -> None:
    assert named == set(SKILLS)
    for name in named:
        assert (skills / name / "SKILL.md").is_file(), name
    validated = run_cli("skills", "validate", str(skills))
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert f"{len(SKILLS)} skill folder(s), 0 finding(s)" in validated.stderr


def test_trigger_phrases_are_sentences_backend_agent_understands():
    scopes = {p: read_intent(f"{p} a dog-walking marketplace") for p in TRIGGER_PHRASES}
    assert {p for p, i in scopes.items() if i.scope == "architecture"} == {
        "design the architecture for"
    }
    assert scopes["create a microservice for"].architecture == "microservices"
    assert all(i.subject == "a dog-walking marketplace" for i in scopes.values())


def test_claude_code_install_into_a_project(repo):
    done = install("install", "claude-code", "--repo", str(repo))
    assert done.returncode == 0, done.stderr
    agent = repo / ".claude" / "agents" / "backend.md"
    meta, body = parse(agent)
    assert {"name", "description"} <= set(meta) <= CLAUDE_KEYS
    assert meta["name"] == "backend" and meta["model"] in CLAUDE_MODELS
    tools = [t.strip() for t in meta["tools"].split(",")]  # a comma-separated string
    assert set(tools) <= CLAUDE_TOOLS and {"Read", "Write", "Edit", "Bash"} <= set(tools)
    assert_trigger_phrases(meta["description"])
    # The body: six phases with their skills, the gates, the checks command.
    rows = table_skills(body)
    assert list(rows) == [p.id for p in PHASES]
    for phase in PHASES:
        assert rows[phase.id] == list(phase.skills)
    assert set(meta["skills"]) <= set(SKILLS)
    assert "`.claude/skills/<skill>/SKILL.md`" in body
    for gate in (
        "**Stop for the review.**",
        "Do not commit and do not start the next phase until they answer",
        "backend-agent/<project name>",
        "`backend-agent check .`",
        "Backend-Agent-Phase: <phase id>",
        "Never change a migration that is already committed",
        "MADR",
        "[[entities]]",  # the brief format
    ):
        assert gate in body, gate
    named = set(meta["skills"]) | {s for names in rows.values() for s in names}
    assert_skills_installed_and_valid(repo / ".claude" / "skills", named)
    assert "10 skills in .claude/skills, all valid" in done.stderr


def test_cursor_install_into_a_project_from_a_subfolder(repo):
    (repo / "src").mkdir()
    done = run_cli("install", "cursor", cwd=repo / "src")
    assert done.returncode == 0, done.stderr
    assert not (repo / "src" / ".cursor").exists()  # the repository's root, not the cwd
    meta, body = parse(repo / ".cursor" / "agents" / "backend.md")
    assert {"name", "description"} <= set(meta) <= CURSOR_KEYS
    assert meta["name"] == "backend" and meta["readonly"] is False
    assert meta["is_background"] is False and meta["model"] == "inherit"
    assert_trigger_phrases(meta["description"])
    rule, rule_body = parse(repo / ".cursor" / "rules" / "backend-agent.mdc")
    assert set(rule) == RULE_KEYS and rule["alwaysApply"] is False and rule["globs"] is None
    assert_trigger_phrases(rule["description"])
    assert "`.cursor/agents/backend.md`" in rule_body
    rows = table_skills(body)
    assert "`.cursor/skills/<skill>/SKILL.md`" in body
    named = {s for names in rows.values() for s in names}
    assert_skills_installed_and_valid(repo / ".cursor" / "skills", named)


@pytest.mark.parametrize("tool,folder", [("claude-code", ".claude"), ("cursor", ".cursor")])
def test_global_install_into_home_and_back_out(tmp_path, repo, tool, folder):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("# the person's\n")
    before, repo_before = tree(home), user_view(repo)
    done = install("install", tool, "--global", home=home)
    assert done.returncode == 0, done.stderr
    meta, body = parse(home / folder / "agents" / "backend.md")
    assert meta["name"] == "backend"
    assert_trigger_phrases(meta["description"])
    # A global agent opens its skills by absolute path: it runs in any project.
    assert f"`{home / folder / 'skills'}/<skill>/SKILL.md`" in body
    assert not (home / folder / "rules").exists()  # Cursor keeps user rules in its settings
    named = set(meta.get("skills", [])) | {s for v in table_skills(body).values() for s in v}
    assert_skills_installed_and_valid(home / folder / "skills", named)
    assert f"~/{folder}/agents/backend.md" in done.stderr
    assert user_view(repo) == repo_before  # nothing in the project
    gone = install("uninstall", tool, "--global", home=home)
    assert gone.returncode == 0, gone.stderr
    assert tree(home) == before


def test_a_second_install_after_a_hand_edit_refuses_and_shows_the_diff(repo):
    assert install("install", "claude-code", "--repo", str(repo)).returncode == 0
    agent = repo / ".claude" / "agents" / "backend.md"
    skill = repo / ".claude" / "skills" / "caching" / "SKILL.md"
    agent.write_text(agent.read_text().replace("model: inherit", "model: opus"))
    skill.write_text(skill.read_text() + "\nOur team caches for 60 s at most.\n")
    edited = tree(repo)
    for extra in ((), ("--dry-run",)):
        again = install("install", "claude-code", "--repo", str(repo), *extra)
        assert again.returncode == 4, again.stderr
        assert "2 file(s) changed by hand" in again.stderr and "--force" in again.stderr
        out = again.stdout
        assert "CHANGED  .claude/agents/backend.md  (changed by hand" in out
        assert "--- a/.claude/agents/backend.md\n+++ b/.claude/agents/backend.md\n" in out
        assert "-model: opus\n+model: inherit\n" in out
        assert "-Our team caches for 60 s at most.\n" in out
        assert tree(repo) == edited  # nothing written
    forced = install("install", "claude-code", "--repo", str(repo), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "replace  .claude/agents/backend.md" in forced.stdout
    assert "model: inherit" in agent.read_text()
    assert "60 s" not in skill.read_text()
    unchanged = install("install", "claude-code", "--repo", str(repo))
    assert unchanged.returncode == 0 and "up to date" in unchanged.stderr


def test_uninstall_leaves_the_repo_byte_identical(repo):
    # The person's own things in the same folders: settings, a skill, an agent.
    own = repo / ".claude"
    (own / "skills" / "our-style").mkdir(parents=True)
    (own / "skills" / "our-style" / "SKILL.md").write_text(
        "---\nname: our-style\ndescription: how we write code\n---\nShort functions.\n"
    )
    (own / "agents").mkdir()
    (own / "agents" / "reviewer.md").write_text("---\nname: reviewer\ndescription: d\n---\n")
    (own / "settings.json").write_text('{"permissions": {}}\n')
    before, view = tree(repo), user_view(repo)
    for tool in ("claude-code", "cursor"):
        assert install("install", tool, "--repo", str(repo)).returncode == 0
    assert (own / "agents" / "backend.md").is_file() and (repo / ".cursor").is_dir()
    for tool in ("claude-code", "cursor"):
        gone = install("uninstall", tool, "--repo", str(repo))
        assert gone.returncode == 0, gone.stderr
    assert tree(repo) == before
    assert user_view(repo) == view
    again = install("uninstall", "cursor", "--repo", str(repo))
    assert again.returncode == 0 and "nothing to do" in again.stderr


def test_uninstall_keeps_a_hand_edited_file_unless_forced(repo):
    before = tree(repo)
    assert install("install", "cursor", "--repo", str(repo)).returncode == 0
    rule = repo / ".cursor" / "rules" / "backend-agent.mdc"
    rule.write_text(rule.read_text() + "Also: use our naming.\n")
    installed = tree(repo)
    refused = install("uninstall", "cursor", "--repo", str(repo))
    assert refused.returncode == 4
    assert "CHANGED  .cursor/rules/backend-agent.mdc" in refused.stdout
    assert "+Also: use our naming.\n" in refused.stdout
    assert tree(repo) == installed
    forced = install("uninstall", "cursor", "--repo", str(repo), "--force")
    assert forced.returncode == 0, forced.stderr
    assert tree(repo) == before


def test_a_file_that_was_there_with_our_content_stays_after_uninstall(repo, tmp_path):
    first = tmp_path / "first"  # not a git repository: the folder itself
    first.mkdir()
    assert install("install", "claude-code", "--repo", str(first)).returncode == 0
    # The same skill, copied in by hand (e.g. with `skills export`) before our install.
    source = first / ".claude" / "skills" / "caching"
    copied = repo / ".claude" / "skills" / "caching"
    copied.mkdir(parents=True)
    for path in source.rglob("*"):
        if path.is_file():
            target = copied / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(path.read_bytes())
    before = tree(repo)
    assert install("install", "claude-code", "--repo", str(repo)).returncode == 0
    manifest = json.loads((repo / ".claude" / "backend-agent-install.json").read_text())
    assert "skills/caching/SKILL.md" not in manifest["files"]
    assert install("uninstall", "claude-code", "--repo", str(repo)).returncode == 0
    assert tree(repo) == before


def test_an_upgrade_replaces_what_we_wrote_and_drops_what_we_no_longer_ship(repo):
    assert install("install", "claude-code", "--repo", str(repo)).returncode == 0
    base = repo / ".claude"
    manifest_path = base / "backend-agent-install.json"
    manifest = json.loads(manifest_path.read_text())
    # As an older version would have left it: another agent text, a skill since retired.
    old_agent = b"---\nname: backend\ndescription: an older text\n---\nOld.\n"
    (base / "agents" / "backend.md").write_bytes(old_agent)
    (base / "skills" / "retired").mkdir()
    (base / "skills" / "retired" / "SKILL.md").write_bytes(b"old skill\n")
    manifest["version"] = "0.0.1"
    manifest["files"]["agents/backend.md"] = hashlib.sha256(old_agent).hexdigest()
    manifest["files"]["skills/retired/SKILL.md"] = hashlib.sha256(b"old skill\n").hexdigest()
    manifest["created"].append("skills/retired")
    manifest_path.write_text(json.dumps(manifest))
    upgraded = install("install", "claude-code", "--repo", str(repo))
    assert upgraded.returncode == 0, upgraded.stderr
    assert "update   .claude/agents/backend.md" in upgraded.stdout
    assert "remove   .claude/skills/retired/SKILL.md" in upgraded.stdout
    assert not (base / "skills" / "retired").exists()  # the folder it made, now empty
    assert "description: an older text" not in (base / "agents" / "backend.md").read_text()
    after = json.loads(manifest_path.read_text())
    assert "skills/retired/SKILL.md" not in after["files"] and after["version"] != "0.0.1"
    assert "skills/retired" not in after["created"] and "skills/caching" in after["created"]


def test_a_manifest_pointing_outside_is_refused_and_nothing_is_removed(repo, tmp_path):
    assert install("install", "claude-code", "--repo", str(repo)).returncode == 0
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    manifest_path = repo / ".claude" / "backend-agent-install.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["files"]["../../victim.txt"] = hashlib.sha256(b"keep me\n").hexdigest()
    manifest_path.write_text(json.dumps(manifest))
    before = tree(repo)
    refused = install("uninstall", "claude-code", "--repo", str(repo))
    assert refused.returncode == 2
    assert "is not a manifest backend-agent can read: '..' segments" in refused.stderr
    assert victim.read_text() == "keep me\n" and tree(repo) == before


def test_a_symlinked_folder_is_never_written_through(repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (repo / ".claude").mkdir()
    (repo / ".claude" / "agents").symlink_to(outside)
    refused = install("install", "claude-code", "--repo", str(repo))
    assert refused.returncode == 2
    assert "symbolic link" in refused.stderr
    assert list(outside.iterdir()) == []
    assert not (repo / ".claude" / "skills").exists()


def test_bad_input_is_a_clear_error(repo, tmp_path):
    both = install("install", "cursor", "--global", "--repo", str(repo))
    assert both.returncode == 2 and "--global installs into your home folder" in both.stderr
    missing = install("install", "cursor", "--repo", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    unknown = install("install", "vscode")
    assert unknown.returncode == 2 and "invalid choice: 'vscode'" in unknown.stderr
    (repo / ".cursor").write_text("a file where the folder goes\n")
    a_file = install("install", "cursor", "--repo", str(repo))
    assert a_file.returncode == 2 and ".cursor is a file, not a folder" in a_file.stderr
    for result in (both, missing, unknown, a_file):
        assert "Traceback" not in result.stderr
