"""The opening of a phase's conversation: the system prompt, the tools, and the first user
turn (the repository context, then the task).

The system prompt (instructions, the skills catalog, the brief and its conventions) is the
same bytes for every phase and turn of a build; the repository context comes next, grouped
by the phase that created each file; the task of the phase closes the turn. Cache
breakpoints end each of the three, so later phases read the system prompt and the
unchanged groups from the prompt cache, and every later turn of the loop reads the whole
opening (see `loop.py` for the breakpoint that follows the conversation).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from ...core.migrations import NO_TRANSACTION
from ...core.phases import PHASES, STACK_SKILLS
from ...resources import data_dir
from ...skills import Skill, SkillSet
from ..base import EvolutionRequest, ProposalRequest
from .briefing import CHECKLISTS, CODE_PHASES, TEST_CONTRACT, output_contract
from .context import RepoContext, estimate_tokens
from .tools import EDITOR, FINISH, definitions

INSTRUCTIONS = """\
You are the engineer inside backend-agent, which builds a production-grade backend one \
phase at a time. A person reviews every file you write as a diff, edits, approves or \
rejects it, and may send it back with feedback. Automatic checks (SQL applied to \
PostgreSQL, Python compiled and linted, the project's tests run) look at your files \
before the person does. Only what they approve is committed, one commit per phase, to the \
build's own git branch.

# The six phases
{phases}

Each phase builds on what the earlier ones committed: their files, their summaries, the \
assumptions they made and the person's answers to their questions are in the task. Stay \
within the phase you are asked for. When you must change a file an earlier phase wrote, \
edit the lines that change (`str_replace`) and say why in the summary.

# How you work
You work in a loop of tool calls. `{editor}` writes and reads files, `delete_files` \
removes them, `{finish}` ends the phase. Every call gets an answer: what was done, or why \
it was refused, so you can correct it. The end of each task restates this contract.

# Rules
- Follow the brief: its stack, database, auth mode and targets; where it says auto, \
choose, and record the choice and its reasons in an ADR.
- Follow the brief's conventions below (uniqueness per owner, the implied columns, the \
ON DELETE defaults) unless the brief says otherwise.
- Never put secrets in files: read them from the environment and document the variable \
names with placeholder values.
- Code must run: complete modules, imports that resolve, tests that exercise the behaviour.
- Ask only what the person must decide; decide the rest yourself and list it as an \
assumption."""


def _phases_text() -> str:
    return "\n".join(
        f"{p.number}. {p.title} (`{p.id}`): {p.goal} Kinds: {', '.join(p.kinds)}." for p in PHASES
    )


def cache_mark(ttl: str) -> dict[str, str]:
    return {"type": "ephemeral", "ttl": ttl}


STACK_OF_FRAMEWORK = {"fastapi": "python", "fastify": "typescript", "express": "typescript"}
"""With `language = "auto"`, a named framework still says which language it is."""


@cache
def conventions() -> str:
    """docs/brief.md, shipped in the wheel: the brief's format and conventions."""
    return (data_dir("docs") / "brief.md").read_text(encoding="utf-8")


def stack_skill_names(request: ProposalRequest) -> set[str]:
    """Skills left out because they are for another language."""
    stack = request.brief.stack
    language = stack.language
    if language == "auto":
        language = STACK_OF_FRAMEWORK.get(stack.framework, "auto")
    own = STACK_SKILLS.get(language)
    return {name for name in STACK_SKILLS.values() if own and name != own}


def phase_skills(request: ProposalRequest, skills: SkillSet) -> list[Skill]:
    skip = stack_skill_names(request) | set(request.disabled_skills)
    return [s for s in skills.all() if s.name in request.phase.skills and s.name not in skip]


def catalog_text(request: ProposalRequest, skills: SkillSet) -> str:
    """Every skill this build may use, one line each: the same for every phase."""
    lines = [
        "# Skills",
        "",
        "Skills carry the team's expertise. Each phase's task gives the full text of the "
        "skills it applies; read any other with `view skills/NAME/SKILL.md`, and a skill's "
        "references with `view skills/NAME/references/FILE.md`.",
        "",
    ]
    for skill in skills.all():
        if skill.name in request.disabled_skills:
            continue
        phases = ", ".join(str(p.number) for p in skill.phases) or "any (when relevant)"
        lines.append(f"- {skill.name} (phases {phases}): {' '.join(skill.description.split())}")
    return "\n".join(lines) + "\n"


def brief_text(request: ProposalRequest) -> str:
    return (
        f"# The brief\n\nBuild `{request.build}`, started {request.started.isoformat()}.\n\n"
        f"```toml\n{request.brief.to_toml().rstrip()}\n```\n\n"
        f"# The brief's format and conventions (docs/brief.md)\n\n{conventions()}"
    )


@dataclass
class Opening:
    """The part of every request of a phase's conversation that never changes."""

    system: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    first: list[dict[str, Any]]
    """The first user turn's blocks: context groups, then the task."""
    sizes: dict[str, int] = field(default_factory=dict)
    left_out: list[str] = field(default_factory=list)

    def fingerprint(self) -> str:
        """Identifies the opening: a stored conversation goes on only under the same one
        (a model rejects a conversation whose system prompt changed under it)."""
        data = json.dumps([self.system, self.tools, self.first], sort_keys=True)
        return hashlib.sha256(data.encode()).hexdigest()


def build_opening(
    request: ProposalRequest,
    skills: SkillSet,
    context: RepoContext,
    ttl: str,
    *,
    dropped: list[str] | None = None,
) -> Opening:
    instructions = INSTRUCTIONS.format(phases=_phases_text(), editor=EDITOR, finish=FINISH)
    catalog, brief = catalog_text(request, skills), brief_text(request)
    system = [
        {"type": "text", "text": instructions},
        {"type": "text", "text": catalog},
        {"type": "text", "text": brief, "cache_control": cache_mark(ttl)},
    ]
    first: list[dict[str, Any]] = [{"type": "text", "text": g.render()} for g in context.groups]
    if first:
        first[-1]["cache_control"] = cache_mark(ttl)
    task = task_text(request, skills, context, dropped or [])
    first.append({"type": "text", "text": task, "cache_control": cache_mark(ttl)})
    skill_tokens = sum(estimate_tokens(s.body) for s in phase_skills(request, skills))
    sizes = {
        "instructions": estimate_tokens(instructions),
        "skills catalog": estimate_tokens(catalog),
        "brief and conventions": estimate_tokens(brief),
        "repository context": context.tokens,
        "skills of the phase": skill_tokens,
        "task": estimate_tokens(task) - skill_tokens,
    }
    return Opening(system, definitions(), first, sizes, list(context.left_out))


def task_text(
    request: ProposalRequest, skills: SkillSet, context: RepoContext, dropped: list[str]
) -> str:
    phase = request.phase
    parts = [
        f"# Phase {phase.number} of {len(PHASES)}: {phase.title} (`{phase.id}`)",
        "",
        f"Goal: {phase.goal}",
        f"Expected kinds of files: {', '.join(phase.kinds)}.",
    ]
    parts += _history(request)
    used = phase_skills(request, skills)
    parts += ["", "# Skills for this phase", ""]
    if not used:
        parts.append("None: use the catalog where it helps.")
    for skill in used:
        parts.append(f'<skill name="{skill.name}" folder="skills/{skill.name}">')
        parts.append(skill.body.rstrip())
        parts.append("</skill>")
        refs = _references(skill)
        if refs:
            parts.append(f"Its references (read them with `view`): {', '.join(refs)}")
        parts.append("")
    parts += ["", f"# Deliverables of phase {phase.number}", ""]
    parts += [f"- [ ] {item}" for item in CHECKLISTS[phase.id]]
    if phase.id in CODE_PHASES:
        parts += ["", "# The test contract", "", TEST_CONTRACT]
    parts += ["", "# The repository", ""]
    if dropped:
        parts.append(
            f"The context was shrunk to fit the model's context window: {', '.join(dropped)} "
            "are in the map without their text; `view` them when you need them."
        )
    elif context.left_out:
        parts.append(
            f"{len(context.left_out)} file(s) did not fit the context budget; they are in the "
            "map without their text. `view` a file before you change it."
        )
    if request.evolution is not None:
        parts += ["", *evolution_text(request.evolution), ""]
    parts += [context.map_text, output_contract(phase.number), "", f"Begin phase {phase.number}."]
    return "\n".join(parts)


def evolution_text(evolution: EvolutionRequest) -> list[str]:
    """An evolution: what changed in the brief, and what the person changed by hand."""
    lines = [
        f"This phase runs again for evolution {evolution.number} of a backend already built: "
        "the brief changed:",
        *[f"- {line}" for line in evolution.changes],
        "Write each file of this phase that the change makes different, whole, as it should "
        "be now; leave the others alone. The engine merges your files with the branch, so "
        "the person's own changes stay. Never edit a migration that exists: add the next "
        "numbered one, expand/contract (new required columns nullable, backfilled from their "
        "default, then NOT NULL; indexes on existing tables CONCURRENTLY in a file of their "
        "own whose first line is `" + NO_TRANSACTION + "`; a rename is a RENAME).",
    ]
    if evolution.person:
        lines += ["The person's changes since your last version (keep them):", evolution.person]
    return lines


def _history(request: ProposalRequest) -> list[str]:
    """Earlier phases' summaries, assumptions and questions, with the person's answers."""
    answers = dict(request.answers)
    out: list[str] = []
    if request.history:
        out += ["", "# What the earlier phases decided"]
    for note in request.history:
        number = next((p.number for p in PHASES if p.id == note.phase), "?")
        out += ["", f"## Phase {number} ({note.phase})", "", note.summary.strip()]
        if note.assumptions:
            out += ["", "Assumed:"] + [f"- {a}" for a in note.assumptions]
        if note.questions:
            out += ["", "Its questions:"]
            for question in note.questions:
                answer = answers.pop(" ".join(question.split()), None)
                said = f"answered: {answer}" if answer else "not answered: decide and say so"
                out.append(f"- {question} ({said})")
    if answers:
        out += ["", "# The person's answers to other questions", ""]
        out += [f"- {q}: {a}" for q, a in answers.items()]
    return out


def _references(skill: Skill) -> list[str]:
    folder = skill.folder / "references"
    if not folder.is_dir():
        return []
    return [f"skills/{skill.name}/references/{p.name}" for p in sorted(folder.glob("*.md"))]
