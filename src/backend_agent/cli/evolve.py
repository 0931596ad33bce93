"""`backend-agent evolve`: a changed brief run over a finished build as a delta."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.errors import BadInput
from .build import _check_options, _drive, _provider_options
from .output import say, say_usage


def cmd_evolve(args: argparse.Namespace) -> int:
    from ..core.brief import parse_brief, read_brief_text
    from ..core.phases import parse_phase_range, phase
    from ..engine import BuildSession
    from ..providers import create_provider

    if args.say is not None:
        return _say(args)
    if args.brief_out:
        raise BadInput("--brief-out goes with --say (the proposed brief is written there)")
    brief = parse_brief(read_brief_text(args.brief), args.brief)
    checks = _check_options(args)
    options = _provider_options(args, append=args.provider != "replay")
    provider = create_provider(args.provider, args.model, **options) if args.provider else None
    from ..engine.branch_check import Repair

    # a rewritten branch is no dead end for an evolution: it merges two-way and says so
    repair = Repair(evolving=True)
    with BuildSession.open(args.repo, args.name, provider=provider, repair=repair) as session:
        evolution = session.evolve(brief, onto=args.onto)
        say(f"evolution {evolution.number} of {session.state.build}: {evolution.summary}")
        for line in evolution.lines:
            say(f"  {line}")
        say("  phases to run again: " + ", ".join(evolution.phases))
        if evolution.two_way:
            say(f"  two-way merge: {evolution.two_way}")
        phases = [phase(p) for p in evolution.phases]
        if args.phases:
            asked = {p.id for p in parse_phase_range(args.phases)}
            phases = [p for p in phases if p.id in asked]
            if not phases:
                raise BadInput(
                    f"--phases {args.phases} names none of the phases this change runs again "
                    f"({', '.join(evolution.phases)})"
                )
        return _drive(session, phases, args.approve, args.json, checks, args.fix_rounds)


def _say(args: argparse.Namespace) -> int:
    """The model proposes the changed brief; the person reviews it before evolving."""
    from ..engine import BuildSession
    from ..providers import create_provider

    if not args.brief_out:
        raise BadInput(
            "--say writes the proposed brief for you to review: give --brief-out FILE",
            hint="then `backend-agent evolve --brief FILE`",
        )
    target = Path(args.brief_out)
    if target.exists() and not args.force:
        raise BadInput(f"{target} already exists", hint="pass --force to overwrite it")
    known = {b.build: b for b in BuildSession.list(args.repo)}
    if args.name and args.name not in known:
        raise BadInput(f"there is no build named {args.name!r}", hint="see `backend-agent builds`")
    if not args.name and len(known) != 1:
        raise BadInput("name the build to change (`backend-agent builds` lists them)")
    with BuildSession.open(args.repo, args.name) as session:
        brief = session.state.brief
    options = {"record": args.record} if args.record else {}
    provider = create_provider(args.provider or "anthropic", args.model, **options)
    say(f"asking {provider.label} for the brief change…")
    draft = provider.change_brief(brief, args.say)
    say_usage(draft.usage)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(draft.to_toml(), encoding="utf-8")
    from ..core.brief_diff import diff_briefs

    for line in diff_briefs(brief, draft.brief).lines():
        say(f"  {line}")
    say(f"wrote {target}; review it, then `backend-agent evolve --brief {target}`")
    return 0
