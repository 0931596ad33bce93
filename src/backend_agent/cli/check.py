"""`check`: the checks of a proposal on any folder, as a compiler reports — one finding a
line on stdout, progress and the test run's output on stderr, exit 1 on a failure."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..core.errors import BadInput
from .output import say

EXIT_INTERRUPTED = 130
ORDER = {"fail": 0, "warn": 1, "skipped": 2}


def cmd_check(args: argparse.Namespace) -> int:
    from ..checks.folder import check_folder
    from ..core.checks import CheckOptions, CheckOutput, CheckProgress

    root = Path(args.dir).expanduser()
    if not root.is_dir():
        raise BadInput(
            f"{root} is not a folder" if root.exists() else f"{root} does not exist",
            hint="give the folder to check, e.g. `backend-agent check .`",
        )
    if not args.test_timeout > 0:
        raise BadInput(f"--test-timeout {args.test_timeout:g}: give a number of seconds above 0")
    options = CheckOptions(
        tests=not args.quick, test_command=args.test_command, test_timeout=args.test_timeout
    )

    def progress(event: object) -> None:
        if isinstance(event, CheckProgress):
            say(f"  {event.message}")
        elif isinstance(event, CheckOutput):
            say(f"    | {event.line}")

    say(f"checking {root}")
    try:
        checks = check_folder(root, options, on_event=progress)
    except KeyboardInterrupt:
        say("backend-agent: check interrupted; nothing was changed")
        return EXIT_INTERRUPTED
    found = [(path, r) for path, fc in checks.files.items() for r in fc.results]
    found += [(None, r) for r in checks.phase]
    counts = {s: sum(1 for _, r in found if r.status == s) for s in ("fail", "warn", "skipped")}
    counts["pass"] = sum(1 for _, r in found if r.status == "pass")
    failed = counts["fail"] > 0 or (args.strict and counts["skipped"] > 0)
    if args.json:
        print(json.dumps(_document(root, checks, found, counts, failed, args.strict), indent=2))
    else:
        _print(found, counts, len(checks.files), args.strict)
    return 1 if failed else 0


def _print(found, counts: dict[str, int], files: int, strict: bool) -> None:
    shown = sorted(
        ((p, r) for p, r in found if r.status in ORDER),
        key=lambda item: (ORDER[item[1].status], item[0] or "", item[1].line or 0),
    )
    for path, result in shown:
        where = result.where(path)
        label = "FAIL" if result.status == "fail" else result.status
        print(f"{where + ': ' if where else ''}{label} [{result.check}] {result.message}")
    verdict = "failed" if counts["fail"] or (strict and counts["skipped"]) else "passed"
    print(
        f"{verdict}: {files} files; {counts['fail']} failed, {counts['warn']} warnings, "
        f"{counts['skipped']} skipped{' (--strict: a failure)' if strict else ''}, "
        f"{counts['pass']} passed"
    )


def _document(root: Path, checks, found, counts, failed: bool, strict: bool) -> dict:
    return {
        "dir": str(root.resolve()),
        "passed": not failed,
        "strict": strict,
        "counts": counts,
        "failures": [
            {"path": path, **result.model_dump(mode="json")}
            for path, result in found
            if result.status == "fail"
        ],
        "files": {
            path: [r.model_dump(mode="json") for r in fc.results]
            for path, fc in checks.files.items()
        },
        "checks": [r.model_dump(mode="json") for r in checks.phase],
        "server": checks.server,
    }
