"""Wizard figures: moving between files of a huge proposal, the first paint of a
20,000-line diff, and the first streamed character of a proposal (the time to the first
screen is bench_startup).

The streamed text is measured on a real terminal (a pty): from the fake Anthropic API
sending the first text_delta to that text reaching the wizard's terminal, against the SDK
alone printing it in the same run.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from backend_agent.core.brief import load_brief
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider

from .bench_startup import Terminal
from .harness import Figure

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
IDENTITY = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.com",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.com",
}
FILES, LINES_PER_FILE = 300, 167  # 50,100 lines


# ----------------------------------------------------------- a huge proposal
def _module(index: int, variant: int) -> str:
    """~167 lines of Python; `variant` 1 changes a few scattered lines."""
    rng = random.Random(index)
    lines = [f'"""Module {index}: generated for the benchmark."""', "", "import os", ""]
    while len(lines) < LINES_PER_FILE - 1:
        n = len(lines)
        lines += [
            f"def handler_{n}(request, limit={rng.randint(1, 99)}):",
            f'    """Handle step {n} of the flow."""',
            f"    value = request.get('item_{n}', {rng.randint(0, 9)})",
            "    return value * limit" if variant == 0 or n % 37 else "    return value + limit",
            "",
        ]
    if variant:
        lines.insert(len(lines) // 2, "# reviewed: keep this handler small")
    return "\n".join(lines[:LINES_PER_FILE]) + "\n"


class HugeProposal(Provider):
    """300 files: created in the first phase, all modified in the next."""

    name = "bench"

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        variant = 0 if request.phase.number == 1 else 1
        changes = [
            FileChange(
                path=f"src/pkg_{i // 30}/module_{i}.py",
                action="create" if variant == 0 else "modify",
                content=_module(i, variant),
                kind="code",
            )
            for i in range(FILES)
        ]
        yield ProposalReady(Proposal(summary="A huge proposal.", changes=changes))


def _moves(root: Path) -> list[Figure]:
    from textual.app import App
    from textual.widgets import OptionList

    from backend_agent.ui.app import WizardApp
    from backend_agent.ui.showcase import settle
    from backend_agent.ui.widgets.diff_view import DiffView
    from backend_agent.ui.widgets.file_list import FileList

    repo = _repo(root, "huge")
    os.environ.update(IDENTITY)
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    with BuildSession.start(repo, brief, provider=HugeProposal()) as session:
        list(session.generate())
        session.approve_all()
        session.commit()
        list(session.generate())

    async def wizard_moves() -> tuple[float, list[float]]:
        app = WizardApp(repo, build="bookmarks", provider=HugeProposal())
        async with app.run_test(size=(160, 48)) as pilot:
            start = time.perf_counter()
            await settle(pilot, rounds=2)
            screen = app.screen
            while screen._check_cancel is not None or not app.idle:  # the checks run
                await pilot.pause(0.01)
            opened = time.perf_counter() - start
            files = screen.query_one(FileList)
            diff = screen.query_one(DiffView)
            times = []
            for _ in range(120):
                # What a key press does: the list moves, the screen shows the file's diff,
                # and the next frame draws both; the message round-trip is Textual's.
                start = time.perf_counter()
                with screen.prevent(OptionList.OptionHighlighted):
                    files.action_cursor_down()
                screen.show_selected()
                files.render_lines(files.size.region)
                diff.render_lines(diff.size.region)
                times.append(time.perf_counter() - start)
                await pilot.pause()
            assert diff.path.endswith("module_119.py"), diff.path
            return opened, times

    class Plain(App):
        def compose(self):
            yield OptionList(*[f"src/pkg/module_{i}.py" for i in range(FILES)])

    async def plain_moves() -> list[float]:
        app = Plain()
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            options = app.query_one(OptionList)
            times = []
            for _ in range(120):
                start = time.perf_counter()
                options.action_cursor_down()
                options.render_lines(options.size.region)
                times.append(time.perf_counter() - start)
                await pilot.pause()
            return times

    opened, ours = asyncio.run(wizard_moves())
    theirs = asyncio.run(plain_moves())
    p95 = statistics.quantiles(ours, n=20)[-1]
    base = statistics.quantiles(theirs, n=20)[-1]
    return [
        Figure(
            "open a phase of 300 files / 50,000 lines (resume -> diff shown, checks run)",
            opened,
            "s",
        ),
        Figure(
            "move to the next file of 300, p95 (list moved, diff computed, both drawn)",
            p95 * 1000,
            "ms",
            "a bare OptionList of 300 entries",
            base * 1000,
            target="< 50 ms",
            ok=p95 < 0.050,
        ),
    ]


# ------------------------------------------------------------ a 20,000-line diff
def _big_texts() -> tuple[str, str]:
    old_lines = []
    for i in range(20_000):
        old_lines.append(f"    total_{i} = compute(item_{i}, factor={i % 13})  # step {i}")
        if i % 40 == 0:
            old_lines.append(f"def block_{i}():")
    old_lines = old_lines[:20_000]
    new_lines = list(old_lines)
    rng = random.Random(7)
    for i in sorted(rng.sample(range(len(new_lines)), 200), reverse=True):
        kind = rng.random()
        if kind < 0.5:
            new_lines[i] = new_lines[i].replace("compute", "compute_fast")
        elif kind < 0.75:
            new_lines.insert(i, "    # a line the reviewer asked for")
        else:
            del new_lines[i]
    return "\n".join(old_lines) + "\n", "\n".join(new_lines) + "\n"


def _first_diff_paint() -> Figure:
    import difflib

    from textual.app import App

    from backend_agent.ui.widgets.diff_view import DiffView

    old, new = _big_texts()

    class One(App):
        def compose(self):
            yield DiffView()

    async def paint() -> float:
        app = One()
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            view = app.query_one(DiffView)
            start = time.perf_counter()
            view.show("src/big.py", old, new)
            view.render_lines(view.size.region)
            return time.perf_counter() - start

    ours = [asyncio.run(paint()) for _ in range(5)]

    def unified() -> float:
        start = time.perf_counter()
        for _ in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm=""):
            pass
        return time.perf_counter() - start

    theirs = [unified() for _ in range(5)]
    value, base = statistics.median(ours), statistics.median(theirs)
    return Figure(
        "first paint of a 20,000-line diff (200 changes)",
        value * 1000,
        "ms",
        "difflib.unified_diff text of it",
        base * 1000,
        target="< 250 ms",
        ok=value < 0.250,
    )


def _repo(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir()
    env = {**os.environ, **IDENTITY}
    for args in (("init", "-q"), ("add", "README.md"), ("commit", "-qm", "initial")):
        if args[0] == "add":
            (repo / "README.md").write_text("bench\n")
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=env)
    return repo


# ------------------------------------------------- first streamed text on screen
STREAM_RUNS = 5
SDK_PRINTS = """
import sys

import anthropic

client = anthropic.Anthropic(max_retries=0)
question = [{"role": "user", "content": "Propose the architecture."}]
with client.messages.stream(model=sys.argv[1], max_tokens=1024, messages=question) as stream:
    for text in stream.text_stream:
        print(text, end="", flush=True)
"""
"""The floor: a process doing nothing but print the streamed text to its terminal."""


def _text_to_screen(root: Path) -> Figure:
    """The wizard generating phase 1 against the fake API: from the first text_delta
    leaving the server to the text on the wizard's terminal (a pty), against the SDK alone
    printing the same stream to a terminal, in the same run. (The engine's own share,
    text_delta to TextDelta, is in the anthropic benchmark.)"""
    from tests.fakes.anthropic_server import FakeAnthropic, answer_reply
    from tests.fakes.builds import build_handler

    from backend_agent.providers import create_provider

    from .bench_anthropic import KEY, _environment

    brief = load_brief(EXAMPLES / "bookmarks.toml")
    script = root / "sdk_prints.py"
    script.write_text(SDK_PRINTS)
    ours, floor = [], []
    with FakeAnthropic(build_handler(scale=1), expected_key=KEY) as fake:
        with _environment(root, fake.url):
            env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
            for run in range(STREAM_RUNS):
                repo = _repo(root, f"stream{run}")
                provider = create_provider("anthropic", None, max_retries=0)
                with BuildSession.start(repo, brief, provider=provider) as session:
                    build = session.state.build
                argv = [sys.executable, "-m", "backend_agent.cli", "resume", build]
                with Terminal([*argv, "--repo", str(repo)], env) as terminal:
                    terminal.wait_for(b"Generate")  # the phase screen, ready for keys
                    sent = len(fake.first_text_sent)
                    terminal.press(b"g")
                    shown = terminal.wait_for(b"Proposing architecture")
                    ours.append(shown - fake.first_text_sent[sent])
                    terminal.wait_for(b"0 of ")  # the proposal is in: quit cleanly
                    terminal.press(b"\x11")
                    terminal.process.wait(timeout=20)
                sent = len(fake.first_text_sent)
                fake.script(answer_reply([("text", "Proposing architecture. " * 4)]))
                with Terminal([sys.executable, str(script), provider.model], env) as terminal:
                    shown = terminal.wait_for(b"Proposing architecture")
                    floor.append(shown - fake.first_text_sent[sent])
                    terminal.process.wait(timeout=20)
    value, base = statistics.median(ours), statistics.median(floor)
    return Figure(
        f"first text_delta sent -> on the wizard's screen (median of {STREAM_RUNS})",
        value * 1000,
        "ms",
        "the SDK alone printing it to a terminal",
        base * 1000,
        target="< 50 ms",
        ok=value < 0.050,
    )


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with _config_elsewhere(root):
            return [*_moves(root), _first_diff_paint(), _text_to_screen(root)]


class _config_elsewhere:
    """A user's own config (theme, keymap) must not colour the measurements."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __enter__(self) -> None:
        self.saved = os.environ.get("BACKEND_AGENT_CONFIG_DIR")
        os.environ["BACKEND_AGENT_CONFIG_DIR"] = str(self.root / "config")

    def __exit__(self, *exc: object) -> None:
        if self.saved is None:
            os.environ.pop("BACKEND_AGENT_CONFIG_DIR", None)
        else:
            os.environ["BACKEND_AGENT_CONFIG_DIR"] = self.saved
