"""The grammar of the commands that take backend-agent elsewhere: into Claude Code and
Cursor (install, uninstall), onto any tree (check) and into a browser (serve)."""

from __future__ import annotations

import argparse
import textwrap

TOOLS = ("claude-code", "cursor")


def add_integration_commands(sub) -> None:
    install = sub.add_parser(
        "install",
        help="install the backend agent and its skills into Claude Code or Cursor",
        description=_para(
            "Write the backend agent (the six-phase workflow with backend-agent's "
            "review gates, routed to by phrases such as 'build a backend for ...') and the ten "
            "skills it reads, in the format the tool loads: Claude Code gets .claude/agents/"
            "backend.md and .claude/skills/; Cursor gets .cursor/agents/backend.md, "
            ".cursor/skills/ and a rule in .cursor/rules/. A manifest beside them records what "
            "was written, so a file you changed is never overwritten without --force and "
            "uninstall removes exactly what install wrote."
        ),
        epilog=_examples(
            "backend-agent install claude-code            # into this project's .claude/",
            "backend-agent install cursor --repo ../shop  # into ../shop/.cursor/",
            "backend-agent install claude-code --global   # into ~/.claude/ for every project",
            "backend-agent install cursor --dry-run       # show what would change",
        )
        + _exits(
            "installed, or already up to date",
            conflict="a file was changed by hand (its diff is shown; nothing is written)",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _target(install)
    install.add_argument(
        "--dry-run", action="store_true", help="show what would be written, write nothing"
    )
    install.add_argument(
        "--force", action="store_true", help="replace files changed by hand (diff shown first)"
    )

    uninstall = sub.add_parser(
        "uninstall",
        help="remove exactly what `install` wrote",
        description=_para(
            "Remove the files `install` wrote, as its manifest lists them, and the "
            "folders it made once they are empty. A file changed by hand since is kept (its diff "
            "is shown) unless --force; anything else in those folders is never touched."
        ),
        epilog=_examples(
            "backend-agent uninstall claude-code",
            "backend-agent uninstall cursor --global --force",
        )
        + _exits(
            "removed, or nothing was installed",
            conflict="a file was changed by hand (its diff is shown; nothing is removed)",
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _target(uninstall)
    uninstall.add_argument(
        "--dry-run", action="store_true", help="show what would be removed, remove nothing"
    )
    uninstall.add_argument("--force", action="store_true", help="remove files changed by hand too")

    check = sub.add_parser(
        "check",
        help="run the checks of a proposal on any tree (exit 0 pass, 1 fail)",
        description=_para(
            "Run the checks backend-agent runs on every proposal on a folder as it "
            "is on disk (files git ignores are left out): SQL migrations parsed and applied in "
            "order to a throwaway PostgreSQL, Python syntax and ruff, the project's test suite "
            "with DATABASE_URL set, ADR structure and numbering, Markdown links, secrets, and "
            "JSON/YAML/TOML/OpenAPI files. Failures print as FILE:LINE:COLUMN: [check] message."
        ),
        epilog=_examples(
            "backend-agent check                     # this folder",
            "backend-agent check path/to/service --json",
            "backend-agent check --quick             # everything but the test suite",
            "backend-agent check --strict            # a check that could not run fails",
        )
        + _exits("every check passed (skipped ones are listed)", fail="a check failed"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("dir", nargs="?", default=".", metavar="DIR", help="(default: here)")
    check.add_argument("--json", action="store_true", help="print one JSON document on stdout")
    check.add_argument(
        "--quick", action="store_true", help="skip the project's test suite (the slow part)"
    )
    check.add_argument(
        "--strict",
        action="store_true",
        help="count checks that could not run (no PostgreSQL, no test environment) as failures",
    )
    check.add_argument(
        "--test-command",
        metavar="CMD",
        help="the project's test command, run in a copy of the tree with DATABASE_URL set "
        "(default: pytest, when the project has a pytest suite)",
    )
    check.add_argument(
        "--test-timeout",
        type=float,
        default=300.0,
        metavar="SECONDS",
        help="stop the test run after this long and fail it (300)",
    )

    serve = sub.add_parser(
        "serve",
        help="the wizard in a web browser",
        description=_para(
            "Serve the wizard on a local web page (textual-serve): each browser tab "
            "gets its own wizard on the repository. It listens on 127.0.0.1 unless --host says "
            "otherwise; anyone who can reach the page can build and commit to the repository, so "
            "a non-loopback host is only used when you name it, and it is warned about."
        ),
        epilog=_examples(
            "backend-agent serve                      # http://127.0.0.1:8000",
            "backend-agent serve --port 8123 --repo ../shop",
            "backend-agent serve --host 0.0.0.0       # every interface (a warning says why not)",
        )
        + _exits("stopped with ctrl+c"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument("--repo", default=".", help="the git repository (default: here)")
    serve.add_argument("--host", default=None, help="the address to listen on (default: 127.0.0.1)")
    serve.add_argument(
        "--port", type=_port, default=8000, metavar="N", help="the port (default: 8000)"
    )


def _target(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "tool", choices=TOOLS, metavar="{claude-code,cursor}", help="the tool to install into"
    )
    parser.add_argument(
        "--global",
        dest="is_global",
        action="store_true",
        help="your home folder (~/.claude, ~/.cursor), for every project",
    )
    parser.add_argument(
        "--repo", default=None, help="the project (default: the git repository here)"
    )


def _para(text: str) -> str:
    return textwrap.fill(text, 88)


def _examples(*lines: str) -> str:
    return "examples:\n" + "".join(f"  {line}\n" for line in lines)


def _exits(ok: str, *, fail: str | None = None, conflict: str | None = None) -> str:
    codes = [f"  0  {ok}"]
    if fail:
        codes.append(f"  1  {fail}")
    codes.append("  2  bad input (usage, a folder that does not exist)")
    if conflict:
        codes.append(f"  4  {conflict}")
    return "\nexit codes:\n" + "\n".join(codes) + "\n"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number") from None
    if not 0 < value < 65536:
        raise argparse.ArgumentTypeError(f"{value}: a port is 1 to 65535")
    return value
