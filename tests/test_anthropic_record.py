"""--record and --provider replay through the command line, and the API key's absence from
everything a build leaves behind."""

from __future__ import annotations

import json
import socket
import subprocess

import pytest

from backend_agent.cli import main

from .conftest import EXAMPLES, FAKE_KEY, git
from .fakes.anthropic_server import FakeRequest, Reply, answer_reply
from .fakes.builds import asked_phase, build_handler, create, phase_blocks

BRIEF = str(EXAMPLES / "bookmarks.toml")
BRANCH = "backend-agent/bookmarks"


def with_one_bad_answer(phase_id: str):
    """The build handler, except the first answer for `phase_id` has a call with a path out
    of the repository: refused, so its `finish_phase` waits for a second answer."""
    good = build_handler()
    spoiled: list[str] = []

    def handle(request: FakeRequest) -> Reply:
        if asked_phase(request) == phase_id and not spoiled:
            spoiled.append(phase_id)
            return answer_reply([create("../x.sql", "x"), *phase_blocks(phase_id)])
        return good(request)

    return handle


def offline_network(monkeypatch) -> None:
    """No key and nowhere to connect: a replay that touched the API would fail."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)


def trees_and_messages(repo) -> tuple[list[str], list[str]]:
    trees = git(repo, "log", "-6", "--format=%T", BRANCH).split()
    messages = git(repo, "log", "-6", "--format=%B%x00", BRANCH).split("\0")
    without_model = [
        "\n".join(ln for ln in m.strip().splitlines() if not ln.startswith("Backend-Agent-Model:"))
        for m in messages
        if m.strip()
    ]
    return trees, without_model


@pytest.fixture
def recorded(make_repo, fake_anthropic, tmp_path, capsys):
    """A six-phase build against the fake API, recorded; phase 2 took a second answer."""
    fake_anthropic.handler = with_one_bad_answer("data-model")
    repo = make_repo()
    record = tmp_path / "build.jsonl"
    code = main(
        [
            "build",
            "--brief",
            BRIEF,
            "--repo",
            str(repo),
            "--provider",
            "anthropic",
            "--approve",
            "all",
            "--checks",
            "none",
            "--record",
            str(record),
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    return repo, record, out, err


def test_replay_of_a_recorded_build_makes_identical_commits(
    recorded, make_repo, capsys, monkeypatch, fake_anthropic
):
    original, record, out, err = recorded
    assert len(fake_anthropic.requests) == 7  # six phases, one a second answer
    usage = json.loads(out)["usage"]
    assert (
        f"tokens: {usage['input_tokens'] + usage['cache_write_tokens'] + usage['cache_read_tokens']:,}"
        f" in ({usage['cache_read_tokens']:,} read from the cache), "
        f"{usage['output_tokens']:,} out; cost ${usage['cost_usd']:.4f}"
    ) in err
    offline_network(monkeypatch)
    again = make_repo()
    code = main(
        [
            "build",
            "--brief",
            BRIEF,
            "--repo",
            str(again),
            "--provider",
            "replay",
            "--record",
            str(record),
            "--approve",
            "all",
            "--checks",
            "none",
            "--json",
        ]
    )
    replay_out, err = capsys.readouterr()
    assert code == 0, err
    assert trees_and_messages(again) == trees_and_messages(original)
    assert len(fake_anthropic.requests) == 7  # replay never called the API
    first, second = json.loads(out), json.loads(replay_out)
    assert second["provider"] == "replay" and second["model"] == "claude-sonnet-5-5"
    assert second["usage"]["output_tokens"] == first["usage"]["output_tokens"]
    assert second["usage"]["cost_usd"] == 0.0 and first["usage"]["cost_usd"] > 0


def test_the_recording_holds_every_request_and_response_without_the_key(recorded, fake_anthropic):
    _, record, _, _ = recorded
    lines = [json.loads(line) for line in record.read_text().splitlines()]
    assert lines[0]["type"] == "session" and lines[0]["model"] == "claude-sonnet-5-5"
    calls = [line for line in lines if line["type"] == "call"]
    assert [c["phase"] for c in calls] == [
        "architecture",
        "data-model",
        "data-model",
        "service-layer",
        "infrastructure",
        "hardening",
        "documentation",
    ]
    for call, sent in zip(calls, fake_anthropic.requests, strict=True):
        assert {**call["request"], "stream": True} == sent.body  # as the API received it
        assert call["complete"] and call["error"] is None
        assert call["events"][0]["type"] == "message_start"
        assert call["events"][-1]["type"] == "message_stop"
    assert set(calls[0]["request"]) == {
        "model",
        "max_tokens",
        "thinking",
        "output_config",
        "system",
        "tools",
        "messages",
    }


def test_the_key_appears_nowhere_a_build_writes(recorded, fake_anthropic, tmp_path, hermetic):
    repo, record, out, err = recorded
    assert fake_anthropic.requests[0].headers["authorization"] == f"Bearer {FAKE_KEY}"
    assert FAKE_KEY not in out and FAKE_KEY not in err
    needle = FAKE_KEY.encode()
    for folder in (repo, tmp_path, hermetic):
        for path in folder.rglob("*"):
            if path.is_file():
                assert needle not in path.read_bytes(), path
    # git objects are compressed: read every object and every commit of every ref
    objects = subprocess.run(
        ["git", "cat-file", "--batch-all-objects", "--batch"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    assert b"Backend-Agent-Phase" in objects and needle not in objects
    assert FAKE_KEY not in git(repo, "log", "--all", "-p")
    assert "Bearer sk-" not in record.read_text() and "x-api-key" not in record.read_text()


def test_resume_appends_to_the_recording_and_the_whole_build_replays(
    make_repo, fake_anthropic, tmp_path, capsys, monkeypatch
):
    fake_anthropic.handler = build_handler()
    repo, record = make_repo(), tmp_path / "build.jsonl"
    assert (
        main(
            [
                "build",
                "--brief",
                BRIEF,
                "--repo",
                str(repo),
                "--provider",
                "anthropic",
                "--approve",
                "all",
                "--checks",
                "none",
                "--phases",
                "1",
                "--record",
                str(record),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "resume",
                "--repo",
                str(repo),
                "--approve",
                "all",
                "--checks",
                "none",
                "--phases",
                "2",
                "--record",
                str(record),
            ]
        )
        == 0
    )
    kinds = [json.loads(line)["type"] for line in record.read_text().splitlines()]
    assert kinds == ["session", "call", "session", "call"]
    offline_network(monkeypatch)
    again = make_repo()
    assert (
        main(
            [
                "build",
                "--brief",
                BRIEF,
                "--repo",
                str(again),
                "--provider",
                "replay",
                "--record",
                str(record),
                "--approve",
                "all",
                "--checks",
                "none",
                "--phases",
                "1-2",
            ]
        )
        == 0
    )
    assert git(again, "log", "-2", "--format=%T", BRANCH) == git(
        repo, "log", "-2", "--format=%T", BRANCH
    )
    capsys.readouterr()


def test_replay_past_the_recording_says_so(recorded, make_repo, capsys, monkeypatch, tmp_path):
    _, record, _, _ = recorded
    short = tmp_path / "short.jsonl"
    lines = record.read_text().splitlines()
    short.write_text("\n".join(lines[:2]) + "\n")  # the session and phase 1 only
    offline_network(monkeypatch)
    code = main(
        [
            "build",
            "--brief",
            BRIEF,
            "--repo",
            str(make_repo()),
            "--provider",
            "replay",
            "--record",
            str(short),
            "--approve",
            "all",
            "--checks",
            "none",
            "--phases",
            "1-2",
        ]
    )
    err = capsys.readouterr().err
    assert code == 3
    assert f"the recording {short} has no more calls for phase data-model" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "there is no recording at"),
        ("not json\n", ":1: not a line of a backend-agent recording"),
        (
            '{"type": "session", "format": 99}\n',
            "recording format 99 is not the one this version reads",
        ),
        ('{"type": "session", "format": 1, "model": "m"}\n', "holds no complete call to replay"),
    ],
)
def test_a_missing_or_broken_recording_is_bad_input(repo, tmp_path, capsys, content, message):
    record = tmp_path / "rec.jsonl"
    if content is not None:
        record.write_text(content)
    code = main(
        [
            "build",
            "--brief",
            BRIEF,
            "--repo",
            str(repo),
            "--provider",
            "replay",
            "--record",
            str(record),
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_replay_needs_a_recording_and_offline_cannot_record(repo, capsys):
    assert main(["build", "--brief", BRIEF, "--repo", str(repo), "--provider", "replay"]) == 2
    assert "--provider replay needs the recording to play: --record FILE" in capsys.readouterr().err
    assert (
        main(
            [
                "build",
                "--brief",
                BRIEF,
                "--repo",
                str(repo),
                "--provider",
                "offline",
                "--record",
                "x.jsonl",
            ]
        )
        == 2
    )
    assert "the offline provider makes none" in capsys.readouterr().err
