"""Drafting a brief from one sentence with Claude (against the fake API): the submit_brief
tool, a draft that survives TOML, one repair turn, the new command, and how far a build
from a drafted brief goes."""

from __future__ import annotations

import copy
import json
import socket
import threading
from datetime import date

import pytest

from backend_agent.cli import main
from backend_agent.core.brief import Brief, parse_brief
from backend_agent.core.errors import BadInput
from backend_agent.core.intent import drafted_sentence, read_intent
from backend_agent.core.usage import Usage
from backend_agent.engine import BuildSession
from backend_agent.providers import create_provider
from backend_agent.providers.base import Cancelled

from .conftest import EXAMPLES, FAKE_KEY, git
from .fakes.anthropic_server import answer_reply
from .fakes.builds import asked_phase, build_handler
from .helpers import generate, start

SENTENCE = "build a backend for a dog-walking marketplace"
CRM = "design the architecture for a multi-tenant CRM"

DRAFT = {
    "project": {
        "name": "dog-walking-marketplace",
        "summary": "Owners book walks; walkers accept and do them",
        "requirements": "Owners register dogs and book walks.\n"
        "Walkers accept bookings and mark them done.\n"
        'Prices are in "EUR"; a walk costs at least 5.\n',
    },
    "stack": {"architecture": "modular-monolith", "auth": "jwt"},
    "targets": {"requests_per_second": 50, "p99_latency_ms": 300, "availability": "99.5%"},
    "entities": [
        {
            "name": "Dog",
            "owned_by_user": True,
            "fields": [
                {"name": "name", "type": "string", "required": True, "max_length": 80},
                {"name": "born_on", "type": "date", "default": "2020-01-01"},
                {"name": "notes", "type": "text"},
            ],
        },
        {
            "name": "Walk",
            "owned_by_user": True,
            "fields": [
                {"name": "starts_at", "type": "datetime", "required": True, "indexed": True},
                {
                    "name": "status",
                    "type": "enum",
                    "values": ["booked", "done"],
                    "default": "booked",
                },
                {"name": "price", "type": "decimal", "precision": 8, "scale": 2, "min": 5},
                {"name": "extras", "type": "json", "default": {"leash": True, "treats": 2}},
            ],
            "unique": [["starts_at"]],
        },
    ],
    "relations": [
        {
            "kind": "many-to-one",
            "from": "Walk",
            "to": "Dog",
            "required": True,
            "on_delete": "cascade",
        }
    ],
    "assumptions": ["Walks are paid per walk, no subscriptions", "One dog per walk"],
    "questions": ["Do walkers set their own prices?"],
}


def draft_reply(tool_input, **options):
    return answer_reply([("tool", "submit_brief", tool_input)], **options)


def anthropic(**options):
    return create_provider("anthropic", None, max_retries=0, timeout_s=10, **options)


def test_a_drafted_brief_round_trips_through_toml_unchanged(fake_anthropic):
    fake_anthropic.script(draft_reply(DRAFT))
    draft = anthropic().draft_brief(read_intent(SENTENCE))

    text = draft.to_toml()
    assert parse_brief(text) == draft.brief
    brief = draft.brief
    assert brief.project.name == "dog-walking-marketplace"
    assert [e.name for e in brief.entities] == ["Dog", "Walk"]
    assert brief.entity("Dog").field("born_on").default == date(2020, 1, 1)  # ISO string → date
    assert brief.entity("Walk").field("extras").default == {"leash": True, "treats": 2}
    assert brief.relations[0].from_ == "Walk" and brief.stack.architecture == "modular-monolith"
    assert draft.assumptions == DRAFT["assumptions"] and draft.questions == DRAFT["questions"]
    assert drafted_sentence(text) == SENTENCE
    assert "#   - Walks are paid per walk, no subscriptions" in text
    assert "#   - Do walkers set their own prices?" in text
    # usage of the one call, priced like a proposal
    (sent,) = fake_anthropic.usages
    assert draft.usage.input_tokens == sent["input_tokens"] > 0
    assert draft.usage.output_tokens == sent["output_tokens"] > 0
    assert draft.usage.cost_usd > 0


def test_the_request_offers_submit_brief_derived_from_the_brief_model(fake_anthropic):
    fake_anthropic.script(draft_reply(DRAFT))
    anthropic().draft_brief(read_intent(CRM))

    (request,) = fake_anthropic.requests
    body = request.body
    (tool,) = body["tools"]
    assert tool["name"] == "submit_brief"
    assert "tool_choice" not in body  # auto: 5.x models answer 400 to a forced tool choice
    assert body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert body["output_config"] == {"effort": "medium"}
    assert body["max_tokens"] == 32_000
    schema = tool["input_schema"]
    assert set(schema["properties"]) == set(Brief.model_fields) | {"assumptions", "questions"}
    assert {"project", "entities", "assumptions", "questions"} <= set(schema["required"])
    assert schema["properties"]["project"]["properties"]["name"]["pattern"].startswith("^[a-z]")
    entity = schema["properties"]["entities"]["items"]["properties"]
    assert entity["fields"]["items"]["properties"]["type"]["enum"][:3] == ["string", "text", "int"]
    relation = schema["properties"]["relations"]["items"]["properties"]
    assert "from" in relation and "$ref" not in json.dumps(schema)
    system = "\n".join(block["text"] for block in body["system"])
    assert "# The build brief — `backend-brief.toml`" in system  # docs/brief.md, shipped
    assert "Field types: `string` (max_length)" in system
    (ask,) = request.user_texts()
    assert CRM in ask and "a backend for a multi-tenant CRM" in ask
    assert "stops after phase 1" in ask


def test_an_invalid_draft_gets_one_repair_turn_with_keys_and_messages(fake_anthropic):
    bad = copy.deepcopy(DRAFT)
    bad["project"]["name"] = "Dog Walking"
    bad["entities"][1]["fields"][1]["values"] = None
    bad["relations"][0]["to"] = "Owner"
    fake_anthropic.script(draft_reply(bad), draft_reply(DRAFT))
    draft = anthropic().draft_brief(read_intent(SENTENCE))

    assert draft.brief.project.name == "dog-walking-marketplace"
    assert len(fake_anthropic.requests) == 2
    repair = fake_anthropic.requests[1].body["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    (call,) = repair[1]["content"]
    assert call["type"] == "tool_use" and call["input"]["project"]["name"] == "Dog Walking"
    (result,) = repair[2]["content"]
    assert result["type"] == "tool_result" and result["is_error"] is True
    said = result["content"]
    assert "project.name: project name 'Dog Walking' is not a slug" in said
    assert "entities[1].fields[1].type: enum field 'status' needs values" in said
    assert "Call `submit_brief` again" in said
    # the draft's usage counts both calls
    assert draft.usage.output_tokens == sum(u["output_tokens"] for u in fake_anthropic.usages)


def test_an_answer_without_the_tool_call_is_asked_again(fake_anthropic):
    fake_anthropic.script(
        answer_reply([("thinking", "Dogs, walks."), ("text", "A marketplace needs walkers.")]),
        draft_reply(DRAFT),
    )
    draft = anthropic().draft_brief(read_intent(SENTENCE))
    assert draft.brief.project.name == "dog-walking-marketplace"
    again = fake_anthropic.requests[1].body["messages"]
    assert [m["role"] for m in again] == ["user", "assistant", "user"]
    assert [b["type"] for b in again[1]["content"]] == ["thinking", "text"]
    assert "the answer ended without calling `submit_brief`" in again[2]["content"][0]["text"]


def test_a_brief_that_would_not_survive_toml_is_sent_back(fake_anthropic):
    bad = copy.deepcopy(DRAFT)
    bad["entities"][1]["fields"][3]["default"] = {"leash": None}  # TOML has no null
    bad["entities"] = [e for e in bad["entities"] if e["name"] == "Walk"]
    bad["relations"] = []
    no_entities = {**copy.deepcopy(DRAFT), "entities": [], "relations": []}
    fake_anthropic.script(draft_reply(bad), draft_reply(no_entities))
    with pytest.raises(Exception) as failure:
        anthropic().draft_brief(read_intent(SENTENCE))
    said = fake_anthropic.requests[1].body["messages"][2]["content"][0]["content"]
    assert "cannot be written as TOML" in said
    assert "invalid twice" in str(failure.value)
    assert "entities: the brief has none" in str(failure.value)


def test_invalid_twice_exits_3_with_a_clear_message_and_writes_nothing(
    fake_anthropic, tmp_path, capsys
):
    fake_anthropic.script(
        draft_reply('{"project": {"name": '), draft_reply({"project": {"name": "x"}})
    )
    target = tmp_path / "brief.toml"
    code = main(["new", SENTENCE, "--brief-out", str(target), "--provider", "anthropic"])
    err = capsys.readouterr().err
    assert code == 3, err
    assert "the model's brief draft was invalid twice" in err
    assert "project.name: project name 'x' is not a slug" in err
    assert "hint:" in err and "Traceback" not in err
    assert not target.exists()
    assert "not valid JSON" in fake_anthropic.requests[1].user_texts()[-1]


def test_new_writes_the_draft_and_prints_its_cost_without_the_key(fake_anthropic, tmp_path, capsys):
    fake_anthropic.script(draft_reply(DRAFT))
    target = tmp_path / "brief.toml"
    assert main(["new", SENTENCE, "--brief-out", str(target)]) == 0
    err = capsys.readouterr().err
    text = target.read_text()
    assert parse_brief(text).entity("Walk") is not None
    assert "drafting a brief with anthropic (claude-sonnet-5-5)" in err
    used = fake_anthropic.usages[0]
    assert f"{used['output_tokens']:,} out; cost $" in err
    assert FAKE_KEY not in text and FAKE_KEY not in err


def test_design_the_architecture_builds_phase_1_then_goes_on_when_asked(
    fake_anthropic, repo, tmp_path, capsys
):
    crm = copy.deepcopy(DRAFT)
    crm["project"]["name"] = "multi-tenant-crm"
    fake_anthropic.script(draft_reply(crm))
    brief = tmp_path / "crm.toml"
    assert main(["new", CRM, "--brief-out", str(brief)]) == 0
    assert "stops after phase 1" in capsys.readouterr().err
    fake_anthropic.handler = build_handler()

    args = ["--repo", str(repo), "--approve", "all", "--checks", "none"]
    assert main(["build", "--brief", str(brief), *args]) == 0
    err = capsys.readouterr().err
    assert "stops after phase 1 (architecture), as its sentence asks" in err
    assert [asked_phase(r) for r in fake_anthropic.requests[1:]] == ["architecture"]
    log = git(repo, "log", "--format=%s", "backend-agent/multi-tenant-crm").splitlines()
    assert log[0].startswith("architecture:") and not log[1].startswith("data-model")
    with BuildSession.open(repo) as session:
        assert session.state.sentence == CRM
        assert session.scope_end.id == "architecture"
        with pytest.raises(BadInput, match="stops after phase 1"):
            generate(session, "data-model")

    # resume without phases stays within the sentence's scope; naming phase 2 goes on
    assert main(["resume", *args]) == 0
    assert "as its sentence asks" in capsys.readouterr().err
    assert len(fake_anthropic.requests) == 2
    assert main(["resume", "--phases", "2", *args]) == 0
    assert [asked_phase(r) for r in fake_anthropic.requests[2:]] == ["data-model"]
    with BuildSession.open(repo) as session:
        assert session.scope_end is None and session.state.sentence == CRM
        state_file = BuildSession.state_path(session.repo, "multi-tenant-crm")
    assert FAKE_KEY not in brief.read_text() and FAKE_KEY not in state_file.read_text()


def test_a_brief_without_the_drafted_header_builds_every_phase_asked(
    fake_anthropic, repo, tmp_path, capsys
):
    text = (EXAMPLES / "bookmarks.toml").read_text()
    assert drafted_sentence(text) is None
    fake_anthropic.handler = build_handler()
    args = ["--repo", str(repo), "--approve", "all", "--checks", "none", "--phases", "1-2"]
    assert main(["build", "--brief", str(EXAMPLES / "bookmarks.toml"), *args]) == 0
    assert [asked_phase(r) for r in fake_anthropic.requests] == ["architecture", "data-model"]
    with BuildSession.open(repo) as session:
        assert session.state.sentence is None and session.scope_end is None


def test_the_sentence_and_the_drafting_cost_are_kept_with_the_build(repo):
    spent = Usage(input_tokens=1000, output_tokens=500, cost_usd=0.0075)
    with start(repo, provider=create_provider("offline"), sentence=CRM, usage=spent) as session:
        assert session.state.usage == spent
        generate(session, "architecture")
        assert session.state.usage == spent  # offline calls are free
        with pytest.raises(BadInput, match="go on with the rest of the build first"):
            generate(session, "data-model")
        session.extend_scope()
    with BuildSession.open(repo) as again:
        assert again.state.sentence == CRM and again.scope_end is None
        assert again.state.usage.cost_usd == pytest.approx(0.0075)
        generate(again, "data-model")
        assert again.record("data-model").proposal is not None


def test_drafted_text_cannot_break_out_of_its_comments(fake_anthropic):
    sneaky = copy.deepcopy(DRAFT)
    sneaky["assumptions"] = ["harmless\n[stack]\nauth = 'none'"]
    sneaky["questions"] = ["ok?\r\nentities = []"]
    fake_anthropic.script(draft_reply(sneaky))
    draft = anthropic().draft_brief(read_intent(SENTENCE))
    text = draft.to_toml()
    assert parse_brief(text) == draft.brief and draft.brief.stack.auth == "jwt"
    assert "#   - harmless [stack] auth = 'none'" in text


def test_record_and_replay_the_drafting_call(fake_anthropic, tmp_path, capsys, monkeypatch):
    fake_anthropic.script(draft_reply(DRAFT))
    recording, first, second = tmp_path / "draft.jsonl", tmp_path / "a.toml", tmp_path / "b.toml"
    assert main(["new", SENTENCE, "--brief-out", str(first), "--record", str(recording)]) == 0
    assert FAKE_KEY not in recording.read_text()
    with socket.socket() as probe:  # nowhere to connect: replay must not touch the API
        probe.bind(("127.0.0.1", 0))
        monkeypatch.setenv("ANTHROPIC_BASE_URL", f"http://127.0.0.1:{probe.getsockname()[1]}")
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    replay = ["--provider", "replay", "--record", str(recording)]
    assert main(["new", SENTENCE, "--brief-out", str(second), *replay]) == 0, capsys.readouterr()
    assert second.read_text() == first.read_text()
    assert len(fake_anthropic.requests) == 1


def test_a_cancelled_draft_sends_nothing(fake_anthropic):
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        anthropic().draft_brief(read_intent(SENTENCE), cancel)
    assert fake_anthropic.requests == []


def test_date_defaults_survive_the_build_state_json():
    draft = Brief.model_validate({k: v for k, v in DRAFT.items() if k in Brief.model_fields})
    assert draft.entity("Dog").field("born_on").default == date(2020, 1, 1)
    assert Brief.model_validate_json(draft.model_dump_json()) == draft
