"""The two tools we install into, and exactly which files each gets, in the format it loads.

Claude Code — https://code.claude.com/docs/en/sub-agents ("Supported frontmatter fields"):
a subagent is a Markdown file with YAML front matter in `.claude/agents/` (project) or
`~/.claude/agents/` (user); keys `name` and `description` (required; Claude delegates by the
description), `tools` (a comma-separated allowlist), `model` (`inherit`, sonnet, opus,
haiku) and `skills` (skill names whose full text is preloaded into the subagent's context).
Skills: https://code.claude.com/docs/en/skills — `.claude/skills/<name>/SKILL.md` or
`~/.claude/skills/<name>/SKILL.md`.

Cursor — https://cursor.com/docs/context/subagents: a subagent is a Markdown file with YAML
front matter in `.cursor/agents/` (project) or `~/.cursor/agents/` (user); keys `name`,
`description` (the Agent delegates by it), `model` (`inherit`, `fast` or a model id),
`readonly` and `is_background`; there is no tools or skills key. Skills:
https://cursor.com/docs/context/skills — `.cursor/skills/<name>/SKILL.md` or
`~/.cursor/skills/`, found by Cursor at start. Rules: https://cursor.com/docs/context/rules
— `.cursor/rules/*.mdc` with `description`, `globs`, `alwaysApply`; an "agent requested"
rule (a description, no globs, alwaysApply false) is offered to the Agent when a request
matches its description. Project rules only: Cursor keeps user rules in its settings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import BadInput
from ..resources import data_dir
from . import agent_text

TOOLS = {"claude-code": "Claude Code", "cursor": "Cursor"}
CLAUDE_TOOLS = "Read, Write, Edit, Bash, Glob, Grep"
"""What the agent needs: read and write the tree, run git and `backend-agent check`."""
PRELOADED = ("architecture-patterns", "production-readiness")
"""Skills Claude Code puts in the agent's context at start: they frame every phase. The
others it reads when a phase names them (all ten preloaded would be ~40k tokens)."""
RULE = "rules/backend-agent.mdc"
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*(, [A-Za-z][A-Za-z0-9_.-]*)*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


@dataclass(frozen=True)
class Target:
    """One tool at one place: a project's `.claude` folder, or the user's `~/.cursor`."""

    tool: str
    base: Path
    """The tool's folder that every installed path is relative to."""
    shown: str
    """How messages (and the agent itself) name the base: `.claude`, `~/.cursor`."""
    is_global: bool

    @property
    def label(self) -> str:
        return TOOLS[self.tool]

    @property
    def command(self) -> str:
        """The arguments of `backend-agent install` that make this install."""
        return self.tool + (" --global" if self.is_global else "")

    def show(self, relative: str) -> str:
        return f"{self.shown}/{relative}"

    def files(self) -> dict[str, bytes]:
        """Every file this install writes, by path relative to `base`."""
        files = {"agents/backend.md": self._agent().encode()}
        skills = data_dir("skills")
        for path in sorted(p for p in skills.rglob("*") if p.is_file()):
            relative = path.relative_to(skills).as_posix()
            if "__pycache__" not in relative:
                files[f"skills/{relative}"] = path.read_bytes()
        if self.tool == "cursor" and not self.is_global:
            files[RULE] = self._rule().encode()
        return files

    def skill_names(self) -> list[str]:
        return sorted(p.name for p in data_dir("skills").iterdir() if (p / "SKILL.md").is_file())

    def _agent(self) -> str:
        # Agents open files by absolute path; a project's own stays relative to its root,
        # where the tool runs, so the file is the same for everyone who clones it.
        skills_dir = str(self.base / "skills") if self.is_global else self.show("skills")
        if self.tool == "claude-code":
            meta = {
                "name": agent_text.NAME,
                "description": agent_text.description(),
                "tools": CLAUDE_TOOLS,
                "model": "inherit",
                "skills": list(PRELOADED),
            }
            body = agent_text.body(self.command, skills_dir, PRELOADED)
        else:
            meta = {
                "name": agent_text.NAME,
                "description": agent_text.description(),
                "model": "inherit",
                "readonly": False,
                "is_background": False,
            }
            body = agent_text.body(self.command, skills_dir)
        return front_matter(meta) + "\n" + body

    def _rule(self) -> str:
        meta = {"description": agent_text.description(), "globs": None, "alwaysApply": False}
        return front_matter(meta) + (
            "\nFor such a request, hand the work to the `backend` subagent "
            "(`.cursor/agents/backend.md`): it builds the backend in six phases, stopping for "
            "the person's review after each and committing only what they approve. Where "
            "subagents are not available, read `.cursor/agents/backend.md` and follow it "
            "yourself, phase by phase.\n"
        )


def front_matter(meta: dict[str, object]) -> str:
    """YAML between `---` lines, one key a line as the tools' docs show it: strings
    double-quoted (JSON strings are YAML), lists as block sequences, None left empty."""
    lines = ["---"]
    for key, value in meta.items():
        if isinstance(value, bool):
            lines.append(f"{key}: {'true' if value else 'false'}")
        elif value is None:
            lines.append(f"{key}:")
        elif isinstance(value, list):
            lines.append(f"{key}:")
            lines += [f"  - {_scalar(str(item))}" for item in value]
        else:
            lines.append(f"{key}: {_scalar(str(value))}")
    return "\n".join(lines + ["---"]) + "\n"


def _scalar(text: str) -> str:
    """Plain when YAML reads it back as the same string, else double-quoted."""
    if _PLAIN.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return json.dumps(text, ensure_ascii=False)


def target(tool: str, repo: str | None, is_global: bool) -> Target:
    """Where an install of `tool` goes: the user's home folder, or the project at `repo`."""
    if tool not in TOOLS:
        raise BadInput(f"unknown tool {tool!r}", hint="choose claude-code or cursor")
    folder = "." + tool.split("-")[0]  # .claude, .cursor
    if is_global:
        if repo is not None:
            raise BadInput(
                "--global installs into your home folder; --repo is for one project",
                hint="drop one of them",
            )
        where = Target(tool, Path.home() / folder, f"~/{folder}", True)
    else:
        where = Target(tool, project_root(repo or ".") / folder, folder, False)
    if where.base.exists() and not where.base.is_dir():
        raise BadInput(
            f"{where.shown} is a file, not a folder: {where.label} keeps its agents in a folder",
            hint=f"move {where.base} aside, then install again",
        )
    return where


def project_root(path: str) -> Path:
    """The top of the git work tree holding `path`, or `path` itself outside git."""
    import subprocess

    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise BadInput(
            f"{folder} is not a folder" if folder.exists() else f"{folder} does not exist",
            hint="pass --repo with the project's folder",
        )
    probe = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    top = probe.stdout.strip()
    return Path(top) if probe.returncode == 0 and top else folder.resolve()
