"""The command line's grammar: every command with a description, examples and its exit
codes, and every argument with its help (`backend-agent COMMAND --help`)."""

from __future__ import annotations

import argparse

from .. import __version__
from ..core.errors import BadInput
from .parser_integrations import add_integration_commands
from .parser_options import checking, spending

PROVIDER_HELP = (
    "who proposes: anthropic (Claude; needs ANTHROPIC_API_KEY), offline (the built-in "
    "generator; needs [[entities]] in the brief) or replay (plays back --record FILE); "
    "default: anthropic when ANTHROPIC_API_KEY is set, else offline"
)
MODEL_HELP = "the Claude model id (default: the current Sonnet; see `pricing.json`)"
JSON_HELP = "print one JSON document on stdout (build, branch, phases, files, usage)"
BUILD_EXITS = [
    (0, "done"),
    (1, "done, but some files were rejected, refused or failed their checks"),
    (2, "bad input: usage, the brief, not a git repository"),
    (3, "the provider failed (API error, the --max-cost limit reached)"),
    (4, "conflict: the build is locked by another process, or the repository is mid-merge"),
    (130, "interrupted (Ctrl+C, SIGTERM); the build state is saved"),
]


class _Formatter(argparse.HelpFormatter):
    """Descriptions wrapped to the terminal; examples and exit codes kept as laid out."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 like every bad input
        raise BadInput(f"{self.prog}: {message}", hint=f"see `{self.prog} --help`")


def _epilog(examples: list[str], exits: list[tuple[int, str]]) -> str:
    lines = ["examples:", *(f"  {line}" for line in examples), "", "exit codes:"]
    lines += [f"  {code:<4} {meaning}" for code, meaning in exits]
    return "\n".join(lines)


def _command(
    sub,
    name: str,
    summary: str,
    description: str,
    examples: list[str],
    exits: list[tuple[int, str]],
) -> argparse.ArgumentParser:
    return sub.add_parser(
        name,
        help=summary,
        description=description,
        epilog=_epilog(examples, exits),
        formatter_class=_Formatter,
    )


def build_parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="backend-agent",
        description="Build a production-grade backend with a person in the loop: a model "
        "(or, without an API key, the offline generator) proposes six phases in turn, you "
        "review every file, and what you approve is committed to backend-agent/<name>. "
        "Without a command it opens the wizard on REPO (default: here).",
        epilog=_epilog(
            [
                "backend-agent                      # the wizard on this repository",
                "backend-agent demo                 # the wizard on a scratch demo repo",
                "backend-agent build --brief backend-brief.toml --approve all",
                "backend-agent COMMAND --help       # each command's options and examples",
            ],
            BUILD_EXITS,
        ),
        formatter_class=_Formatter,
    )
    root.add_argument("--version", action="version", version=f"backend-agent {__version__}")
    sub = root.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    demo = _command(
        sub,
        "demo",
        "a scratch repo with the example brief, in the wizard",
        "Make a scratch git repository holding the example brief and open the wizard on it "
        "(offline, no key needed). Without DIR the demo lives in the temp directory and "
        "is used again next time, with its build ready to resume.",
        ["backend-agent demo", "backend-agent demo ~/try-it", "backend-agent demo --headless"],
        [
            (0, "done (the wizard closed; headless: all six phases committed)"),
            (1, "headless: done, but some files failed their checks"),
            (2, "DIR is not empty"),
            (130, "interrupted; the build state is saved"),
        ],
    )
    demo.add_argument(
        "dir",
        nargs="?",
        metavar="DIR",
        help="a new or empty folder for it (default: backend-agent-demo in the temp dir)",
    )
    demo.add_argument(
        "--headless", action="store_true", help="build all phases offline without the wizard"
    )

    new = _command(
        sub,
        "new",
        'start from one sentence: "build a backend for ..."',
        "Draft a brief from one sentence and open the wizard's Brief screen on it, or write "
        "it to a file with --brief-out. Claude drafts entities, roles and questions; "
        "offline, the sentence fills the project and the entities are yours to add.",
        [
            'backend-agent new "build a backend for a dog-walking marketplace"',
            'backend-agent new "design the architecture for a CRM" --brief-out crm.toml',
        ],
        [
            (0, "the wizard closed, or the brief was written"),
            (2, "bad input: the sentence, --brief-out exists (see --force), not a repository"),
            (3, "the provider failed"),
        ],
    )
    new.add_argument("sentence", help='what to build, e.g. "build a backend for a bakery"')
    _repo(new)
    new.add_argument("--brief-out", metavar="FILE", help="write the drafted brief and exit")
    new.add_argument("--provider", choices=("offline", "anthropic", "replay"), help=PROVIDER_HELP)
    new.add_argument("--model", help=MODEL_HELP)
    new.add_argument("--force", action="store_true", help="overwrite --brief-out if it exists")
    new.add_argument(
        "--record",
        metavar="FILE",
        help="anthropic: write the drafting call to FILE (JSON lines, no key); replay: the "
        "recording to play back",
    )

    build = _command(
        sub,
        "build",
        "run a build headless from a brief",
        "Start a build from a brief without the wizard: each phase is proposed, checked, "
        "and approved and committed as --approve says. Progress goes to stderr; --json "
        "prints a report on stdout. Proposals left unapproved wait for the wizard "
        "(`backend-agent resume`).",
        [
            "backend-agent build --brief backend-brief.toml     # propose phase 1, commit nothing",
            "backend-agent build --brief backend-brief.toml --phases 1-2 --approve all --json",
            "backend-agent build --brief b.toml --approve checks --test-command 'venv/bin/pytest'",
            "backend-agent build --brief b.toml --provider anthropic --max-cost 2.50",
        ],
        BUILD_EXITS,
    )
    build.add_argument(
        "--brief", required=True, metavar="FILE", help="the brief (backend-brief.toml)"
    )
    _repo(build)
    build.add_argument("--provider", choices=("offline", "anthropic", "replay"), help=PROVIDER_HELP)
    build.add_argument("--model", help=MODEL_HELP)
    build.add_argument(
        "--phases",
        help="which phases, e.g. 1-6, 2 or 1,3 (default: all six, or as far as the sentence "
        "of a drafted brief asks)",
    )
    build.add_argument(
        "--approve",
        choices=("all", "checks", "none"),
        default="none",
        help="approve every file (all), only files whose checks pass (checks), or none: "
        "leave proposals for the wizard (default)",
    )
    build.add_argument("--build", dest="name", help="build name (default: the project name)")
    build.add_argument("--json", action="store_true", help=JSON_HELP)
    checking(build)
    spending(build)

    resume = _command(
        sub,
        "resume",
        "continue a build (wizard, or headless with --approve)",
        "Continue a build where it was left: in the wizard (the only build, or the one "
        "named; several are listed to pick from), or headless with --approve, through the "
        "phases that are left.",
        [
            "backend-agent resume",
            "backend-agent resume bookmarks --repo ~/src/shop",
            "backend-agent resume bookmarks --approve all --phases 3-6",
        ],
        BUILD_EXITS,
    )
    resume.add_argument("name", nargs="?", metavar="BUILD", help="which build (see `builds`)")
    _repo(resume)
    resume.add_argument(
        "--approve",
        choices=("all", "checks", "none"),
        help="go on headless, approving as in `build --approve` (without it: the wizard)",
    )
    resume.add_argument("--phases", help="which phases to continue with (default: the rest)")
    resume.add_argument(
        "--provider", choices=("offline", "anthropic", "replay"), help=PROVIDER_HELP
    )
    resume.add_argument("--model", help=MODEL_HELP)
    resume.add_argument("--json", action="store_true", help=JSON_HELP)
    lost = resume.add_mutually_exclusive_group()
    lost.add_argument(
        "--restore-branch",
        action="store_true",
        help="the branch lost committed phases (deleted, reset): put it back at the commit "
        "the build state records",
    )
    lost.add_argument(
        "--restart-from",
        metavar="PHASE",
        help="the branch lost committed phases: build PHASE and every later phase again from "
        "the branch as it is",
    )
    checking(resume)
    spending(resume)

    evolve = _command(
        sub,
        "evolve",
        "change a build's brief: run the phases it touches again, as a delta",
        "Change a finished build's brief: the phases the change touches run again on the "
        "same branch, each file a three-way merge that keeps your own edits, with the next "
        "migration written expand/contract and linted. Conflicts and migrations that drop "
        "data always wait for you.",
        [
            "backend-agent evolve --brief backend-brief.toml     # propose, review in the wizard",
            "backend-agent evolve shop --brief changed.toml --approve all --json",
            "backend-agent evolve --brief changed.toml --onto main",
            "backend-agent evolve --say 'orders can be cancelled' --brief-out changed.toml",
        ],
        [
            *BUILD_EXITS[:1],
            (1, "done, or stopped: files rejected or failed checks, decisions wait for you"),
            (
                2,
                "bad input: the brief (a renamed project or another stack is a new build), "
                "a phase still pending review, nothing changed",
            ),
            *BUILD_EXITS[3:],
        ],
    )
    evolve.add_argument("name", nargs="?", metavar="BUILD", help="which build (see `builds`)")
    _repo(evolve)
    source = evolve.add_mutually_exclusive_group(required=True)
    source.add_argument("--brief", metavar="FILE", help="the changed brief (backend-brief.toml)")
    source.add_argument(
        "--say",
        metavar="TEXT",
        help='anthropic: what to change, in a sentence ("orders can be cancelled"); the '
        "model proposes the changed brief, written to --brief-out for you to review",
    )
    evolve.add_argument(
        "--brief-out", metavar="FILE", help="with --say: where to write the proposed brief"
    )
    evolve.add_argument("--force", action="store_true", help="overwrite --brief-out")
    evolve.add_argument(
        "--onto",
        metavar="REF",
        help="first fast-forward the build's branch to REF (a branch you merged the build "
        "into and went on with), so the merge sees your current code",
    )
    evolve.add_argument(
        "--phases", help="which of the phases the change touches to run now (default: all)"
    )
    evolve.add_argument(
        "--approve",
        choices=("all", "checks", "none"),
        default="none",
        help="as for build; conflicts and contract migrations always wait for you",
    )
    evolve.add_argument(
        "--provider", choices=("offline", "anthropic", "replay"), help=PROVIDER_HELP
    )
    evolve.add_argument("--model", help=MODEL_HELP)
    evolve.add_argument("--json", action="store_true", help=JSON_HELP)
    checking(evolve)
    spending(evolve)

    builds = _command(
        sub,
        "builds",
        "list the builds of a repository",
        "List this repository's builds: name, branch, the phase each is at, what is "
        "committed, the provider and when it was last touched.",
        ["backend-agent builds", "backend-agent builds --repo ~/src/shop --json"],
        [(0, "listed (also when there are none)"), (2, "not a git repository")],
    )
    _repo(builds)
    builds.add_argument("--json", action="store_true", help="print the list as JSON")

    undo = _command(
        sub,
        "undo",
        "drop the last phase commit of a build",
        "Move the build's branch back to before its last phase commit. The proposal and "
        "your decisions are kept, so you can change them and commit again. Only our "
        "branch moves, and only if nobody else moved it.",
        ["backend-agent undo", "backend-agent undo bookmarks"],
        [
            (0, "undone"),
            (2, "nothing to undo, or no such build"),
            (4, "the build is locked, or its branch moved since our commit"),
        ],
    )
    undo.add_argument("name", nargs="?", metavar="BUILD", help="which build (see `builds`)")
    _repo(undo)

    clean = _command(
        sub,
        "clean",
        "remove what a build that cannot be resumed left (an interrupted start, a broken state)",
        "Remove the build state, lock and worktree a build left when it cannot be resumed: "
        "a start that was interrupted, or a state file that cannot be read. Its branch and "
        "commits are kept.",
        ["backend-agent clean bookmarks"],
        [(0, "removed"), (2, "no such build, or it can still be resumed"), (4, "locked")],
    )
    clean.add_argument("name", metavar="BUILD", help="which build (see `builds`)")
    _repo(clean)

    commit = _command(
        sub,
        "commit",
        "commit the approved files and hunks of a build's current phase",
        "Commit what you approved in the build's current phase, as the wizard's c does: "
        "approved files whole, partly approved files with their approved hunks only. "
        "Refuses undecided files, an empty approval and a committed phase.",
        ["backend-agent commit", "backend-agent commit bookmarks --message 'the schema'"],
        [
            (0, "committed"),
            (2, "undecided files, nothing approved, or the phase is committed"),
            (4, "the build is locked by another process"),
        ],
    )
    commit.add_argument("name", nargs="?", metavar="BUILD", help="which build (see `builds`)")
    _repo(commit)
    commit.add_argument(
        "--message", metavar="TEXT", help="the commit message (default: the generated one)"
    )
    commit.add_argument("--json", action="store_true", help=JSON_HELP)

    brief = _command(
        sub,
        "brief",
        "work with brief files",
        "Write an example brief to start from, or check one and list every problem with its line.",
        ["backend-agent brief init", "backend-agent brief check backend-brief.toml"],
        [(0, "done"), (2, "the brief has problems, or the file exists (init)")],
    )
    brief_sub = brief.add_subparsers(
        dest="brief_command", parser_class=_Parser, required=True, metavar="ACTION"
    )
    init = _command(
        brief_sub,
        "init",
        "write an example brief to start from",
        "Write an annotated example brief to edit.",
        ["backend-agent brief init", "backend-agent brief init shop.toml --example shop"],
        [(0, "written"), (2, "FILE exists (pass --force), or no such example")],
    )
    init.add_argument(
        "file", nargs="?", default="backend-brief.toml", metavar="FILE", help="where to write it"
    )
    init.add_argument(
        "--example", default="bookmarks", help="bookmarks (default), shop or events (TypeScript)"
    )
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = _command(
        brief_sub,
        "check",
        "validate a brief and report every problem",
        "Check a brief as `build` reads it: every problem with its line, or what it holds.",
        ["backend-agent brief check", "backend-agent brief check shop.toml"],
        [(0, "valid"), (2, "problems (each printed with its line)")],
    )
    check.add_argument(
        "file", nargs="?", default="backend-brief.toml", metavar="FILE", help="the brief"
    )
    check.add_argument(
        "--provider",
        choices=("offline", "anthropic", "replay"),
        help="check for this provider (default: the one `build` would choose)",
    )

    review = _command(
        sub,
        "review",
        "apply a scripted review (per file and per hunk)",
        "Decide a build's current proposal from a JSON file (approve, reject with a "
        "comment, per file or per hunk), or ask the provider to rework the rejected hunks.",
        ["backend-agent review apply review.json", "backend-agent review rework"],
        [
            (0, "done"),
            (2, "bad input: the review file, no proposal, nothing rejected"),
            (3, "the provider failed (rework)"),
            (4, "the build is locked by another process"),
        ],
    )
    review_sub = review.add_subparsers(
        dest="review_command", parser_class=_Parser, required=True, metavar="ACTION"
    )
    apply = _command(
        review_sub,
        "apply",
        "apply the decisions of a JSON review file",
        "Apply per-file and per-hunk decisions from a JSON file to the current proposal.",
        ["backend-agent review apply review.json --json"],
        [(0, "applied"), (2, "the file is not a valid review"), (4, "the build is locked")],
    )
    apply.add_argument("file", metavar="FILE", help="the review (JSON)")
    apply.add_argument("--build", dest="name", metavar="BUILD", help="which build")
    _repo(apply)
    apply.add_argument("--json", action="store_true", help=JSON_HELP)
    rework = _command(
        review_sub,
        "rework",
        "ask the provider to redo the rejected hunks, following their comments",
        "Send the rejected hunks, with their comments, to the provider; only those hunks "
        "come back, undecided. Needs a model (the offline generator cannot).",
        ["backend-agent review rework --build bookmarks"],
        [
            (0, "reworked"),
            (2, "nothing rejected, or the provider cannot rework"),
            (3, "the provider failed"),
            (4, "the build is locked"),
        ],
    )
    rework.add_argument("--build", dest="name", metavar="BUILD", help="which build")
    _repo(rework)
    rework.add_argument("--json", action="store_true", help=JSON_HELP)

    skills = _command(
        sub,
        "skills",
        "the expertise each phase's prompt carries",
        "List, show, validate or export the skills (Agent Skills format) the prompts carry: "
        "built-in, from your config folder, or from the repository.",
        ["backend-agent skills list", "backend-agent skills export --to .claude/skills"],
        [(0, "done"), (1, "validate: findings"), (2, "bad input")],
    )
    skills_sub = skills.add_subparsers(
        dest="skills_command", parser_class=_Parser, required=True, metavar="ACTION"
    )
    listing = _command(
        skills_sub,
        "list",
        "name, source, phases and description",
        "One line per skill: name, where it comes from, the phases that use it.",
        ["backend-agent skills list"],
        [(0, "listed")],
    )
    _repo(listing)
    show = _command(
        skills_sub,
        "show",
        "print a skill's SKILL.md",
        "Print a skill's SKILL.md as the prompts carry it.",
        ["backend-agent skills show caching"],
        [(0, "printed"), (2, "no such skill")],
    )
    show.add_argument("name", metavar="NAME", help="the skill (see `skills list`)")
    _repo(show)
    validate = _command(
        skills_sub,
        "validate",
        "check skill folders; exit 1 on findings",
        "Check skill folders against the Agent Skills rules the loader applies.",
        ["backend-agent skills validate .claude/skills"],
        [(0, "every skill is valid"), (1, "findings (printed)"), (2, "DIR is not a folder")],
    )
    validate.add_argument("dir", metavar="DIR", help="a skill folder, or a folder of skill folders")
    export = _command(
        skills_sub,
        "export",
        "copy the skills for other tools",
        "Copy every skill folder to DIR, e.g. for Claude Code.",
        ["backend-agent skills export --to .claude/skills"],
        [(0, "exported")],
    )
    export.add_argument("--to", required=True, metavar="DIR", help="e.g. .claude/skills")
    _repo(export)
    add_integration_commands(sub)
    return root


def _repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--repo", default=".", metavar="DIR", help="the git repository (default: here)"
    )
