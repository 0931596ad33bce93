"""The command line's grammar: every command, flag and its help."""

from __future__ import annotations

import argparse

from .. import __version__
from ..core.errors import BadInput
from .parser_integrations import add_integration_commands


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 like every bad input
        raise BadInput(f"{self.prog}: {message}", hint=f"see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    root = _Parser(
        prog="backend-agent",
        description="Build a production-grade backend with a person in the loop.",
    )
    root.add_argument("--version", action="version", version=f"backend-agent {__version__}")
    sub = root.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    demo = sub.add_parser("demo", help="a scratch repo with the example brief, in the wizard")
    demo.add_argument("dir", nargs="?", help="where to make the scratch repo (default: a temp dir)")
    demo.add_argument(
        "--headless", action="store_true", help="build all phases offline without the wizard"
    )

    new = sub.add_parser("new", help='start from one sentence: "build a backend for ..."')
    new.add_argument("sentence")
    _repo(new)
    new.add_argument("--brief-out", metavar="FILE", help="write the drafted brief and exit")
    new.add_argument("--provider", choices=("offline", "anthropic", "replay"))
    new.add_argument("--model")
    new.add_argument("--force", action="store_true", help="overwrite --brief-out if it exists")
    new.add_argument(
        "--record",
        metavar="FILE",
        help="anthropic: write the drafting call to FILE (JSON lines, no key); replay: the "
        "recording to play back",
    )

    build = sub.add_parser("build", help="run a build headless from a brief")
    build.add_argument("--brief", required=True, help="the brief (backend-brief.toml)")
    _repo(build)
    build.add_argument("--provider", choices=("offline", "anthropic", "replay"))
    build.add_argument("--model", help="model id for the anthropic provider")
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
    build.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    _checking(build)
    _spending(build)

    resume = sub.add_parser("resume", help="continue a build (wizard, or headless with --approve)")
    resume.add_argument("name", nargs="?", metavar="BUILD")
    _repo(resume)
    resume.add_argument("--approve", choices=("all", "checks", "none"))
    resume.add_argument("--phases", help="which phases to continue with (default: the rest)")
    resume.add_argument("--provider", choices=("offline", "anthropic", "replay"))
    resume.add_argument("--model")
    resume.add_argument("--json", action="store_true")
    _checking(resume)
    _spending(resume)

    evolve = sub.add_parser(
        "evolve", help="change a build's brief: run the phases it touches again, as a delta"
    )
    evolve.add_argument("name", nargs="?", metavar="BUILD")
    _repo(evolve)
    source = evolve.add_mutually_exclusive_group(required=True)
    source.add_argument("--brief", help="the changed brief (backend-brief.toml)")
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
    evolve.add_argument("--provider", choices=("offline", "anthropic", "replay"))
    evolve.add_argument("--model")
    evolve.add_argument("--json", action="store_true")
    _checking(evolve)
    _spending(evolve)

    builds = sub.add_parser("builds", help="list the builds of a repository")
    _repo(builds)
    builds.add_argument("--json", action="store_true")

    undo = sub.add_parser("undo", help="drop the last phase commit of a build")
    undo.add_argument("name", nargs="?", metavar="BUILD")
    _repo(undo)

    commit = sub.add_parser(
        "commit", help="commit the approved files and hunks of a build's current phase"
    )
    commit.add_argument("name", nargs="?", metavar="BUILD")
    _repo(commit)
    commit.add_argument(
        "--message", metavar="TEXT", help="the commit message (default: the generated one)"
    )
    commit.add_argument("--json", action="store_true")

    brief = sub.add_parser("brief", help="work with brief files")
    brief_sub = brief.add_subparsers(dest="brief_command", parser_class=_Parser, required=True)
    init = brief_sub.add_parser("init", help="write an example brief to start from")
    init.add_argument("file", nargs="?", default="backend-brief.toml")
    init.add_argument("--example", default="bookmarks", help="bookmarks (default) or shop")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    check = brief_sub.add_parser("check", help="validate a brief and report every problem")
    check.add_argument("file", nargs="?", default="backend-brief.toml")

    review = sub.add_parser("review", help="apply a scripted review (per file and per hunk)")
    review_sub = review.add_subparsers(dest="review_command", parser_class=_Parser, required=True)
    apply = review_sub.add_parser("apply", help="apply the decisions of a JSON review file")
    apply.add_argument("file")
    apply.add_argument("--build", dest="name", metavar="BUILD")
    _repo(apply)
    apply.add_argument("--json", action="store_true")
    rework = review_sub.add_parser(
        "rework", help="ask the provider to redo the rejected hunks, following their comments"
    )
    rework.add_argument("--build", dest="name", metavar="BUILD")
    _repo(rework)
    rework.add_argument("--json", action="store_true")

    skills = sub.add_parser("skills", help="the expertise each phase's prompt carries")
    skills_sub = skills.add_subparsers(dest="skills_command", parser_class=_Parser, required=True)
    listing = skills_sub.add_parser("list", help="name, source, phases and description")
    _repo(listing)
    show = skills_sub.add_parser("show", help="print a skill's SKILL.md")
    show.add_argument("name")
    _repo(show)
    validate = skills_sub.add_parser("validate", help="check skill folders; exit 1 on findings")
    validate.add_argument("dir", help="a skill folder, or a folder of skill folders")
    export = skills_sub.add_parser("export", help="copy the skills for other tools")
    export.add_argument("--to", required=True, help="e.g. .claude/skills")
    _repo(export)
    add_integration_commands(sub)
    return root


def _repo(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--repo", default=".", help="the git repository (default: here)")


def _checking(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--checks",
        choices=("all", "quick", "none"),
        default="all",
        help="check each proposal before deciding: all (default), quick (all but the "
        "project's test run) or none",
    )
    parser.add_argument(
        "--test-command",
        metavar="CMD",
        help="the project's test command, run in a copy of the proposed tree with "
        "DATABASE_URL set (default: pytest, when the project has a pytest suite)",
    )
    parser.add_argument(
        "--test-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="stop the test run after this long and fail it (300)",
    )
    parser.add_argument(
        "--fix-rounds",
        type=int,
        default=None,
        metavar="N",
        help="send failed checks back to the provider, inside its conversation, up to N "
        "times per phase (2; 0 turns it off; the offline generator cannot fix)",
    )
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="answers to the provider's open questions: a TOML file with an [answers] "
        'table of "question" = "answer"; every phase after is told them',
    )


def _spending(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="anthropic: write every API request and response to FILE (JSON lines, no key); "
        "replay: the recording to play back",
    )
    parser.add_argument(
        "--max-cost",
        type=_usd,
        metavar="USD",
        help="stop the build before a call that could take its cost past USD (exit 3)",
    )


def _usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in USD, e.g. 2.50") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the limit must be more than 0")
    return value
