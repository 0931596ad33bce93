"""`install` and `uninstall`: the backend agent in Claude Code and Cursor."""

from __future__ import annotations

import argparse

from ..core.errors import Conflict, WorkspaceError
from .output import say

LOADING = {
    "claude-code": "Claude Code reads agents when a session starts: start a new one (or see /agents)",
    "cursor": "Cursor reads agents and skills when it starts: restart it",
}
SYMBOLS = {
    "create": "create ",
    "update": "update ",
    "replace": "replace",
    "remove": "remove ",
    "gone": "gone   ",
    "conflict": "CHANGED",
}


def cmd_install(args: argparse.Namespace) -> int:
    from ..integrations import installer
    from ..integrations.targets import target

    where = target(args.tool, args.repo, args.is_global)
    _check_skills(where, shipped=True)
    plan = installer.plan_install(where, force=args.force)
    if installer.up_to_date(plan):
        say(f"{where.label}: the backend agent in {where.shown} is up to date; nothing to do")
        return 0
    _show(plan)
    if args.dry_run:
        return _dry_run_end(plan, "install")
    installer.apply(plan)
    names = _check_skills(where, shipped=False)
    say(
        f"installed the backend agent for {where.label}: {where.show('agents/backend.md')} "
        f"and {len(names)} skills in {where.show('skills')}, all valid "
        f"(`backend-agent skills validate {where.show('skills')}`)"
    )
    say(f'  {LOADING[where.tool]}, then ask e.g. "build a backend for a dog-walking marketplace"')
    say(f"  remove it with `backend-agent uninstall {where.tool}{_flags(args)}`")
    return 0


def cmd_uninstall(args: argparse.Namespace) -> int:
    from ..integrations import installer
    from ..integrations.targets import target

    where = target(args.tool, args.repo, args.is_global)
    plan = installer.plan_uninstall(where, force=args.force)
    if plan is None:
        say(
            f"{where.label}: backend-agent has installed nothing in {where.shown} "
            f"(no {where.show(installer.MANIFEST)}); nothing to do"
        )
        return 0
    _show(plan)
    if args.dry_run:
        return _dry_run_end(plan, "uninstall")
    installer.apply(plan)
    removed = plan.count("remove") - 1  # the manifest is one of them
    say(f"uninstalled the backend agent for {where.label}: {removed} files removed")
    return 0


def _show(plan) -> None:
    """One line per file, or per skill folder when all its files go the same way; the diff
    under every file changed by hand."""
    from ..integrations.installer import MANIFEST

    target = plan.target
    groups: dict[str, list] = {}
    for step in plan.steps:
        if step.action == "same" or step.path == MANIFEST:
            continue
        parts = step.path.split("/")
        key = "/".join(parts[:2]) + "/" if parts[0] == "skills" and len(parts) > 2 else step.path
        groups.setdefault(key, []).append(step)
    for key, steps in groups.items():
        actions = {s.action for s in steps}
        if len(steps) > 1 and len(actions) == 1 and "conflict" not in actions:
            print(f"{SYMBOLS[steps[0].action]}  {target.show(key)} ({len(steps)} files)")
            continue
        for step in steps:
            why = f"  ({step.why})" if step.why else ""
            print(f"{SYMBOLS[step.action]}  {target.show(step.path)}{why}")
            if step.diff:
                print(step.diff, end="")
    same = plan.count("same")
    if same:
        print(f"{same} file(s) in {target.shown} already as they should be")


def _dry_run_end(plan, what: str) -> int:
    if plan.conflicts:
        raise Conflict(
            f"dry run: {what} would stop at {len(plan.conflicts)} file(s) changed by hand",
            hint="the differences are above; --force replaces them",
        )
    say(f"dry run: nothing was written; run it without --dry-run to {what}")
    return 0


def _check_skills(where, *, shipped: bool) -> list[str]:
    """The shipped skills before we copy them, the installed copies after: all valid."""
    from ..resources import data_dir
    from ..skills import validate_folder

    names = where.skill_names()
    folder = data_dir("skills") if shipped else where.base / "skills"
    findings = [str(f) for name in names for f in validate_folder(folder / name)[1]]
    if findings:
        raise WorkspaceError(
            ("backend-agent's own skills are broken: " if shipped else "installed skills fail ")
            + "; ".join(findings[:5]),
            hint="reinstall backend-agent" if shipped else "run the install again with --force",
        )
    return names


def _flags(args: argparse.Namespace) -> str:
    if args.is_global:
        return " --global"
    return f" --repo {args.repo}" if args.repo else ""
