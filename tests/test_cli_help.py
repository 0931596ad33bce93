"""`--help` worth reading: every command says what it does, shows examples and its exit
codes, and every argument has help (a command added later without them fails here)."""

from __future__ import annotations

import argparse

import pytest

from backend_agent.cli import main
from backend_agent.cli.parser import build_parser


def commands(parser: argparse.ArgumentParser, prefix: str = ""):
    """(name, parser) of every command and sub-command."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield f"{prefix}{name}", child
                yield from commands(child, f"{prefix}{name} ")


ALL = list(commands(build_parser()))


@pytest.mark.parametrize("name,parser", ALL, ids=[name for name, _ in ALL])
def test_each_command_has_a_description_examples_exit_codes_and_help_for_each_argument(
    name, parser
):
    assert parser.description and len(parser.description) > 30, name
    epilog = parser.epilog or ""
    assert "examples:\n  backend-agent " in epilog, name
    assert "exit codes:\n  0 " in epilog, name
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        assert action.help, f"{name}: {action.option_strings or action.dest} has no help"


def test_build_help_reads_as_a_manual_page(capsys):
    with pytest.raises(SystemExit) as done:
        main(["build", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "Start a build from a brief without the wizard" in out
    assert "--provider {offline,anthropic,replay}\n                        who proposes" in out
    assert "  4    conflict" in out and "  130  interrupted" in out
