"""Every way a call can fail gives a clear message and exit 3, and leaves the build as it
was, so generating again works; spending limits stop a build before the call."""

from __future__ import annotations

import json
import socket
import threading
import time

import pytest

from backend_agent.cli import main
from backend_agent.core.errors import BadInput, ProviderFailure
from backend_agent.core.events import FileWritten, Progress
from backend_agent.providers import create_provider
from backend_agent.providers.base import Cancelled

from .conftest import EXAMPLES, FAKE_KEY, git
from .fakes.anthropic_server import answer_reply, error_reply
from .fakes.builds import build_handler, phase_blocks
from .helpers import start

GOOD = phase_blocks("architecture")


def provider(**options):
    options = {"max_retries": 0, "timeout_s": 10, **options}
    return create_provider("anthropic", options.pop("model", None), **options)


def fail_then_retry(repo, fake, reply, **options) -> ProviderFailure:
    """Generate phase 1 against `reply`, then again against a good answer: the failure,
    after checking the build was left as it was and the retry commits."""
    fake.script(reply)
    session = start(repo, provider=provider(**options))
    with session:
        with pytest.raises(ProviderFailure) as caught:
            list(session.generate("architecture"))
        record = session.record("architecture")
        assert record.status == "pending" and record.proposal is None
        assert record.error == str(caught.value)
        fake.script(answer_reply(GOOD))
        list(session.generate("architecture"))
        session.approve_all()
        session.commit()
    assert "docs/architecture.md" in git(
        repo, "ls-tree", "-r", "--name-only", "backend-agent/bookmarks"
    )
    assert FAKE_KEY not in str(caught.value)
    return caught.value


def test_no_key_suggests_the_offline_provider(repo, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    brief = str(EXAMPLES / "bookmarks.toml")
    code = main(["build", "--brief", brief, "--repo", str(repo), "--provider", "anthropic"])
    err = capsys.readouterr().err
    assert code == 3
    assert "ANTHROPIC_API_KEY is not set" in err and "--provider offline" in err
    assert "Traceback" not in err


def test_401_names_the_key_problem(repo, fake_anthropic, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-wrong-key")
    session = start(repo, provider=provider())
    with session, pytest.raises(ProviderFailure) as caught:
        list(session.generate("architecture"))
    assert "refused the key (401 authentication_error: invalid x-api-key)" in str(caught.value)
    assert "ANTHROPIC_API_KEY" in caught.value.hint and "sk-ant-wrong-key" not in str(caught.value)


def test_403_says_the_key_may_not(repo, fake_anthropic):
    error = fail_then_retry(
        repo,
        fake_anthropic,
        error_reply(403, "permission_error", "Your key has no access to this model"),
    )
    assert "may not do that (403 permission_error: Your key has no access" in str(error)


def test_404_names_the_model(repo, fake_anthropic):
    fake_anthropic.models = {"claude-sonnet-5-5"}
    session = start(repo, provider=provider(model="claude-sonnet-9"))
    with session, pytest.raises(ProviderFailure) as caught:
        list(session.generate("architecture"))
    assert "the model 'claude-sonnet-9' was not found (404 not_found_error" in str(caught.value)
    assert "--model" in caught.value.hint


def test_400_prompt_too_long_says_what_to_cut(repo, fake_anthropic):
    too_long = error_reply(
        400, "invalid_request_error", "prompt is too long: 1203411 tokens > 1000000 maximum"
    )
    error = fail_then_retry(repo, fake_anthropic, too_long)
    assert "the prompt is too long for claude-sonnet-5-5" in str(error)
    assert "skills of the phase ~" in error.hint and "repository context ~" in error.hint
    assert "context_tokens under [anthropic] in config.toml (now 60,000)" in error.hint


def test_400_max_tokens_over_the_models_limit_names_the_setting(repo, fake_anthropic):
    message = "max_tokens: 64000 > 32000, which is the maximum allowed number of output tokens"
    error = fail_then_retry(
        repo, fake_anthropic, error_reply(400, "invalid_request_error", message)
    )
    assert "claude-sonnet-5-5 does not accept that answer length (400 invalid_request_error" in str(
        error
    )
    assert "lower max_tokens under [anthropic]" in error.hint


def test_429_after_the_sdk_retries(repo, fake_anthropic):
    limited = error_reply(
        429,
        "rate_limit_error",
        "Number of request tokens has exceeded your rate limit",
        retry_after="0.01",
    )
    fake_anthropic.script(limited, limited)
    error = fail_then_retry(repo, fake_anthropic, limited, max_retries=2)
    assert len(fake_anthropic.requests) == 3 + 1  # three attempts, then the good retry
    assert "rate limited by the Anthropic API after 3 attempts (429 rate_limit_error" in str(error)
    assert "the API asks to wait 0.01 s" in str(error)


def test_529_overloaded_after_the_sdk_retries(repo, fake_anthropic):
    overloaded = error_reply(529, "overloaded_error", "Overloaded", retry_after="0.01")
    fake_anthropic.script(overloaded)
    error = fail_then_retry(repo, fake_anthropic, overloaded, max_retries=1)
    assert "overloaded after 2 attempts (529 overloaded_error: Overloaded)" in str(error)
    assert "try again in a few minutes" in error.hint


def test_500_is_on_anthropics_side(repo, fake_anthropic):
    error = fail_then_retry(
        repo, fake_anthropic, error_reply(500, "api_error", "Internal server error")
    )
    assert "the Anthropic API failed (500 api_error: Internal server error)" in str(error)


def test_network_down(repo, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("ANTHROPIC_API_KEY", FAKE_KEY)
    session = start(repo, provider=provider())
    with session, pytest.raises(ProviderFailure) as caught:
        list(session.generate("architecture"))
    assert f"cannot reach the Anthropic API at http://127.0.0.1:{port}" in str(caught.value)
    assert "network" in caught.value.hint
    assert session.record("architecture").status == "pending"


def test_timeout(repo, fake_anthropic):
    stalled = answer_reply(GOOD)
    stalled.stall_s = 5
    error = fail_then_retry(repo, fake_anthropic, stalled, timeout_s=0.3)
    assert "did not answer within 0.3 s" in str(error)
    assert "timeout_s" in error.hint


def test_an_error_event_in_the_middle_of_the_stream_twice(repo, fake_anthropic):
    broken = answer_reply(GOOD, error_after_blocks=(2, "overloaded_error", "Overloaded"))
    fake_anthropic.script(broken)
    error = fail_then_retry(repo, fake_anthropic, broken)
    assert "overloaded during the response (stream error overloaded_error: Overloaded)" in str(
        error
    )


def test_a_request_error_mid_stream_is_not_retried(repo, fake_anthropic):
    broken = answer_reply(GOOD, error_after_blocks=(2, "invalid_request_error", "bad"))
    error = fail_then_retry(repo, fake_anthropic, broken)
    assert "in the middle of the response (invalid_request_error: bad)" in str(error)


def test_a_stream_cut_off_in_the_middle_of_an_answer(repo, fake_anthropic):
    cut = answer_reply(GOOD, chunk=20, disconnect_after_blocks=3)
    fake_anthropic.script(cut)
    session = start(repo, provider=provider())
    with session:
        events = []
        with pytest.raises(ProviderFailure) as caught:
            for event in session.generate("architecture"):
                events.append(event)
        assert session.record("architecture").proposal is None  # the answer never completed
        assert session.state.usage.cache_write_tokens > 0  # what was billed is still counted
    assert [e.path for e in events if isinstance(e, FileWritten)] == [
        "docs/requirements.md",
        "docs/architecture.md",
    ]
    assert "ended in the middle of an answer; that answer was not used" in str(caught.value)


def test_cancel_ends_a_call_blocked_on_the_network(repo, fake_anthropic):
    paused = answer_reply(GOOD, chunk=30)
    sent = ""
    for count, (_, data) in enumerate(paused.events, 1):
        sent += (data.get("delta") or {}).get("partial_json", "")
        if '"docs/requirements.md"' in sent:
            paused.pause = (count, 30.0)  # nothing more after the first file's path arrives
            break
    fake_anthropic.script(paused)
    cancel = threading.Event()
    session = start(repo, provider=provider())
    with session:
        began = time.monotonic()
        with pytest.raises(Cancelled):
            for event in session.generate("architecture", cancel=cancel):
                if isinstance(event, Progress) and event.path:
                    cancel.set()  # the person presses Esc while files arrive
        assert time.monotonic() - began < 5
        record = session.record("architecture")
        assert record.status == "pending" and record.proposal is None
        assert "cancelled" in record.error


def test_max_cost_stops_before_a_call_that_could_pass_it(repo, fake_anthropic, capsys):
    costly = {
        "input_tokens": 2000,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 40000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 40000},
        "output_tokens": 20000,
    }  # $0.364 at claude-sonnet-5-5 prices
    fake_anthropic.handler = build_handler()
    fake_anthropic.script(answer_reply(GOOD, usage=costly))
    brief = str(EXAMPLES / "bookmarks.toml")
    code = main(
        [
            "build",
            "--brief",
            brief,
            "--repo",
            str(repo),
            "--provider",
            "anthropic",
            "--approve",
            "all",
            "--checks",
            "none",
            "--max-cost",
            "0.42",
            "--json",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 3
    assert len(fake_anthropic.requests) == 1
    assert "stopped before calling the model: the build has spent $0.3640 of its $0.42 limit" in err
    assert "raise --max-cost" in err
    report = json.loads(out)
    assert [p["status"] for p in report["phases"][:2]] == ["committed", "pending"]
    assert report["usage"]["cost_usd"] == pytest.approx(0.364)
    assert report["error"]["exit_code"] == 3
    # raising the limit continues the same build
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
                "--max-cost",
                "5",
            ]
        )
        == 0
    )
    assert git(repo, "show", "backend-agent/bookmarks:docs/data-model.md").startswith(
        "# Data model"
    )


def test_a_tight_budget_lowers_the_answer_limit_to_fit(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    with start(repo, provider=provider(max_cost_usd=0.45)) as session:
        list(session.generate("architecture"))
    max_tokens = fake_anthropic.requests[0].body["max_tokens"]
    assert 8_192 <= max_tokens < 128_000
    sent = len(
        json.dumps({k: fake_anthropic.requests[0].body[k] for k in ("system", "tools", "messages")})
    )
    worst = (sent / 3 * 4.0 + max_tokens * 10.0) / 1e6  # every input token at the 1h write price
    assert worst <= 0.45


def test_max_cost_needs_a_known_price(repo, fake_anthropic):
    session = start(repo, provider=provider(model="claude-fable-5-2", max_cost_usd=1.0))
    with session, pytest.raises(ProviderFailure) as caught:
        list(session.generate("architecture"))
    assert "needs the price of claude-fable-5-2" in str(caught.value)
    assert fake_anthropic.requests == []


def test_max_cost_from_the_config_file(repo, fake_anthropic, hermetic):
    config = hermetic / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[anthropic]\nmax_cost_usd = 0.01\n")
    session = start(repo, provider=provider())
    with session, pytest.raises(ProviderFailure) as caught:
        list(session.generate("architecture"))
    assert "of its $0.01 limit" in str(caught.value)
    assert fake_anthropic.requests == []


def test_bad_settings_are_bad_input(hermetic, fake_anthropic, capsys, repo):
    config = hermetic / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('[anthropic]\ncache_ttl = "1d"\n')
    with pytest.raises(BadInput) as caught:
        provider()
    assert "config.toml: [anthropic] cache_ttl: Input should be '5m' or '1h'" in str(caught.value)
    (config / "config.toml").write_text('[anthropic.effort]\nfix = "extreme"\n')
    with pytest.raises(BadInput) as caught:
        provider()
    assert "[anthropic] effort.fix: Input should be 'low', 'medium'" in str(caught.value)
    (config / "config.toml").write_text("[anthropic]\nmax_tokens = 200000\n")
    with pytest.raises(BadInput) as caught:
        provider()
    assert "max_tokens 200,000 is above the limit of claude-sonnet-5-5 (128,000" in str(
        caught.value
    )
    (config / "config.toml").write_text("")
    brief = str(EXAMPLES / "bookmarks.toml")
    assert main(["build", "--brief", brief, "--repo", str(repo), "--max-cost", "-2"]) == 2
    assert "the limit must be more than 0" in capsys.readouterr().err
