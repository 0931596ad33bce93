"""The command line: the wizard by default, and every engine action headless.

Imports are made inside the commands so `--version` and the first screen stay fast.
Errors meant for a person are printed as one message with a hint and an exit code; a
traceback means a bug in backend-agent.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence

from ..core.controls import show_controls
from ..core.errors import BackendAgentError, BadInput
from ..core.oserrors import os_failure
from .output import Reported, error_doc, say

COMMANDS = (
    "demo",
    "new",
    "build",
    "resume",
    "evolve",
    "builds",
    "undo",
    "clean",
    "commit",
    "brief",
    "review",
    "skills",
    "install",
    "uninstall",
    "check",
    "serve",
)
EXIT_INTERRUPTED = 130


def on_sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in argv
    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        if not argv or (argv[0] not in COMMANDS and not argv[0].startswith("-")):
            if len(argv) > 1:
                raise BadInput(
                    f"unexpected arguments: {' '.join(argv[1:])}",
                    hint="usage: backend-agent [REPO] or backend-agent COMMAND ...",
                )
            repo = argv[0] if argv else "."
            return _wizard(repo)
        from .parser import build_parser  # argparse only when a command is given

        args = build_parser().parse_args(argv)
        if args.command is None:
            return _wizard(".")
        return _handlers()[args.command](args)
    except Reported as reported:
        print_error(reported.error)
        return reported.error.exit_code
    except (BackendAgentError, OSError) as failure:
        error = failure if isinstance(failure, BackendAgentError) else os_failure(failure, "finish")
        if as_json:
            import json

            print(json.dumps({"error": error_doc(error)}, indent=2))
        print_error(error)
        return error.exit_code
    except KeyboardInterrupt:
        say(
            "backend-agent: interrupted; the build state is saved — continue with "
            "`backend-agent resume`"
        )
        return EXIT_INTERRUPTED


def _wizard(repo: str) -> int:
    """The wizard, with nothing else imported first: its first screen is timed."""
    from ..ui.app import run_wizard

    return run_wizard(repo)


def _handlers() -> dict:
    from .build import cmd_build, cmd_demo, cmd_resume
    from .check import cmd_check
    from .commands import (
        cmd_brief,
        cmd_builds,
        cmd_clean,
        cmd_commit,
        cmd_new,
        cmd_review,
        cmd_skills,
        cmd_undo,
    )
    from .evolve import cmd_evolve
    from .install import cmd_install, cmd_uninstall
    from .serve import cmd_serve

    return {
        "build": cmd_build,
        "resume": cmd_resume,
        "evolve": cmd_evolve,
        "builds": cmd_builds,
        "undo": cmd_undo,
        "clean": cmd_clean,
        "commit": cmd_commit,
        "brief": cmd_brief,
        "demo": cmd_demo,
        "skills": cmd_skills,
        "review": cmd_review,
        "new": cmd_new,
        "install": cmd_install,
        "uninstall": cmd_uninstall,
        "check": cmd_check,
        "serve": cmd_serve,
    }


def print_error(error: BackendAgentError) -> None:
    """The message and hint, with control characters from the input shown escaped."""
    say(f"backend-agent: error: {show_controls(error.message)}")
    if error.hint:
        say(f"  hint: {show_controls(error.hint)}")
