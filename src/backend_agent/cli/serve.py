"""`serve`: the wizard in a web browser, on localhost unless told otherwise."""

from __future__ import annotations

import argparse
import shlex
import sys

from ..core.errors import BackendAgentError, BadInput
from .output import say

DEFAULT_HOST = "127.0.0.1"


def cmd_serve(args: argparse.Namespace) -> int:
    from ..workspace.git import Repository

    repo = Repository.open(args.repo).root  # a bad repo is one error now, not one per tab
    try:
        from ..ui.web import WizardServer, is_loopback
    except ImportError as error:
        raise BadInput(
            f"serve needs the textual-serve package, which is not installed ({error})",
            hint="pip install 'textual-serve>=1.1,<2' into backend-agent's environment",
        ) from None
    host = args.host or DEFAULT_HOST
    if not is_loopback(host):
        say(
            f"warning: serving on {host}, not only on this machine: anyone who can reach "
            f"{host}:{args.port} can drive the wizard and commit to {repo} — there is no "
            "login. Use it only on a network you trust."
        )
    command = shlex.join([sys.executable, "-m", "backend_agent.cli", str(repo)])
    url = f"http://{'[' + host + ']' if ':' in host else host}:{args.port}"
    say(f"the wizard on {repo}: open {url} in a browser (ctrl+c stops the server)")
    try:
        WizardServer(command, host=host, port=args.port).serve()
    except OSError as error:
        raise BackendAgentError(
            f"cannot listen on {host}:{args.port}: {error.strerror or error}",
            hint="choose another port with --port, or stop what is using it",
        ) from None
    return 0
