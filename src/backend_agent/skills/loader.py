"""Load skills in the Agent Skills format (`<name>/SKILL.md` with YAML front matter).

Sources, later ones overriding earlier ones of the same name: the built-in skills, the
user's config folder, then the repository's `.claude/skills` and `.backend-agent/skills`.
A broken skill is reported with its file and the rule it breaks, and skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..config_paths import config_dir
from ..core.phases import PHASES, Phase
from ..resources import data_dir

NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_NAME = 64
MAX_DESCRIPTION = 1024
MAX_BODY_LINES = 500
ALLOWED_KEYS = {"name", "description", "license", "compatibility", "metadata", "allowed-tools"}
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass(frozen=True)
class Finding:
    path: Path
    rule: str

    def __str__(self) -> str:
        return f"{self.path}: {self.rule}"


@dataclass(frozen=True)
class Skill:
    name: str
    description: str
    body: str
    path: Path
    source: str

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def phases(self) -> list[Phase]:
        return [p for p in PHASES if self.name in p.skills]

    def text(self) -> str:
        """The whole SKILL.md as written."""
        return self.path.read_text(encoding="utf-8")


def _front_matter(text: str) -> tuple[str, str] | None:
    if not text.startswith("---"):
        return None
    lines = text.splitlines(keepends=True)
    if lines[0].strip() != "---":
        return None
    for index in range(1, len(lines)):
        if lines[index].strip() == "---":
            return "".join(lines[1:index]), "".join(lines[index + 1 :])
    return None


def validate_folder(folder: Path, source: str = "") -> tuple[Skill | None, list[Finding]]:
    """Check one skill folder against the format; a skill comes back only if it passes."""
    import yaml

    skill_md = folder / "SKILL.md"
    if not skill_md.is_file():
        return None, [Finding(folder, "no SKILL.md in this folder")]
    try:
        text = skill_md.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Finding(skill_md, f"cannot be read as UTF-8 text: {exc}")]
    parts = _front_matter(text)
    if parts is None:
        return None, [Finding(skill_md, "must start with YAML front matter between '---' lines")]
    head, body = parts
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where else ""
        return None, [Finding(skill_md, f"front matter is not valid YAML{line}")]
    findings: list[Finding] = []
    if not isinstance(meta, dict):
        return None, [Finding(skill_md, "front matter must be a mapping of keys to values")]
    name, description = meta.get("name"), meta.get("description")
    if not isinstance(name, str) or not name:
        findings.append(Finding(skill_md, "front matter needs `name`"))
    else:
        if not NAME.match(name):
            findings.append(
                Finding(
                    skill_md, f"name {name!r}: use lower-case letters, digits and single hyphens"
                )
            )
        if len(name) > MAX_NAME:
            findings.append(Finding(skill_md, f"name is longer than {MAX_NAME} characters"))
        if name != folder.name:
            findings.append(
                Finding(skill_md, f"name {name!r} differs from its folder {folder.name!r}")
            )
    if not isinstance(description, str) or not description.strip():
        findings.append(Finding(skill_md, "front matter needs a non-empty `description`"))
    elif len(description) > MAX_DESCRIPTION:
        findings.append(
            Finding(
                skill_md,
                f"description is {len(description)} characters; the limit is {MAX_DESCRIPTION}",
            )
        )
    unknown = sorted(set(meta) - ALLOWED_KEYS)
    if unknown:
        findings.append(Finding(skill_md, f"unknown front matter key(s): {', '.join(unknown)}"))
    lines = body.count("\n")
    if lines >= MAX_BODY_LINES:
        findings.append(
            Finding(
                skill_md,
                f"body has {lines} lines; keep it under "
                f"{MAX_BODY_LINES} and move detail to references/",
            )
        )
    for target in _LINK.findall(body):
        if re.match(r"^[a-z]+:", target) or target.startswith("#"):
            continue
        relative = target.split("#", 1)[0]
        if not (folder / relative).is_file():
            findings.append(Finding(skill_md, f"link to {target!r} does not resolve"))
    if findings:
        return None, findings
    return Skill(name, description.strip(), body.strip() + "\n", skill_md, source), []


@dataclass
class SkillSet:
    skills: dict[str, Skill] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def get(self, name: str) -> Skill | None:
        return self.skills.get(name)

    def all(self) -> list[Skill]:
        return sorted(self.skills.values(), key=lambda s: s.name)

    def for_phase(
        self, phase: Phase, disabled: frozenset[str] | set[str] = frozenset()
    ) -> tuple[list[Skill], list[Skill]]:
        """(skills whose full text the phase's prompt carries, the rest as a catalog)."""
        active = [s for s in self.all() if s.name not in disabled]
        full = [s for s in active if s.name in phase.skills]
        return full, [s for s in active if s not in full]


def sources(repo_root: Path | None) -> list[tuple[str, Path]]:
    """Where skills come from, in override order (last wins)."""
    out = [("built-in", data_dir("skills")), ("user", config_dir() / "skills")]
    if repo_root is not None:
        out += [
            ("repo .claude", repo_root / ".claude" / "skills"),
            ("repo .backend-agent", repo_root / ".backend-agent" / "skills"),
        ]
    return out


def load_skills(repo_root: Path | None = None) -> SkillSet:
    found = SkillSet()
    for label, folder in sources(repo_root):
        if not folder.is_dir():
            continue
        for child in sorted(p for p in folder.iterdir() if p.is_dir()):
            skill, findings = validate_folder(child, label)
            found.findings += findings
            if skill:
                found.skills[skill.name] = skill
    return found
