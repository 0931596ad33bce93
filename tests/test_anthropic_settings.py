"""Request settings real models accept: the fake API refuses, with the API's own 400, what
Claude 5.x models refuse; every request we make passes for every model we know; the
docs page lists exactly the settings we send."""

from __future__ import annotations

import pytest

from backend_agent.core.intent import read_intent
from backend_agent.providers import create_provider
from backend_agent.providers.anthropic.models import CALL_KINDS, MODELS, settings_for, spec_of

from .conftest import FAKE_KEY, ROOT
from .fakes.builds import build_handler
from .helpers import start

REFUSED = [
    ({"tool_choice": {"type": "tool", "name": "t"}}, "tool_choice forces tool use"),
    ({"tool_choice": {"type": "any"}}, "tool_choice forces tool use"),
    ({"thinking": {"type": "enabled", "budget_tokens": 2048}}, '"thinking.type.enabled" is not'),
    ({"thinking": {"type": "disabled"}}, 'Use "thinking.type.between_tools"'),
    ({"temperature": 0.2}, "`temperature` is not supported for this model"),
    ({"top_p": 0.9}, "`top_p` is not supported for this model"),
    ({"top_k": 5}, "`top_k` is not supported for this model"),
    ({"prefill": True}, "does not support assistant message prefill"),
    ({"max_tokens": 200_000}, "200000 > 128000, which is the maximum allowed number"),
]


@pytest.mark.parametrize(("extra", "message"), REFUSED)
def test_the_fake_answers_400_to_what_claude_sonnet_5_5_refuses(fake_anthropic, extra, message):
    import anthropic

    tool = {"name": "t", "input_schema": {"type": "object", "properties": {}}}
    messages = [{"role": "user", "content": "hello"}]
    if extra.pop("prefill", False):
        messages.append({"role": "assistant", "content": "{"})
    sampling = {k: extra.pop(k) for k in ("temperature", "top_p", "top_k") if k in extra}
    params = {"max_tokens": 1024, **extra, "extra_body": sampling}  # the SDK dropped them
    with (
        anthropic.Anthropic(max_retries=0) as client,
        pytest.raises(anthropic.BadRequestError) as caught,
    ):
        client.messages.create(
            model="claude-sonnet-5-5", messages=messages, tools=[tool], stream=True, **params
        )
    assert caught.value.status_code == 400
    assert caught.value.body["error"]["type"] == "invalid_request_error"
    assert message in caught.value.body["error"]["message"]


def test_older_models_take_what_5_x_models_refuse(fake_anthropic):
    import anthropic

    with anthropic.Anthropic(max_retries=0) as client:
        with pytest.raises(anthropic.InternalServerError) as caught:  # accepted; no answer
            client.messages.create(
                model="claude-sonnet-4-5",
                max_tokens=1024,
                extra_body={"temperature": 0.2},
                thinking={"type": "enabled", "budget_tokens": 1024},
                tools=[{"name": "t", "input_schema": {"type": "object"}}],
                tool_choice={"type": "tool", "name": "t"},
                messages=[{"role": "user", "content": "hello"}],
                stream=True,
            )
    assert "no reply scripted" in str(caught.value)


@pytest.mark.parametrize("model", sorted(MODELS))
def test_every_request_we_make_is_accepted_for_every_model_we_know(repo, fake_anthropic, model):
    fake_anthropic.handler = build_handler()
    provider = create_provider("anthropic", model, max_retries=0, timeout_s=10)
    draft = provider.draft_brief(read_intent("build a backend for a dog-walking marketplace"))
    assert draft.brief.entities
    with start(repo, provider=provider) as session:
        list(session.generate("architecture"))
        list(session.revise("shorter, please"))
        list(session.revise("- docs/a.md:1 [links] broken", kind="fix"))
    spec = spec_of(model)
    for request in fake_anthropic.requests:
        body = request.body
        assert body["max_tokens"] <= spec.max_output
        assert not {"tool_choice", "temperature", "top_p", "top_k"} & set(body)
        assert body["messages"][-1]["role"] == "user"
        assert ("thinking" in body) == (spec.thinking != "none")
        assert ("output_config" in body) == bool(spec.efforts)
    efforts = [r.body.get("output_config", {}).get("effort") for r in fake_anthropic.requests]
    if spec.efforts:
        assert efforts == ["medium", "high", "high", "medium"]  # draft, phase, revise, fix


def test_effort_per_kind_of_call_comes_from_the_config(repo, fake_anthropic, hermetic):
    config = hermetic / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text('[anthropic.effort]\nphase = "xhigh"\nfix = "low"\n')
    fake_anthropic.handler = build_handler()
    provider = create_provider("anthropic", None, max_retries=0, timeout_s=10)
    with start(repo, provider=provider) as session:
        list(session.generate("architecture"))
        list(session.revise("- x [links] broken", kind="fix"))
    assert [r.body["output_config"] for r in fake_anthropic.requests] == [
        {"effort": "xhigh"},
        {"effort": "low"},
    ]
    assert "sk-" not in (config / "config.toml").read_text() and FAKE_KEY


def test_an_effort_a_model_lacks_becomes_the_nearest_lower_one():
    assert settings_for("claude-opus-4-5", "max", 1000)["output_config"] == {"effort": "high"}
    assert settings_for("claude-opus-4-6", "xhigh", 1000)["output_config"] == {"effort": "high"}
    assert "output_config" not in settings_for("claude-haiku-4-5", "high", 1000)


def test_the_docs_page_lists_the_exact_settings_per_model():
    page = (ROOT / "docs" / "anthropic-requests.md").read_text()
    for model in sorted(MODELS):
        spec = spec_of(model)
        sent = settings_for(model, "high", spec.max_output)
        thinking = f"`{sent['thinking']}`" if "thinking" in sent else "(not sent)"
        effort = ", ".join(spec.efforts) if spec.efforts else "(not sent: the model takes none)"
        row = f"| `{model}` | {spec.max_output:,} | {thinking} | {effort} |"
        assert row.replace("'", '"') in page, row
    for kind in CALL_KINDS:
        assert f"| {kind} |" in page
    for never in ("tool_choice", "temperature", "top_p", "top_k", "assistant prefill"):
        assert never in page
