"""The prompt of a phase: a stable prefix, the repository context, the task — and, for a
revision, the previous proposal with the person's decisions and feedback.

The prefix (instructions for all six phases, the skills every phase uses in full, the
skills catalog and the brief) is the same bytes for every phase and every revision of a
build, so it is written to the prompt cache once and read from it after that. Phase
context follows, grouped by the phase that committed it, then the task of the phase.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ...core.migrations import NO_TRANSACTION
from ...core.phases import PHASES, STACK_SKILLS, Phase
from ...core.proposal import FileChange, Proposal
from ...skills import Skill, SkillSet
from ..base import EvolutionRequest, ProposalRequest, Revision
from .context import RepoContext, estimate_tokens
from .rework import rework_turns
from .schema import TOOL_NAME, tool_definition
from .stream import Response

INSTRUCTIONS = """\
You are the proposer inside backend-agent: a senior backend engineer who designs and writes \
a production-grade backend one phase at a time. A person reviews every file you propose as \
a diff, edits, approves or rejects it, and may ask you to revise with feedback. Only what \
they approve is committed, one commit per phase, to the build's own git branch.

# The six phases
{phases}

Each phase builds on what the earlier phases committed; their files are shown to you with \
the task. Stay within the phase you are asked for: do not redo earlier phases' work, and \
when you must change a file an earlier phase wrote, say why in the summary.

# How to answer
- First write a short rationale (a few sentences of plain text): what you are about to \
propose and why. It streams to the person while you work.
- Then call the `{tool}` tool exactly once with the complete proposal.
- `summary`: markdown — the decisions of this phase, the reasons and trade-offs behind \
them, and what is deliberately left to later phases.
- `changes`: one entry per file with its full new content — never a diff, an excerpt, or a \
placeholder such as "rest unchanged" or "TODO: implement". Paths are relative to the \
repository root, with '/' separators: no absolute paths, no '..', nothing under .git/. \
`action` is create for a new file, modify for a file already on the branch (full new \
content), delete to remove one (empty content). `why` is one line.
- `kind`: adr for architecture decision records (docs/adr/NNNN-short-title.md, numbered \
after the existing ones: context, decision, consequences, alternatives); schema for SQL \
migrations (migrations/NNNN_name.sql, numbered, forward-only); code, test, doc or config \
for the rest.
- `questions`: only real open questions the person has to decide; do not ask what the \
brief already answers.
- Follow the brief: its stack, database, auth mode and targets. Where it says auto, choose, \
and record the choice and its reasons in an ADR.
- Never put secrets in files: no real keys, passwords or tokens. Read them from the \
environment and document the variable names with placeholder values.
- Code must run: complete modules, imports that resolve, tests that exercise the behaviour.

# Skills
The skills below carry the team's expertise. Each phase names the ones it applies; their \
full text is included. The catalog lists every skill, including ones given by name only.

# Revisions
When the person asks for a revision, their feedback wins over your earlier choices. Files \
they approved are kept exactly as approved: leave them out of the revised proposal unless \
the feedback asks you to change them (then send the full new content). Address the comment \
on every rejected file. A file they edited: their content is the new base for that file.
"""


def _phases_text() -> str:
    lines = []
    for p in PHASES:
        lines.append(f"{p.number}. {p.title} (`{p.id}`): {p.goal} Kinds: {', '.join(p.kinds)}.")
    return "\n".join(lines)


def _cache(ttl: str) -> dict[str, str]:
    return {"type": "ephemeral", "ttl": ttl}


def stack_skill_names(request: ProposalRequest) -> set[str]:
    """Skills left out of the full text because they are for another language."""
    own = STACK_SKILLS.get(request.brief.stack.language)
    return {name for name in STACK_SKILLS.values() if own and name != own}


def phase_skills(request: ProposalRequest, phase: Phase) -> list[str]:
    skip = stack_skill_names(request) | set(request.disabled_skills)
    return [name for name in phase.skills if name not in skip]


def skills_text(request: ProposalRequest, skills: SkillSet) -> str:
    """Full text of every skill a phase of this build applies, then the catalog of all."""
    skip = stack_skill_names(request) | set(request.disabled_skills)
    used = {name for p in PHASES for name in p.skills} - skip
    active = [s for s in skills.all() if s.name not in request.disabled_skills]
    parts = ["# Skills catalog", ""]
    for skill in active:
        phases = ", ".join(str(p.number) for p in skill.phases) or "none (use when relevant)"
        full = "full text below" if skill.name in used else "by name only"
        parts.append(f"- {skill.name} (phases: {phases}; {full}): {_one_line(skill)}")
    parts.append("")
    for skill in active:
        if skill.name in used:
            parts.append(f'<skill name="{skill.name}">\n{skill.body.rstrip()}\n</skill>\n')
    return "\n".join(parts)


def _one_line(skill: Skill) -> str:
    return " ".join(skill.description.split())


def brief_text(request: ProposalRequest) -> str:
    return (
        f"# The brief\n\nBuild `{request.build}`, started {request.started.isoformat()}.\n\n"
        f"```toml\n{request.brief.to_toml().rstrip()}\n```\n"
    )


AGAIN = f"Call `{TOOL_NAME}` again with the complete, corrected proposal (every file, in full)."


@dataclass
class Prompt:
    system: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    sizes: dict[str, int] = field(default_factory=dict)
    """Estimated tokens per part, to say what to cut when a prompt is too long."""
    tool: dict[str, Any] = field(default_factory=tool_definition)
    """The one tool the answer comes through."""
    force_tool: bool = False
    """Make the model call the tool (no rationale first); only where nothing streams."""
    again: str = AGAIN
    """What a repair turn asks for."""

    @property
    def tool_name(self) -> str:
        return str(self.tool["name"])

    def body(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        """The request body's prompt part for a conversation that starts like this one."""
        body = {"system": self.system, "tools": [self.tool], "messages": messages}
        if self.force_tool:
            body["tool_choice"] = {"type": "tool", "name": self.tool_name}
        return body


def build_prompt(
    request: ProposalRequest, skills: SkillSet, context: RepoContext, ttl: str
) -> Prompt:
    phase = request.phase
    instructions = INSTRUCTIONS.format(phases=_phases_text(), tool=TOOL_NAME)
    skill_part, brief_part = skills_text(request, skills), brief_text(request)
    system = [
        {"type": "text", "text": instructions},
        {"type": "text", "text": skill_part},
        {"type": "text", "text": brief_part, "cache_control": _cache(ttl)},
    ]
    content: list[dict[str, Any]] = [
        {"type": "text", "text": group.render()} for group in context.groups
    ]
    if content:
        content[-1]["cache_control"] = _cache(ttl)
    task = task_text(request, phase, context)
    content.append({"type": "text", "text": task, "cache_control": _cache(ttl)})
    messages: list[dict[str, Any]] = [{"role": "user", "content": content}]
    sizes = {
        "instructions": estimate_tokens(instructions),
        "skills": estimate_tokens(skill_part),
        "brief": estimate_tokens(brief_part),
        "repository context": context.tokens,
        "task": estimate_tokens(task),
    }
    turns = []
    if request.revision is not None:
        turns = revision_turns(request.revision, phase)
    elif request.rework is not None:
        turns = rework_turns(request.rework, phase)
    if turns:
        messages += turns
        sizes["previous proposal and feedback"] = sum(
            estimate_tokens(json.dumps(t["content"])) for t in turns
        )
    return Prompt(system, messages, sizes)


def task_text(request: ProposalRequest, phase: Phase, context: RepoContext) -> str:
    names = phase_skills(request, phase)
    lines = [
        f"# Phase {phase.number} of {len(PHASES)}: {phase.title} (`{phase.id}`)",
        "",
        f"Goal: {phase.goal}",
        f"Expected kinds of files: {', '.join(phase.kinds)}.",
        f"Skills to apply: {', '.join(names) if names else 'none'}.",
    ]
    if context.left_out:
        lines.append(
            f"{len(context.left_out)} file(s) did not fit the context budget; they are in the "
            "map without their text. Do not modify a file whose text you have not seen."
        )
    if request.evolution is not None:
        lines += ["", *evolution_text(request.evolution)]
    lines += ["", context.map_text, f"Propose phase {phase.number} now: call `{TOOL_NAME}`."]
    return "\n".join(lines)


def evolution_text(evolution: EvolutionRequest) -> list[str]:
    """An evolution: what changed in the brief, and what the person changed by hand."""
    lines = [
        f"This phase runs again for evolution {evolution.number} of a backend already built: "
        "the brief changed:",
        *[f"- {line}" for line in evolution.changes],
        "Propose, whole, each file of this phase that the change makes different, as it "
        "should be now; leave the others out. The engine merges your files with the branch, "
        "so the person's own changes stay. Never edit a migration that exists: add the next "
        "numbered one, expand/contract (new required columns nullable, backfilled from their "
        "default, then NOT NULL; indexes on existing tables CONCURRENTLY in a file of their "
        "own whose first line is `" + NO_TRANSACTION + "`; a rename is a RENAME).",
    ]
    if evolution.person:
        lines += ["The person's changes since your last version (keep them):", evolution.person]
    return lines


def _render_file(change: FileChange, content: str | None = None) -> str:
    body = change.content if content is None else content
    head = f'<file path="{change.path}" action="{change.action}" kind="{change.kind}">'
    return f"{head}\n{body}\n</file>" if change.action != "delete" else head + "</file>"


def revision_turns(revision: Revision, phase: Phase) -> list[dict[str, Any]]:
    """The earlier proposal as the assistant's turn, then the person's review and feedback."""
    previous = revision.previous
    said = [f"My proposal for phase {phase.number} ({phase.id}):", "", previous.summary, ""]
    said += [_render_file(c) for c in previous.changes]
    if previous.questions:
        said += ["", "Open questions:"] + [f"- {q}" for q in previous.questions]
    review_lines = ["# The person's review of your proposal", ""]
    for change in previous.changes:
        review = revision.reviews.get(change.path)
        state = review.state(change) if review else "pending"
        if review is None or state == "pending":
            review_lines.append(f"- {change.path}: no decision yet")
        elif state == "approved" and review.edited_content is not None:
            review_lines.append(
                f"- {change.path}: edited by the person, then approved; kept as edited:"
            )
            review_lines.append(_render_file(change, review.edited_content))
        elif state == "approved":
            review_lines.append(f"- {change.path}: approved (kept as is)")
        elif state == "rejected":
            comment = review.comment.strip() or "no comment given"
            review_lines.append(f"- {change.path}: rejected. Their comment: {comment}")
        else:
            review_lines.append(
                f"- {change.path}: edited by the person; their version is the new base:"
            )
            review_lines.append(_render_file(change, review.edited_content))
    review_lines += [
        "",
        "# Their feedback",
        "",
        revision.feedback.strip() or "(no words: improve the proposal where you see fit)",
        "",
        f"Revise the proposal accordingly and call `{TOOL_NAME}` with the revised proposal "
        "(approved files you keep unchanged may be left out).",
    ]
    return [
        {"role": "assistant", "content": [{"type": "text", "text": "\n".join(said)}]},
        {"role": "user", "content": [{"type": "text", "text": "\n".join(review_lines)}]},
    ]


def merge_revision(revised: Proposal, revision: Revision | None) -> Proposal:
    """Put back the approved files the model left out, exactly as approved."""
    if revision is None:
        return revised
    present = {c.path for c in revised.changes}
    kept = []
    for change in revision.previous.changes:
        review = revision.reviews.get(change.path)
        if change.path in present or review is None or not review.is_approved(change):
            continue
        kept.append(change.model_copy(update={"content": review.content(change)}))
    if not kept:
        return revised
    return revised.model_copy(update={"changes": [*revised.changes, *kept]})


def repair_turns(response: Response, problems: list[str], prompt: Prompt) -> list[dict[str, Any]]:
    """The model's own answer, then what was wrong with it and a request to call again."""
    content = response.assistant_content()
    calls = [b for b in content if b["type"] == "tool_use"]
    listing = "\n".join(f"- {p}" for p in problems)
    tool, again = prompt.tool_name, prompt.again
    if calls:
        results = []
        for call in calls:
            text = (
                f"The answer was not accepted:\n{listing}\n\n{again}"
                if call["name"] == tool
                else f"There is no tool named {call['name']!r}. {again}"
            )
            results.append(
                {
                    "type": "tool_result",
                    "tool_use_id": call["id"],
                    "is_error": True,
                    "content": text,
                }
            )
        return [{"role": "assistant", "content": content}, {"role": "user", "content": results}]
    reminder = {"type": "text", "text": f"{listing}\n\n{again}"}
    if not content:
        return [{"role": "user", "content": [reminder]}]
    return [{"role": "assistant", "content": content}, {"role": "user", "content": [reminder]}]
