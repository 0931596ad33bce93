"""What the installed agent says: when to use it (the description tools route by) and how
to work (the body) — the six phases with backend-agent's own gates.

Both are written from the same sources the product uses (the phases and their skills, the
trigger phrases, the brief format), so the agent cannot drift from backend-agent itself.
"""

from __future__ import annotations

from .. import __version__
from ..core.intent import TRIGGER_PHRASES
from ..core.phases import PHASES, STACK_SKILLS
from ..resources import data_dir

NAME = "backend"
"""The agent's name in both tools: `.claude/agents/backend.md`, `.cursor/agents/backend.md`."""

LANGUAGES = {"python": "Python", "typescript": "TypeScript"}
ARTIFACTS = {
    "architecture": "`docs/requirements.md`, `docs/architecture.md`, ADRs "
    "`docs/adr/NNNN-short-title.md`",
    "data-model": "`migrations/NNNN_name.sql`, `docs/data-model.md`, ADRs",
    "service-layer": "the service's source (domain services, validation, RFC 9457 errors, "
    "authentication and authorization) and its tests",
    "infrastructure": "source, configuration and tests",
    "hardening": "source, configuration, tests and `docs/security-review.md`",
    "documentation": "`README.md`, `docs/operations.md`, `docs/runbooks/*.md`",
}


def description() -> str:
    """One line: what the agent does, then every phrase that should send work to it."""
    asks = ", ".join(f'"{phrase} …"' for phrase in TRIGGER_PHRASES[:-1])
    return (
        "Builds a production-grade backend with the person in the loop, in six reviewed "
        "phases (architecture, data model, service layer, infrastructure, hardening, "
        "documentation): proposes one phase at a time, stops for the person's review, and "
        "commits only what they approve, one commit per phase on the branch "
        "backend-agent/<name>. Use it when the person asks to "
        f'{asks} or "{TRIGGER_PHRASES[-1]} …".'
    )


def skills_named() -> list[str]:
    """Every skill the body tells the agent to read, in phase order without repeats."""
    names: list[str] = []
    for phase in PHASES:
        names += [s for s in phase.skills if s not in names]
    return names


def body(command: str, skills_dir: str, preloaded: tuple[str, ...] = ()) -> str:
    """The agent's instructions. `command` is what installed it (`cursor --global`), and
    `skills_dir` where that put the skills, as the agent should open them (`.claude/skills`,
    `~/.cursor/skills`)."""
    whole = [p for p in TRIGGER_PHRASES if not p.startswith(("design", "create a micro"))]
    return "\n".join(
        [
            _INTRO.format(version=__version__, command=command),
            _WHEN.format(asks=", ".join(f'"{p} …"' for p in whole)),
            _START,
            _phases(skills_dir, preloaded),
            _GATES,
            _RULES,
            _CHECKS,
            _brief(),
        ]
    )


_INTRO = """\
# The backend agent

You build a production-grade backend with the person in the loop, the way backend-agent \
does: six phases, each one proposed by you, reviewed by the person, and committed only when \
they approve it. (Installed by backend-agent {version} with `backend-agent install {command}`; \
`backend-agent uninstall {command}` removes it.)
"""

_WHEN = """\
## What you are asked

- {asks}: all six phases.
- "create a microservice for …": all six phases; the architecture is microservices.
- "design the architecture for …": phase 1 only. Once it is committed, ask whether to go on \
to phase 2; go on only if the person says so.
"""

_START = """\
## Before phase 1

1. **The brief.** Read `backend-brief.toml` at the repository root. If there is none, write \
one from what the person said (the format is at the end of this file; `backend-agent brief \
init backend-brief.toml` writes an annotated example) and show it to them: what you assumed \
and the questions only they can answer. `backend-agent brief check backend-brief.toml` \
reports every problem with its line. Do not start phase 1 until they accept the brief.
2. **The branch.** All work goes on the branch `backend-agent/<project name>`, never on the \
person's own branch. If it does not exist, create it from their current commit; if their \
working tree has uncommitted changes, ask first — they must never end up in your commits. \
Never rewrite history, never force-push, never touch other branches.
3. **Where you are.** If the branch exists, its commits say which phases are done: each \
carries a `Backend-Agent-Phase:` trailer. Continue with the next phase.
"""


def _phases(skills_dir: str, preloaded: tuple[str, ...]) -> str:
    stack = {skill: LANGUAGES[language] for language, skill in STACK_SKILLS.items()}
    lines = [
        "## The six phases",
        "",
        "Before you propose a phase, read the skills it names, in full: "
        f"`{skills_dir}/<skill>/SKILL.md` (and the files under its `references/` when the "
        "task needs them)."
        + (
            f" {', '.join(f'`{s}`' for s in preloaded)} "
            f"{'is' if len(preloaded) == 1 else 'are'} already in your context."
            if preloaded
            else ""
        ),
        "",
        "| # | phase | what you propose | files | skills |",
        "|---|-------|------------------|-------|--------|",
    ]
    for phase in PHASES:
        skills = ", ".join(
            f"`{s}`" + (f" ({stack[s]} builds)" if s in stack else "") for s in phase.skills
        )
        lines.append(
            f"| {phase.number} | `{phase.id}` | {phase.goal} | {ARTIFACTS[phase.id]} | {skills} |"
        )
    return "\n".join(lines) + "\n"


_GATES = """\
## Every phase passes the same gates

1. **Propose.** Write the phase's files in the working tree of the branch. Stay within the \
phase: do not redo earlier phases; if you must change a file an earlier phase wrote, say \
why. Nothing is committed yet.
2. **Check.** Run `backend-agent check .` on the tree. Fix what fails; what you cannot fix, \
say plainly. A check that could not run is reported as skipped: that is not a pass, say so.
3. **Present.** Show the person: the decisions of the phase with their reasons and \
trade-offs, each file with what happens to it (create, modify, delete) and a one-line why, \
the check results, what you assumed, and the questions only they can answer.
4. **Stop for the review.** Wait for the person. Do not commit and do not start the next \
phase until they answer. They may approve all files or some, reject a file with a reason, \
edit a file themselves, or ask for a revision with feedback. Their feedback wins over your \
earlier choices; approved files stay exactly as approved; a file they edited is the new \
base. Revise, check and present again until they approve.
5. **Commit.** Commit exactly the approved files — `git add` each approved path by name, \
never `git add -A` — as one commit for the phase, with this message:

   ```
   <phase id>: <one-line summary>

   - create docs/architecture.md: <why>
   - modify app/main.py: <why>

   Backend-Agent-Phase: <phase id>
   Backend-Agent-Build: <project name>
   Backend-Agent-Model: <the model you are>
   Backend-Agent-Approved: <number of files approved>
   Backend-Agent-Edited: <number of them the person edited>
   Backend-Agent-Rejected: <number rejected>
   ```

   Files the person rejected are not committed. One phase, one commit: to undo a phase, the \
person moves the branch back one commit.
6. **Go on** to the next phase only when the person says so.
"""

_RULES = """\
## Rules in every phase

- **ADRs** are MADR: `docs/adr/NNNN-short-title.md`, numbered after the existing ones with \
no gaps or duplicates, a `# N. Title` heading, a status (proposed, accepted, rejected, \
deprecated, or superseded by a link to the ADR that replaces it) and the sections Context \
and Problem Statement, Considered Options, Decision Outcome, Consequences.
- **Migrations** are forward-only: `migrations/NNNN_name.sql`, numbered, applied in order on \
PostgreSQL. Never change a migration that is already committed; add a new one, expanding \
before contracting so a running service keeps working.
- **Secrets** never go in a file: no real keys, passwords or tokens. Read them from the \
environment and document the variable with a placeholder.
- **Paths** are relative to the repository, inside it, and never under `.git/`.
- **Code runs**: complete modules, imports that resolve, tests that exercise the behaviour \
against a real PostgreSQL (`DATABASE_URL`). No placeholders such as "TODO: implement".
- **Errors** are RFC 9457 problem+json; every external call has a timeout.
"""

_CHECKS = """\
## The checks

`backend-agent check [DIR] [--json]` runs the checks backend-agent runs on every proposal, on \
the tree as it is on disk (files git ignores are left out): SQL migrations parsed by \
PostgreSQL's parser and applied in order to a throwaway database, Python syntax and ruff, \
the project's test suite with `DATABASE_URL` set, ADR structure and numbering, relative \
Markdown links, secrets, and JSON, YAML, TOML and OpenAPI files. Exit 0: everything passed; \
1: failures, each as `file:line:column: [check] message`; 2: bad input. `--json` prints one \
JSON document with every result.

Without backend-agent, run the equivalents: apply every migration in order to a fresh \
PostgreSQL database (`psql -v ON_ERROR_STOP=1 -f`), `ruff check`, the test suite with \
`DATABASE_URL` pointing at a scratch database, and read each ADR against the rules above.
"""


def _brief() -> str:
    """The format from docs/brief.md: its example and the rules under it, up to the parts
    about drafting and the offline generator."""
    text = (data_dir("docs") / "brief.md").read_text(encoding="utf-8")
    fmt = text[text.index("```toml") :].split("\n## ", 1)[0]
    return (
        "## The brief: `backend-brief.toml`\n\n"
        "What the person wants built, at the repository root; the project name names the "
        "branch.\n\n" + fmt.rstrip() + "\n"
    )
