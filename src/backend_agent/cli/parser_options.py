"""Options several commands share: how proposals are checked before a decision (build,
resume, evolve) and what a build may spend or record."""

from __future__ import annotations

import argparse


def checking(parser: argparse.ArgumentParser) -> None:
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
        default=None,
        metavar="N",
        help="send failed checks back to the provider, inside its conversation, up to N "
        "times per phase (2; 0 turns it off; the offline generator cannot fix)",
    )
    parser.add_argument(
        "--answers",
        metavar="FILE",
        help="answers to the provider's open questions: a TOML file with an [answers] "
        'table of "question" = "answer"; every phase after is told them',
    )


def spending(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--record",
        metavar="FILE",
        help="anthropic: write every API request and response to FILE (JSON lines, no key); "
        "replay: the recording to play back",
    )
    parser.add_argument(
        "--max-cost",
        type=usd,
        metavar="USD",
        help="stop the build before a call that could take its cost past USD (exit 3)",
    )


def usd(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an amount in USD, e.g. 2.50") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"{text!r}: the limit must be more than 0")
    return value
