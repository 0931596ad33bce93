"""The Anthropic provider's parts on their own: tool calls read from a stream, prices,
settings, secrets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_agent.core.errors import BadInput
from backend_agent.core.events import Progress
from backend_agent.providers import create_provider
from backend_agent.providers.anthropic import DEFAULT_MODEL
from backend_agent.providers.anthropic.context import is_secret
from backend_agent.providers.anthropic.pricing import TABLE, known_models, price_of, usage_of
from backend_agent.providers.anthropic.stream import Response

from .conftest import ROOT

PATHS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(
    path=PATHS,
    content=st.text(max_size=200),
    cuts=st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=40),
)
def test_a_tool_call_reads_back_however_its_input_is_split(path, content, cuts):
    tool_input = {"command": "create", "path": path, "file_text": '{"path": "decoy"} ' + content}
    text = json.dumps(tool_input, ensure_ascii=bool(len(content) % 2))
    pieces, at = [], 0
    for size in cuts * (len(text) // max(sum(cuts), 1) + 1):
        if at >= len(text):
            break
        pieces.append(text[at : at + size])
        at += size
    pieces.append(text[at:])
    block = {"type": "tool_use", "id": "toolu_1", "name": "str_replace_based_edit_tool"}
    stream = [
        {"type": "message_start", "message": {"usage": {"input_tokens": 3}}},
        {"type": "content_block_start", "index": 0, "content_block": block},
        *(
            {
                "type": "content_block_delta",
                "index": 0,
                "delta": {"type": "input_json_delta", "partial_json": p},
            }
            for p in pieces
        ),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "tool_use"}, "usage": {}},
        {"type": "message_stop"},
    ]
    arrived = []
    response, events = Response(on_call=lambda call: arrived.append(call) or ()), []
    for event in stream:
        events += list(response.feed(event))
    (call,) = arrived
    assert call.valid() and call.parsed() == tool_input and call.path == path
    assert [e.path for e in events if isinstance(e, Progress)] == [path]
    assert response.assistant_content() == [{**block, "input": tool_input}]
    assert response.complete and response.tool_calls() == [call]


def test_a_call_cut_off_at_the_output_limit_is_left_out_of_the_turn():
    response = Response()
    block = {"type": "tool_use", "id": "toolu_1", "name": "str_replace_based_edit_tool"}
    for event in [
        {"type": "message_start", "message": {"usage": {}}},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "thinking"}},
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "thinking_delta", "thinking": "Plan."},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "signature_delta", "signature": "sig"},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "content_block_start", "index": 1, "content_block": block},
        {
            "type": "content_block_delta",
            "index": 1,
            "delta": {"type": "input_json_delta", "partial_json": '{"command": "create", "pa'},
        },
        {"type": "content_block_stop", "index": 1},
        {"type": "message_delta", "delta": {"stop_reason": "max_tokens"}, "usage": {}},
        {"type": "message_stop"},
    ]:
        list(response.feed(event))
    (cut,) = response.incomplete_calls()
    assert cut.id == "toolu_1" and not cut.valid()
    assert response.assistant_content() == [
        {"type": "thinking", "thinking": "Plan.", "signature": "sig"}
    ]


def test_the_price_table_is_consistent_and_prices_the_default_model():
    """Our own table, not the SDK's list of model names: that list changes upstream."""
    data = json.loads(TABLE.read_text())
    models, aliases = data["models"], data.get("aliases", {})
    assert DEFAULT_MODEL.startswith("claude-sonnet-") and DEFAULT_MODEL in models
    assert set(aliases.values()) <= set(models) and not set(aliases) & set(models)
    assert known_models() == sorted({*models, *aliases})
    for alias, model in aliases.items():
        assert alias.startswith(model + "-") and price_of(alias) is price_of(model)
    for entry in models.values():
        for rates in (entry, entry.get("long_prompt", entry)):
            assert (
                rates["cache_read"]
                < rates["input"]
                < rates["cache_write_5m"]
                <= rates["cache_write_1h"]
            )
            assert rates["output"] > rates["input"]
    assert price_of("claude-from-the-future-9") is None


def test_long_prompts_pay_the_long_prompt_rates():
    haiku = price_of("claude-haiku-5-5")
    short = usage_of(
        haiku,
        input_tokens=50_000,
        output_tokens=1_000,
        cache_read=0,
        cache_write_5m=0,
        cache_write_1h=0,
    )
    long = usage_of(
        haiku,
        input_tokens=50_000,
        output_tokens=1_000,
        cache_read=60_000,
        cache_write_5m=0,
        cache_write_1h=0,
    )
    assert short.cost_usd == pytest.approx((50_000 * 0.1 + 1_000 * 0.5) / 1e6)
    assert long.cost_usd == pytest.approx((50_000 * 0.5 + 60_000 * 0.05 + 1_000 * 2.5) / 1e6)
    assert (
        usage_of(
            None, input_tokens=1, output_tokens=1, cache_read=0, cache_write_5m=0, cache_write_1h=0
        ).cost_usd
        is None
    )


@pytest.mark.parametrize(
    ("path", "secret"),
    [
        (".env", True),
        ("services/api/.env.local", True),
        ("deploy/server.key", True),
        ("certs/site.PEM", True),
        ("home/.ssh/id_rsa", True),
        ("id_ed25519.pub", True),
        (".npmrc", True),
        ("config/credentials.json", True),
        ("gcp-service-account-prod.json", True),
        ("docs/environment.md", False),
        ("src/keys.py", False),
        ("README.md", False),
        (".envrc", True),
        ("docs/env.md", False),
    ],
)
def test_secret_file_names(path, secret):
    assert is_secret(path) is secret


def test_model_comes_from_the_option_then_the_config_then_the_default(hermetic, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    assert create_provider("anthropic").model == DEFAULT_MODEL
    (hermetic / "config").mkdir(exist_ok=True)
    (hermetic / "config" / "config.toml").write_text(
        'theme = "dark"\n[anthropic]\nmodel = "claude-opus-5-5"\n'
    )
    assert create_provider("anthropic").model == "claude-opus-5-5"
    assert create_provider("anthropic", "claude-haiku-5-5").model == "claude-haiku-5-5"
    (hermetic / "config" / "config.toml").write_text("[anthropic]\nmodle = 'x'\n")
    with pytest.raises(BadInput, match=r"\[anthropic\] modle: Extra inputs are not permitted"):
        create_provider("anthropic")


def test_the_sdk_is_not_imported_until_the_first_call():
    code = (
        "import sys\n"
        "from backend_agent.providers import create_provider\n"
        "import backend_agent.providers.replay\n"
        "p = create_provider('anthropic')\n"
        "assert 'anthropic' not in sys.modules, 'SDK imported early'\n"
        "assert 'textual' not in sys.modules\n"
    )
    env = {"ANTHROPIC_API_KEY": "sk-test", "PATH": "/usr/bin:/bin", "HOME": str(ROOT)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=ROOT)
