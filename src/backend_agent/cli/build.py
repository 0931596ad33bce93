"""Commands that run phases: build, resume and the demo, and the wizard hand-off."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..core.errors import BackendAgentError, BadInput
from .output import Reported, error_doc, say, say_usage

if TYPE_CHECKING:
    import argparse


def _provider_options(args: argparse.Namespace, *, append: bool) -> dict[str, object]:
    options: dict[str, object] = {}
    if args.record:
        options["record"] = args.record
        options["record_append"] = append
    if args.max_cost is not None:
        options["max_cost_usd"] = args.max_cost
    return options


def cmd_build(args: argparse.Namespace) -> int:
    from ..core.brief import parse_brief, read_brief_text
    from ..core.intent import drafted_sentence
    from ..core.phases import parse_phase_range
    from ..engine import BuildSession
    from ..providers import create_provider, default_provider_name

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
        args.repo,
        brief,
        build=args.name,
        provider=provider,
        sentence=drafted_sentence(text),
        brief_source=args.brief,
    )
    say(f"build {session.state.build}: branch {session.state.branch}")
    say(f"  worktree {session.state.worktree}")
    with session:
        _answer(session, args.answers)
        phases = _scoped(session, requested)
        return _drive(session, phases, args.approve, args.json, checks, _rounds(args))


def _scoped(session, requested):
    """The phases to run: as asked, or as asked when the build started, or the rest of the
    build up to where its sentence stops."""
    phases, note = session.headless_scope(requested)
    if note:
        say(note)
    return phases


def cmd_resume(args: argparse.Namespace) -> int:
    from ..core.phases import parse_phase_range
    from ..engine import BuildSession
    from ..providers import create_provider

    repair = _repair(args)
    if args.approve is None:
        name = args.name
        if name is None:  # the one build there is opens; several are listed to pick from
            builds = BuildSession.list(args.repo)
            if not builds:
                raise BadInput(
                    f"there is no build to resume in {args.repo}",
                    hint="start one in the wizard (`backend-agent`) or with "
                    "`backend-agent build --brief FILE`",
                )
            name = builds[0].build if len(builds) == 1 else None
        if repair is not None:  # fix the branch headless, then review in the wizard
            BuildSession.open(args.repo, name, repair=repair).close()
        return open_wizard(args.repo, build=name)
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
    session = BuildSession.open(args.repo, args.name, provider=provider, repair=repair)
    with session:
        if session.repaired:
            say(session.repaired)
        say(f"build {session.state.build}: continuing at {session.state.current}")
        _answer(session, args.answers)
        phases = _scoped(session, requested)
        return _drive(session, phases, args.approve, args.json, checks, _rounds(args))


DEFAULT_FIX_ROUNDS = 2


def _rounds(args: argparse.Namespace) -> int:
    if args.fix_rounds is not None:
        return args.fix_rounds
    return DEFAULT_FIX_ROUNDS if args.checks != "none" else 0


def _answer(session, path: str | None) -> None:
    """Record the answers of an --answers file with the build."""
    if path is None:
        return
    from ..core.answers import read_answers

    answers = read_answers(path)
    for question, text in answers.items():
        session.answer(question, text)
    say(
        f"  {len(answers)} answer(s) from {path}; open questions left: "
        f"{len(session.open_questions())}"
    )


def _repair(args: argparse.Namespace):
    """--restore-branch / --restart-from: how to go on when the branch lost phases."""
    if not (args.restore_branch or args.restart_from):
        return None
    from ..core.phases import phase
    from ..engine.branch_check import Repair

    restart = phase(args.restart_from).id if args.restart_from else None
    return Repair(restore=args.restore_branch, restart_from=restart)


def _check_options(args: argparse.Namespace):
    """The checks a headless run makes, from --checks/--test-*/--fix-rounds (None: none)."""
    from ..core.checks import CheckOptions

    if args.checks == "none":
        if args.approve == "checks":
            raise BadInput(
                "--approve checks decides by the checks, and --checks none turns them off",
                hint="drop --checks none, or use --approve all or none",
            )
        if args.fix_rounds:
            raise BadInput("--fix-rounds sends failed checks back, and --checks none runs none")
        return None
    if args.fix_rounds is not None and not 0 <= args.fix_rounds <= 10:
        raise BadInput(f"--fix-rounds {args.fix_rounds}: give 0 to 10 rounds")
    if not args.test_timeout > 0:
        raise BadInput(f"--test-timeout {args.test_timeout:g}: give a number of seconds above 0")
    return CheckOptions(
        tests=args.checks == "all",
        test_command=args.test_command,
        test_timeout=args.test_timeout,
    )


def _drive(session, phases, policy: str, as_json: bool, checks=None, fix_rounds: int = 0) -> int:
    from ..engine.autopilot import run_phases
    from ..engine.report import build_report, has_problems

    try:
        outcome = run_phases(session, phases, policy, say, checks=checks, fix_rounds=fix_rounds)
    except BackendAgentError as error:
        if as_json:
            report = build_report(session)
            report["error"] = error_doc(error)
            print(json.dumps(report, indent=2))
        raise Reported(error) from None
    report = build_report(session)
    report["held_back"] = outcome.held
    if outcome.stopped:
        say(outcome.stopped)
    say(f"done: branch {session.state.branch}, worktree {session.state.worktree}")
    say_usage(session.state.usage)
    if as_json:
        print(json.dumps(report, indent=2))
    if outcome.held:
        say(f"held back {len(outcome.held)} files (not committed): " + ", ".join(outcome.held))
    problems = has_problems(report) or outcome.held
    return 1 if problems or (outcome.stopped and policy != "none") else 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ..demo import demo_repo

    repo, again = demo_repo(args.dir)
    say(f"demo repository: {repo}" + (" (the one from last time)" if again else ""))
    if not args.headless:
        return open_wizard(str(repo), demo=True)
    from ..core.brief import load_brief
    from ..core.checks import CheckOptions
    from ..engine import BuildSession
    from ..providers import create_provider

    offline = create_provider("offline")
    if any(b.build == "bookmarks" for b in BuildSession.list(repo)):
        session = BuildSession.open(repo, "bookmarks", provider=offline)  # go on with it
    else:
        brief = load_brief(repo / "backend-brief.toml")
        session = BuildSession.start(repo, brief, provider=offline)
    with session:
        code = _drive(session, _scoped(session, None), "all", False, CheckOptions())
        say("")
        say(f"look at the result:  git -C {repo} log --stat {session.state.branch}")
        say(f"                     ls {session.state.worktree}")
    return code


def open_wizard(
    repo: str, *, build: str | None = None, demo: bool = False, sentence: str | None = None
) -> int:
    from ..ui.app import run_wizard

    return run_wizard(repo, build=build, demo=demo, sentence=sentence)
