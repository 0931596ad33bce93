"""The command line: the wizard by default, and every engine action headless.

Imports are made inside the commands so `--version` and the first screen stay fast.
Errors meant for a person are printed as one message with a hint and an exit code; a
traceback means a bug in backend-agent.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .core.errors import BackendAgentError, BadInput

COMMANDS = ("demo", "new", "build", "resume", "builds", "undo", "brief", "review", "skills")
EXIT_INTERRUPTED = 130


def say(message: str) -> None:
    """Human progress: always stderr, so stdout stays clean for --json."""
    print(message, file=sys.stderr, flush=True)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2 like every bad input
        raise BadInput(f"{self.prog}: {message}", hint=f"see `{self.prog} --help`")


def _parser() -> argparse.ArgumentParser:
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

    builds = sub.add_parser("builds", help="list the builds of a repository")
    _repo(builds)
    builds.add_argument("--json", action="store_true")

    undo = sub.add_parser("undo", help="drop the last phase commit of a build")
    undo.add_argument("name", nargs="?", metavar="BUILD")
    _repo(undo)

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
        default=0,
        metavar="N",
        help="send failed checks back to the provider as feedback up to N times (0)",
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


def _provider_options(args: argparse.Namespace, *, append: bool) -> dict[str, object]:
    options: dict[str, object] = {}
    if args.record:
        options["record"] = args.record
        options["record_append"] = append
    if args.max_cost is not None:
        options["max_cost_usd"] = args.max_cost
    return options


# --------------------------------------------------------------------------- commands
def cmd_build(args: argparse.Namespace) -> int:
    from .core.brief import parse_brief, read_brief_text
    from .core.intent import drafted_sentence
    from .core.phases import parse_phase_range
    from .engine import BuildSession
    from .providers import create_provider, default_provider_name

    text = read_brief_text(args.brief)
    brief = parse_brief(text, args.brief)
    requested = parse_phase_range(args.phases) if args.phases else None
    checks = _check_options(args)
    if args.provider is None:
        chosen = default_provider_name()
        why = "ANTHROPIC_API_KEY is set" if chosen == "anthropic" else "no ANTHROPIC_API_KEY"
        say(f"provider: {chosen} ({why}; choose with --provider)")
    options = _provider_options(args, append=False)
    provider = create_provider(args.provider, args.model, **options)
    session = BuildSession.start(
        args.repo, brief, build=args.name, provider=provider, sentence=drafted_sentence(text)
    )
    say(f"build {session.state.build}: branch {session.state.branch}")
    say(f"  worktree {session.state.worktree}")
    with session:
        phases = _scoped(session, requested)
        return _drive(session, phases, args.approve, args.json, checks, args.fix_rounds)


def _scoped(session, requested):
    """The phases to run: as asked, or the rest of the build up to where its sentence
    stops; phases asked for beyond that stop lift it."""
    from .engine.scope import headless_phases

    phases, lifted, note = headless_phases(session.state, requested)
    if lifted:
        session.extend_scope()
    if note:
        say(note)
    return phases


def cmd_resume(args: argparse.Namespace) -> int:
    from .core.phases import parse_phase_range
    from .engine import BuildSession
    from .providers import create_provider

    if args.approve is None:
        return _wizard(args.repo, build=args.name)
    checks = _check_options(args)
    options = _provider_options(args, append=args.provider != "replay")
    provider = None
    if args.provider or options:
        name, model = args.provider, args.model
        if name is None:  # the build's own provider, with this run's options
            known = {b.build: b for b in BuildSession.list(args.repo)}
            summary = known.get(args.name) if args.name else None
            summary = summary or (next(iter(known.values())) if len(known) == 1 else None)
            name = summary.provider if summary else None
            model = model or (summary.model if summary else None) or None
        provider = create_provider(name, model, **options)
    requested = parse_phase_range(args.phases) if args.phases else None
    session = BuildSession.open(args.repo, args.name, provider=provider)
    with session:
        say(f"build {session.state.build}: continuing at {session.state.current}")
        phases = _scoped(session, requested)
        return _drive(session, phases, args.approve, args.json, checks, args.fix_rounds)


def _check_options(args: argparse.Namespace):
    """The checks a headless run makes, from --checks/--test-*/--fix-rounds (None: none)."""
    from .core.checks import CheckOptions

    if args.checks == "none":
        if args.approve == "checks":
            raise BadInput(
                "--approve checks decides by the checks, and --checks none turns them off",
                hint="drop --checks none, or use --approve all or none",
            )
        if args.fix_rounds:
            raise BadInput("--fix-rounds sends failed checks back, and --checks none runs none")
        return None
    if args.fix_rounds < 0 or args.fix_rounds > 10:
        raise BadInput(f"--fix-rounds {args.fix_rounds}: give 0 to 10 rounds")
    if not args.test_timeout > 0:
        raise BadInput(f"--test-timeout {args.test_timeout:g}: give a number of seconds above 0")
    return CheckOptions(
        tests=args.checks == "all",
        test_command=args.test_command,
        test_timeout=args.test_timeout,
    )


def _drive(session, phases, policy: str, as_json: bool, checks=None, fix_rounds: int = 0) -> int:
    from .engine.autopilot import run_phases
    from .engine.report import build_report, has_problems

    try:
        outcome = run_phases(session, phases, policy, say, checks=checks, fix_rounds=fix_rounds)
    except BackendAgentError as error:
        if as_json:
            report = build_report(session)
            report["error"] = _error_doc(error)
            print(json.dumps(report, indent=2))
        raise _Reported(error) from None
    report = build_report(session)
    if outcome.stopped:
        say(outcome.stopped)
    say(f"done: branch {session.state.branch}, worktree {session.state.worktree}")
    _say_usage(session.state.usage)
    if as_json:
        print(json.dumps(report, indent=2))
    return 1 if has_problems(report) or (outcome.stopped and policy != "none") else 0


def cmd_new(args: argparse.Namespace) -> int:
    from .core.intent import read_intent
    from .providers import create_provider

    intent = read_intent(args.sentence)
    if args.brief_out is None:
        return _wizard(args.repo, sentence=args.sentence)
    target = Path(args.brief_out)
    if target.exists() and not args.force:
        raise BadInput(f"{target} already exists", hint="pass --force to overwrite it")
    options = {"record": args.record} if args.record else {}
    provider = create_provider(args.provider, args.model, **options)
    say(f"drafting a brief with {provider.label}…")
    draft = provider.draft_brief(intent)
    _say_usage(draft.usage)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(draft.to_toml(), encoding="utf-8")
    if intent.scope == "architecture":
        say(
            "the sentence asks for the architecture: `build` stops after phase 1 (its first "
            "lines say so; delete them, or pass --phases 1-6, to build all six)"
        )
    if draft.note:
        say(draft.note)
    say(f"wrote {target}; review it, then `backend-agent build --brief {target}`")
    return 0


def _say_usage(usage) -> None:
    if usage.total_input or usage.output_tokens:
        cost = "unknown (no price for the model)"
        if usage.cost_usd is not None:
            cost = f"${usage.cost_usd:.4f}"
        say(
            f"tokens: {usage.total_input:,} in ({usage.cache_read_tokens:,} read from the cache), "
            f"{usage.output_tokens:,} out; cost {cost}"
        )


def cmd_builds(args: argparse.Namespace) -> int:
    from .engine import BuildSession

    builds = BuildSession.list(args.repo)
    if args.json:
        print(json.dumps([b.model_dump(mode="json") for b in builds], indent=2))
        return 0
    if not builds:
        say("no builds in this repository; start one with `backend-agent build --brief FILE`")
        return 0
    for b in builds:
        done = ", ".join(b.committed) or "nothing committed"
        print(
            f"{b.build:<20} {b.branch:<34} at {b.phase:<14} {done}  "
            f"[{b.provider}{' ' + b.model if b.model else ''}, {b.updated:%Y-%m-%d %H:%M}]"
        )
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from .engine import BuildSession

    with BuildSession.open(args.repo, args.name) as session:
        undone = session.undo()
        say(
            f"undid phase {undone.number} ({undone.id}): {session.state.branch} is back at "
            f"{session.worktree.head()[:10]}; its proposal and your decisions are kept"
        )
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from .core.brief import load_brief
    from .resources import example_brief

    if args.brief_command == "check":
        brief = load_brief(args.file)
        say(
            f"{args.file}: valid ({len(brief.entities)} entities, {len(brief.relations)} relations)"
        )
        return 0
    target = Path(args.file)
    if target.exists() and not args.force:
        raise BadInput(f"{target} already exists", hint="pass --force to overwrite it")
    source = example_brief(args.example)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    say(
        f"wrote {target} (the {args.example} example); edit it, then `backend-agent build --brief {target}`"
    )
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from .engine import BuildSession
    from .engine.report import build_report
    from .engine.review_file import apply_review, load

    if args.review_command == "rework":
        with BuildSession.open(args.repo, args.name) as session:
            _rework(session)
            if args.json:
                print(json.dumps(build_report(session), indent=2))
        return 0
    decisions = load(Path(args.file))
    with BuildSession.open(args.repo, args.name) as session:
        for line in apply_review(session, decisions):
            say(line)
        if args.json:
            print(json.dumps(build_report(session), indent=2))
    return 0


def _rework(session) -> None:
    from .core.events import Progress, UsageReport
    from .core.usage import Usage
    from .engine.rework import last_notes

    for path, count in session.rejected_hunks().items():
        say(f"reworking {count} rejected hunk(s) of {path} with {session.provider.label}…")
    used = Usage()
    for event in session.rework_hunks():
        if isinstance(event, UsageReport):
            used = used + event.usage
        elif isinstance(event, Progress) and not event.path:
            say(f"  {event.message}")
    for note in last_notes(session.proposal):
        say(note)
    for change in session.proposal.changes:
        states = [r.decision for _, r in session.hunks(change.path)]
        if states:
            say(f"  {change.path}: hunks " + ", ".join(f"{i} {d}" for i, d in enumerate(states)))
    _say_usage(used)


def cmd_skills(args: argparse.Namespace) -> int:
    from .skills import load_skills, validate_folder

    if args.skills_command == "validate":
        folder = Path(args.dir)
        if not folder.is_dir():
            raise BadInput(f"{folder} is not a folder")
        folders = (
            [folder]
            if (folder / "SKILL.md").exists()
            else sorted(p for p in folder.iterdir() if p.is_dir())
        )
        findings = [f for child in folders for f in validate_folder(child)[1]]
        for finding in findings:
            print(finding)
        say(f"{len(folders)} skill folder(s), {len(findings)} finding(s)")
        return 1 if findings or not folders else 0
    repo = _repo_root(args.repo)
    found = load_skills(repo)
    for finding in found.findings:
        say(f"skipped: {finding}")
    if args.skills_command == "list":
        for skill in found.all():
            phases = ",".join(str(p.number) for p in skill.phases) or "-"
            print(
                f"{skill.name:<26} {skill.source:<20} phases {phases:<8} "
                f"{skill.description.splitlines()[0][:90]}"
            )
        return 0
    if args.skills_command == "show":
        skill = found.get(args.name)
        if skill is None:
            raise BadInput(
                f"there is no skill {args.name!r}", hint="see `backend-agent skills list`"
            )
        print(skill.text(), end="")
        return 0
    import shutil

    target = Path(args.to)
    for skill in found.all():
        shutil.copytree(skill.folder, target / skill.name, dirs_exist_ok=True)
    say(f"exported {len(found.skills)} skills to {target}")
    return 0


def _repo_root(path: str) -> Path | None:
    """The repository at `path` if there is one: repo skills are optional for skills commands."""
    from .workspace.git import Repository

    try:
        return Repository.open(path).root
    except BadInput:
        return None


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import make_demo_repo

    repo = make_demo_repo(args.dir)
    say(f"demo repository: {repo}")
    if not args.headless:
        return _wizard(str(repo), demo=True)
    from .core.brief import load_brief
    from .core.checks import CheckOptions
    from .core.phases import PHASES
    from .engine import BuildSession
    from .providers import create_provider

    brief = load_brief(repo / "backend-brief.toml")
    session = BuildSession.start(repo, brief, provider=create_provider("offline"))
    with session:
        phases = [p for p in PHASES if p.number <= 2]
        code = _drive(session, phases, "all", False, CheckOptions())
        say("")
        say(f"look at the result:  git -C {repo} log --stat {session.state.branch}")
        say(f"                     ls {session.state.worktree}")
    return code


def _wizard(
    repo: str, *, build: str | None = None, demo: bool = False, sentence: str | None = None
) -> int:
    from .ui.app import run_wizard

    return run_wizard(repo, build=build, demo=demo, sentence=sentence)


# ------------------------------------------------------------------------------ main
class _Reported(Exception):
    """An error already printed as JSON; only its exit code is left to give."""

    def __init__(self, error: BackendAgentError) -> None:
        self.error = error


def _error_doc(error: BackendAgentError) -> dict:
    return {"message": error.message, "hint": error.hint, "exit_code": error.exit_code}


def _on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    signal.signal(signal.SIGTERM, _on_sigterm)
    handlers = {
        "build": cmd_build,
        "resume": cmd_resume,
        "builds": cmd_builds,
        "undo": cmd_undo,
        "brief": cmd_brief,
        "demo": cmd_demo,
        "skills": cmd_skills,
        "review": cmd_review,
        "new": cmd_new,
    }
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if len(argv) > 1:
                raise BadInput(
                    f"unexpected arguments: {' '.join(argv[1:])}",
                    hint="usage: backend-agent [REPO] or backend-agent COMMAND ...",
                )
            repo = argv[0] if argv else "."
            return _wizard(repo)
        args = _parser().parse_args(argv)
        if args.command is None:
            return _wizard(".")
        return handlers[args.command](args)
    except _Reported as reported:
        _print_error(reported.error)
        return reported.error.exit_code
    except BackendAgentError as error:
        if as_json:
            print(json.dumps({"error": _error_doc(error)}, indent=2))
        _print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        say(
            "backend-agent: interrupted; the build state is saved — continue with "
            "`backend-agent resume`"
        )
        return EXIT_INTERRUPTED


def _print_error(error: BackendAgentError) -> None:
    say(f"backend-agent: error: {error.message}")
    if error.hint:
        say(f"  hint: {error.hint}")


if __name__ == "__main__":
    sys.exit(main())
