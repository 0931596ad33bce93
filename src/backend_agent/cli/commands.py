"""Commands around a build: new, builds, undo, brief, review and skills."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.controls import show_controls
from ..core.errors import BadInput
from .build import open_wizard
from .output import say, say_usage

if TYPE_CHECKING:
    import argparse


def cmd_new(args: argparse.Namespace) -> int:
    from ..core.intent import read_intent
    from ..providers import create_provider

    intent = read_intent(args.sentence)
    if args.brief_out is None:
        return open_wizard(args.repo, sentence=args.sentence)
    target = Path(args.brief_out)
    if target.exists() and not args.force:
        raise BadInput(f"{target} already exists", hint="pass --force to overwrite it")
    options = {"record": args.record} if args.record else {}
    provider = create_provider(args.provider, args.model, **options)
    say(f"drafting a brief with {provider.label}…")
    draft = provider.draft_brief(intent)
    say_usage(draft.usage)
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


def cmd_builds(args: argparse.Namespace) -> int:
    from ..engine import BuildSession

    builds = BuildSession.list(args.repo)
    problems = BuildSession.broken(args.repo)
    for problem in problems:
        say(f"cannot be used: {show_controls(problem.message)}")
        say(f"  hint: {problem.hint}")
    if args.json:
        print(json.dumps([b.model_dump(mode="json") for b in builds], indent=2))
        return 0
    if not builds:
        if not problems:  # else "no builds" would contradict the lines above
            say("no builds in this repository; start one with `backend-agent build --brief FILE`")
        return 0
    for b in builds:
        done = ", ".join(b.committed) or "nothing committed"
        if b.evolutions:
            done += f"; {b.evolutions} evolution{'s' if b.evolutions != 1 else ''}"
        print(
            f"{b.build:<20} {b.branch:<34} at {b.phase:<14} {done}  "
            f"[{b.provider}{' ' + b.model if b.model else ''}, {b.updated:%Y-%m-%d %H:%M}]"
        )
        if b.lost:
            say(
                f"  {b.build}: no longer on {b.branch}: {', '.join(b.lost)}; "
                f"`backend-agent resume {b.build}` says what happened and how to go on"
            )
    return 0


def cmd_undo(args: argparse.Namespace) -> int:
    from ..engine import BuildSession

    with BuildSession.open(args.repo, args.name) as session:
        evolutions = len(session.state.evolutions)
        undone = session.undo()
        if len(session.state.evolutions) < evolutions:
            say(
                f"discarded evolution {evolutions} (none of its commits was left): the build "
                f"and its brief are as before it; {session.state.branch} is at "
                f"{session.worktree.head()[:10]}"
            )
            return 0
        say(
            f"undid phase {undone.number} ({undone.id}): {session.state.branch} is back at "
            f"{session.worktree.head()[:10]}; its proposal and your decisions are kept"
        )
    return 0


def cmd_clean(args: argparse.Namespace) -> int:
    from ..engine import BuildSession

    for line in BuildSession.clean(args.repo, args.name):
        say(line)
    return 0


def cmd_commit(args: argparse.Namespace) -> int:
    """The wizard's commit, headless: the approved files and hunks of the current phase."""
    from ..engine import BuildSession
    from ..engine.report import build_report

    with BuildSession.open(args.repo, args.name) as session:
        target = session.phase
        sha = session.commit(args.message, leave_undecided=False)
        say(
            f"committed phase {target.number} ({target.id}) as {sha[:10]} on {session.state.branch}"
        )
        if args.json:
            report = build_report(session)
            report["committed"] = {"phase": target.id, "commit": sha}
            print(json.dumps(report, indent=2))
    return 0


def cmd_brief(args: argparse.Namespace) -> int:
    from ..core.brief import load_brief
    from ..resources import example_brief

    if args.brief_command == "check":
        from ..providers import check_brief, default_provider_name

        brief = load_brief(args.file)
        provider = args.provider or default_provider_name()
        notes = check_brief(provider, brief, args.file)
        say(
            f"{args.file}: valid ({len(brief.entities)} entities, {len(brief.relations)} "
            f"relations) for the {provider} provider"
        )
        for note in notes:
            say(f"  note: {note}")
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
    from ..engine import BuildSession
    from ..engine.report import build_report
    from ..engine.review_file import apply_review, load

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
    from ..core.events import Progress, UsageReport
    from ..core.usage import Usage
    from ..engine.rework import last_notes

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
    say_usage(used)


def cmd_skills(args: argparse.Namespace) -> int:
    from ..skills import load_skills, validate_folder

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
    from ..workspace.git import Repository

    try:
        return Repository.open(path).root
    except BadInput:
        return None
