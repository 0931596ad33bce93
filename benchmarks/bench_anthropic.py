"""Anthropic provider figures against the fake API (tests/fakes), with realistic volumes.

- A six-phase build of examples/bookmarks.toml by the simulated Claude (tests/fakes/
  claude.py: the offline generator's files through the tool loop, a few files per answer;
  phase 3 is 39 files, ~125 KB): per phase, the calls, the input tokens sent and the share
  read from the prompt cache, and the input cost against the same tokens without caching;
  then the share of phases 2-6 input read from the cache (target: at least 80%). The fake
  bills like the API: about 4 characters a token, cache reads for the longest prefix cached
  at a breakpoint. That share grows with the number of answers per phase (each answer's
  own output is new input to the next), so a second figure says what the prefix layout is
  worth whatever the answer count: of the input an earlier request had already sent (the
  longest prefix shared with one), the share read from the cache rather than paid again.
- Latency of the first rationale text: from the fake writing the first text_delta to the
  engine yielding the TextDelta, against the SDK alone yielding that event. The wizard's
  part (TextDelta to a character on screen) is measured by the wizard's own benchmark.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.anthropic_protocol import blocks_in_cache_order, prefix_hashes
from tests.fakes.anthropic_server import FakeAnthropic
from tests.fakes.builds import asked_phase, build_handler
from tests.fakes.claude import SimulatedClaude

from backend_agent.core.brief import load_brief
from backend_agent.core.events import TextDelta
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider
from backend_agent.providers.anthropic.pricing import price_of

from .harness import Figure

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
KEY = "sk-ant-bench-not-a-key"
PER_ANSWER = 4
"""Files the simulated Claude writes per answer (a few: each `create` is a whole file)."""
TARGET_SHARE = 0.80
TARGET_RESENT = 0.95
LATENCY_RUNS = 7


@contextlib.contextmanager
def _environment(root: Path, url: str) -> Iterator[None]:
    values = {
        "ANTHROPIC_BASE_URL": url,
        "ANTHROPIC_API_KEY": KEY,
        "BACKEND_AGENT_CONFIG_DIR": str(root / "config"),
        "GIT_AUTHOR_NAME": "bench",
        "GIT_AUTHOR_EMAIL": "bench@example.com",
        "GIT_COMMITTER_NAME": "bench",
        "GIT_COMMITTER_EMAIL": "bench@example.com",
    }
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _repo(root: Path, name: str) -> Path:
    repo = root / name
    repo.mkdir()
    for args in (["init", "-q"], ["add", "README.md"], ["commit", "-qm", "initial"]):
        if args[0] == "add":
            (repo / "README.md").write_text("# a user's project\n")
        subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)
    return repo


def _build(root: Path, fake: FakeAnthropic) -> None:
    repo = _repo(root, "cache")
    fake.handler = SimulatedClaude(repo, per_answer=PER_ANSWER)
    provider = create_provider("anthropic", None, max_retries=0)
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    with BuildSession.start(repo, brief, provider=provider) as session:
        run_phases(session, list(PHASES), "all", lambda line: None)


def _cache_figures(fake: FakeAnthropic) -> list[Figure]:
    rates = price_of("claude-sonnet-5-5").base
    figures = []
    later_total = later_read = 0
    for phase in PHASES:
        calls = [
            u for r, u in zip(fake.requests, fake.usages, strict=True) if asked_phase(r) == phase.id
        ]
        read = sum(u["cache_read_input_tokens"] for u in calls)
        total = sum(
            u["input_tokens"] + u["cache_read_input_tokens"] + u["cache_creation_input_tokens"]
            for u in calls
        )
        paid = (
            sum(
                u["input_tokens"] * rates.input
                + u["cache_read_input_tokens"] * rates.cache_read
                + u["cache_creation"]["ephemeral_5m_input_tokens"] * rates.cache_write_5m
                + u["cache_creation"]["ephemeral_1h_input_tokens"] * rates.cache_write_1h
                for u in calls
            )
            / 1e6
        )
        figures.append(
            Figure(
                f"phase {phase.number} {phase.id}: {len(calls)} calls, {total:,} input tokens, "
                f"{read / total:.0%} from cache; input cost",
                paid,
                "USD",
                baseline_name="no caching",
                baseline=total * rates.input / 1e6,
            )
        )
        if phase.number >= 2:
            later_total += total
            later_read += read
    share = later_read / later_total
    figures.append(
        Figure(
            "share of phases 2-6 input read from the prompt cache",
            share * 100,
            "%",
            target=f">= {TARGET_SHARE:.0%}",
            ok=share >= TARGET_SHARE,
        )
    )
    paid = sum(f.value for f in figures[:-1])
    uncached = sum(f.baseline or 0 for f in figures[:-1])
    figures.append(
        Figure(
            "input cost of the six-phase build (claude-sonnet-5-5)",
            paid,
            "USD",
            baseline_name="no caching",
            baseline=uncached,
            target="< baseline",
            ok=paid < uncached,
        )
    )
    return figures


def _resent_figure(fake: FakeAnthropic) -> Figure:
    """Phases 2-6: of the input whose prefix an earlier request already sent, the share
    the cache served (the rest is a prefix that changed bytes or lost its breakpoint)."""
    seen: set[str] = set()
    again = read = 0
    for request, usage in zip(fake.requests, fake.usages, strict=True):
        sizes, hashes = prefix_hashes(blocks_in_cache_order(request.body))
        shared = max((i + 1 for i, h in enumerate(hashes) if h in seen), default=0)
        seen.update(hashes)
        if asked_phase(request) != PHASES[0].id:
            again += sum(sizes[:shared])
            read += usage["cache_read_input_tokens"]
    return Figure(
        "phases 2-6: input already sent by an earlier request, share read from the cache",
        read / again * 100,
        "%",
        target=f">= {TARGET_RESENT:.0%}",
        ok=read / again >= TARGET_RESENT,
    )


def _engine_latency(root: Path, fake: FakeAnthropic) -> float:
    fake.handler = build_handler(scale=1)
    provider = create_provider("anthropic", None, max_retries=0)
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    repo = _repo(root, f"latency{len(fake.usages)}")
    with BuildSession.start(repo, brief, provider=provider) as session:
        for event in session.generate("architecture"):
            if isinstance(event, TextDelta):
                arrived = time.perf_counter()
                break
        else:
            raise AssertionError("no text streamed")
    return arrived - fake.first_text_sent[-1]


def _sdk_latency(fake: FakeAnthropic) -> float:
    """The same answer read with the SDK's async client (what the provider uses) alone."""
    import asyncio

    import anthropic

    fake.handler = build_handler(scale=1)
    body = {k: v for k, v in fake.requests[-1].body.items() if k != "stream"}

    async def first_text() -> float:
        async with anthropic.AsyncAnthropic(max_retries=0) as client:
            stream = await client.messages.create(**body, stream=True)
            async for event in stream:
                if event.type == "content_block_delta" and event.delta.type == "text_delta":
                    seen = time.perf_counter()
                    await stream.close()
                    return seen - fake.first_text_sent[-1]
        raise AssertionError("no text streamed")

    return asyncio.run(first_text())


def run() -> list[Figure]:
    with tempfile.TemporaryDirectory() as tmp, FakeAnthropic(expected_key=KEY) as fake:
        root = Path(tmp)
        with _environment(root, fake.url):
            _build(root, fake)
            figures = [*_cache_figures(fake), _resent_figure(fake)]
            ours = statistics.median(_engine_latency(root, fake) for _ in range(LATENCY_RUNS))
            sdk = statistics.median(_sdk_latency(fake) for _ in range(LATENCY_RUNS))
    figures.append(
        Figure(
            "first text byte sent -> TextDelta out of the engine",
            ours * 1000,
            "ms",
            baseline_name="the async SDK alone",
            baseline=sdk * 1000,
            target="< 50 ms (the wizard adds its paint)",
            ok=ours < 0.050,
        )
    )
    return figures
