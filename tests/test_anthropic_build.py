"""The Anthropic provider driven through the engine against the fake API: whole builds,
revisions, the cached prefix, repair turns, and what the prompt carries."""

from __future__ import annotations

import json

import pytest

from backend_agent.core.errors import ProviderFailure
from backend_agent.core.events import Progress, ProposalReady, TextDelta, UsageReport
from backend_agent.core.phases import PHASES, phase
from backend_agent.core.proposal import Proposal
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider
from backend_agent.providers.anthropic import DEFAULT_MODEL
from backend_agent.providers.anthropic.schema import input_schema
from backend_agent.skills import load_skills

from .conftest import git
from .fakes.anthropic_server import error_reply, proposal_reply
from .fakes.builds import asked_phase, build_handler, phase_files
from .helpers import start


def anthropic(**options):
    return create_provider("anthropic", None, max_retries=0, timeout_s=10, **options)


def run_build(repo, fake, **options):
    fake.handler = build_handler()
    session = start(repo, provider=anthropic(**options))
    events: list = []
    with session:
        outcome = run_phases(session, list(PHASES), "all", lambda line: None, events.append)
        state = session.state.model_copy(deep=True)
    return outcome, state, events


def test_six_phase_build_commits_what_the_model_proposed(repo, fake_anthropic):
    outcome, state, events = run_build(repo, fake_anthropic)

    assert outcome.committed == [p.id for p in PHASES]
    log = git(repo, "log", "--format=%s", "backend-agent/bookmarks").splitlines()
    assert [line.split(":")[0] for line in log[:6]] == [p.id for p in reversed(PHASES)]
    for p in PHASES:
        for f in phase_files(p.id):
            assert git(repo, "show", f"backend-agent/bookmarks:{f['path']}") == f["content"]
    assert git(repo, "show", "HEAD:README.md") == "# a user's project\n"  # the user's branch
    # one streamed call per phase, each asking for its own phase, all for the default model
    assert [asked_phase(r) for r in fake_anthropic.requests] == [p.id for p in PHASES]
    assert {r.body["model"] for r in fake_anthropic.requests} == {DEFAULT_MODEL}
    # the rationale streamed as text, and every file was announced while its JSON arrived
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert all(f"Proposing {p.id}." in text for p in PHASES)
    announced = [e.path for e in events if isinstance(e, Progress) and e.path]
    assert announced == [f["path"] for p in PHASES for f in phase_files(p.id)]
    assert state.record("documentation").proposal.change("README.md").action == "modify"


def test_progress_arrives_before_the_proposal_is_complete(repo, fake_anthropic):
    fake_anthropic.handler = build_handler(chunk=7)
    session = start(repo, provider=anthropic())
    with session:
        events = list(session.generate("architecture"))
    kinds = [type(e).__name__ for e in events]
    first_file = next(i for i, e in enumerate(events) if isinstance(e, Progress) and e.path)
    assert kinds.index("TextDelta") < first_file < kinds.index("UsageReport")
    assert isinstance(events[-1], ProposalReady)
    counts = [e.files for e in events if isinstance(e, Progress) and e.path]
    assert counts == [1, 2, 3]


def test_tool_schema_is_the_proposal_model_without_the_engine_fields(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    with start(repo, provider=anthropic()) as session:
        list(session.generate("architecture"))
    (tool,) = fake_anthropic.requests[0].body["tools"]
    assert tool["name"] == "submit_proposal"
    schema = tool["input_schema"]
    assert "phase" not in schema["properties"]
    assert set(schema["properties"]) == set(Proposal.model_fields) - {"phase"}
    change = schema["properties"]["changes"]["items"]
    assert change["properties"]["kind"]["enum"] == list(
        input_schema()["properties"]["changes"]["items"]["properties"]["kind"]["enum"]
    )
    assert "$ref" not in json.dumps(schema)


def test_stable_prefix_is_cached_and_byte_identical_across_phases(repo, fake_anthropic):
    run_build(repo, fake_anthropic)
    bodies = [r.body for r in fake_anthropic.requests]
    prefixes = {json.dumps([b["tools"], b["system"]]) for b in bodies}
    assert len(prefixes) == 1
    system = bodies[0]["system"]
    assert system[-1]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert all("cache_control" not in block for block in system[:-1])
    marks = [
        block
        for b in bodies
        for m in b["messages"]
        for block in m["content"]
        if "cache_control" in block
    ]
    assert marks and all(m["cache_control"]["ttl"] == "1h" for m in marks)
    usages = fake_anthropic.usages
    assert usages[0]["cache_read_input_tokens"] == 0
    prefix_tokens = usages[0]["cache_creation_input_tokens"] - 200  # the first task is small
    for later in usages[1:]:
        assert later["cache_read_input_tokens"] >= prefix_tokens
    # later phases also read the earlier phases' files from the cache
    assert usages[5]["cache_read_input_tokens"] > usages[1]["cache_read_input_tokens"] + 3000


def test_each_phase_prompt_carries_its_skills_and_the_catalog(repo, fake_anthropic):
    custom = repo / ".claude" / "skills" / "team-conventions"
    custom.mkdir(parents=True)
    (custom / "SKILL.md").write_text(
        "---\nname: team-conventions\ndescription: How our team names things.\n---\n\n"
        "Use kebab-case for URLs.\n"
    )
    run_build(repo, fake_anthropic)
    skills = load_skills(repo)
    for request in fake_anthropic.requests:
        prompt = "\n".join(b["text"] for b in request.body["system"])
        task = request.user_texts()[-1]
        current = phase(asked_phase(request))
        for name in current.skills:
            if name == "nodejs-patterns":  # the brief's stack is python
                assert "nodejs-patterns" not in task.split("Skills to apply:")[1].split("\n")[0]
                continue
            assert name in task.split("Skills to apply:")[1].split("\n")[0]
            assert skills.get(name).body.strip() in prompt
        for skill in skills.all():
            assert f"- {skill.name} (phases:" in prompt
        assert "Use kebab-case for URLs." not in prompt  # catalog only: by name
        assert "team-conventions (phases: none (use when relevant); by name only)" in prompt
        assert skills.get("nodejs-patterns").body.strip() not in prompt


def test_disabled_skills_leave_the_prompt(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        session.state.disabled_skills = ["architecture-patterns"]
        list(session.generate("architecture"))
    prompt = json.dumps(fake_anthropic.requests[0].body)
    assert "architecture-patterns" not in prompt
    assert "production-readiness" in prompt


def test_revision_continues_the_conversation_with_the_persons_decisions(repo, fake_anthropic):
    first = {
        "summary": "## Architecture\n\nA monolith.",
        "changes": [
            {
                "path": "docs/architecture.md",
                "action": "create",
                "kind": "doc",
                "content": "# Arch\n",
            },
            {
                "path": "docs/adr/0001-x.md",
                "action": "create",
                "kind": "adr",
                "content": "# ADR x\n",
            },
            {
                "path": "docs/requirements.md",
                "action": "create",
                "kind": "doc",
                "content": "# Req\n",
            },
        ],
    }
    second = {
        "summary": "## Architecture\n\nA modular monolith, as asked.",
        "changes": [
            {
                "path": "docs/adr/0001-modular-monolith.md",
                "action": "create",
                "kind": "adr",
                "content": "# ADR 0001\n",
            },
            {
                "path": "docs/requirements.md",
                "action": "create",
                "kind": "doc",
                "content": "# Requirements, edited and extended\n",
            },
        ],
    }
    fake_anthropic.script(proposal_reply(first), proposal_reply(second))
    session = start(repo, provider=anthropic())
    with session:
        list(session.generate("architecture"))
        session.approve("docs/architecture.md")
        session.reject("docs/adr/0001-x.md", "too vague: name the pattern")
        session.edit("docs/requirements.md", "# Requirements, edited\n")
        events = list(session.revise("make it a modular monolith"))
        record = session.record()
        proposal = record.proposal
        assert [c.path for c in proposal.changes] == [
            "docs/adr/0001-modular-monolith.md",
            "docs/requirements.md",
            "docs/architecture.md",
        ]
        kept = proposal.change("docs/architecture.md")
        assert kept.content == "# Arch\n"
        assert record.review("docs/architecture.md").state(kept) == "approved"
        assert (
            record.review("docs/requirements.md").state(proposal.change("docs/requirements.md"))
            == "pending"
        )
        assert record.rounds == 2
    assert isinstance(events[-1], ProposalReady)
    one, two = (r.body for r in fake_anthropic.requests)
    assert two["messages"][0] == one["messages"][0]  # same opening turn: read from the cache
    assert two["system"] == one["system"]
    assistant, review = two["messages"][1], two["messages"][2]
    assert assistant["role"] == "assistant" and "# ADR x" in assistant["content"][0]["text"]
    said = review["content"][0]["text"]
    assert "docs/architecture.md: approved (kept as is)" in said
    assert "docs/adr/0001-x.md: rejected. Their comment: too vague: name the pattern" in said
    assert "docs/requirements.md: edited by the person; their version is the new base" in said
    assert "# Requirements, edited\n" in said
    assert "make it a modular monolith" in said


def test_invalid_input_gets_one_repair_turn_with_the_errors(repo, fake_anthropic):
    bad = {
        "summary": "s",
        "changes": [{"path": "docs/a.md", "action": "create", "kind": "sql", "content": "x"}],
    }
    good = {
        "summary": "s",
        "changes": [{"path": "docs/a.md", "action": "create", "kind": "doc", "content": "x"}],
    }
    fake_anthropic.script(
        proposal_reply(bad, thinking="Let me think about the files."), proposal_reply(good)
    )
    session = start(repo, provider=anthropic())
    with session:
        events = list(session.generate("architecture"))
        assert session.proposal.changes[0].kind == "doc"
        usage = session.state.usage
    assert sum(isinstance(e, UsageReport) for e in events) == 2
    assert usage.output_tokens == sum(u["output_tokens"] for u in fake_anthropic.usages)
    repair = fake_anthropic.requests[1].body["messages"]
    assert [m["role"] for m in repair] == ["user", "assistant", "user"]
    answer = repair[1]["content"]
    assert answer[0]["type"] == "thinking" and answer[0]["signature"]
    assert answer[-1]["type"] == "tool_use" and answer[-1]["input"]["changes"][0]["kind"] == "sql"
    (result,) = repair[2]["content"]
    assert result["type"] == "tool_result" and result["is_error"] is True
    assert result["tool_use_id"] == answer[-1]["id"]
    assert "changes.0.kind" in result["content"] and "'sql'" in result["content"]


def test_an_answer_without_the_tool_call_is_asked_again(repo, fake_anthropic):
    good = {
        "summary": "s",
        "changes": [{"path": "docs/a.md", "action": "create", "kind": "doc", "content": "x"}],
    }
    fake_anthropic.script(proposal_reply(None, text="Here are my thoughts."), proposal_reply(good))
    with start(repo, provider=anthropic()) as session:
        list(session.generate("architecture"))
        assert session.proposal.changes[0].path == "docs/a.md"
    again = fake_anthropic.requests[1].body["messages"]
    assert again[1] == {
        "role": "assistant",
        "content": [{"type": "text", "text": "Here are my thoughts."}],
    }
    assert "without calling `submit_proposal`" in again[2]["content"][0]["text"]


def test_invalid_twice_is_a_clear_failure_and_the_build_is_intact(repo, fake_anthropic):
    fake_anthropic.script(
        proposal_reply('{"summary": "s", "changes": [{"path": '),
        proposal_reply({"changes": []}),
    )
    session = start(repo, provider=anthropic())
    with session:
        with pytest.raises(ProviderFailure) as failure:
            list(session.generate("architecture"))
        record = session.record("architecture")
        assert record.status == "pending" and record.proposal is None
        assert "invalid twice" in record.error
        assert session.state.usage.input_tokens + session.state.usage.cache_write_tokens > 0
    assert "summary: Field required" in str(failure.value)
    assert "not valid JSON" in fake_anthropic.requests[1].user_texts()[-1]


def test_the_repository_context_leaves_secrets_ignored_and_binary_files_out(repo, fake_anthropic):
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text("print('VISIBLE-CODE-MARKER')\n")
    (repo / ".env").write_text("DB_PASSWORD=SECRET-ENV-MARKER\n")
    (repo / "config").mkdir()
    (repo / "config" / ".env.production").write_text("TOKEN=SECRET-ENVPROD-MARKER\n")
    (repo / "deploy.pem").write_text("SECRET-PEM-MARKER\n")
    (repo / "id_ed25519").write_text("SECRET-SSH-MARKER\n")
    (repo / "notes.txt").write_text(
        "-----BEGIN OPENSSH PRIVATE KEY-----\nSECRET-INLINE-MARKER\n-----END OPENSSH PRIVATE KEY-----\n"
    )
    (repo / ".gitignore").write_text("local-settings.json\n")
    (repo / "local-settings.json").write_text('{"token": "SECRET-IGNORED-MARKER"}\n')
    (repo / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\nSECRET-BINARY-MARKER\x00\x00")
    (repo / "data.txt").write_bytes(b"text\x00SECRET-NUL-MARKER")
    git(repo, "add", "-A")
    git(repo, "add", "-f", "local-settings.json")
    git(repo, "commit", "-qm", "a user's files, some secret")
    fake_anthropic.handler = build_handler()
    with start(repo, provider=anthropic()) as session:
        list(session.generate("architecture"))
    sent = fake_anthropic.requests[0].raw.decode()
    assert "VISIBLE-CODE-MARKER" in sent and "src/app.py" in sent
    assert "SECRET-" not in sent
    context = "\n".join(fake_anthropic.requests[0].user_texts())
    for name in (
        ".env",
        "config/.env.production",
        "deploy.pem",
        "id_ed25519",
        "notes.txt",
        "local-settings.json",
        "logo.png",
        "data.txt",
    ):
        assert f'<file path="{name}">' not in context
        assert f" {name} (" not in context  # not in the map either
    assert '<file path="src/app.py">' in context and "* src/app.py (" in context


def test_files_over_the_context_budget_are_mapped_but_not_sent(repo, fake_anthropic):
    (repo / "big.md").write_text("BIG-FILE-MARKER " * 2000)
    (repo / "small.md").write_text("SMALL-FILE-MARKER\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files")
    fake_anthropic.handler = build_handler()
    with start(repo, provider=anthropic(context_tokens=2000)) as session:
        list(session.generate("architecture"))
    task = fake_anthropic.requests[0].user_texts()[-1]
    sent = fake_anthropic.requests[0].raw.decode()
    assert "SMALL-FILE-MARKER" in sent and "BIG-FILE-MARKER" not in sent
    assert "  big.md (32,000 bytes)" in task and "* small.md" in task
    assert "did not fit the context budget" in task


def test_cost_is_accounted_per_call_phase_and_build_from_the_reported_usage(repo, fake_anthropic):
    good = {
        "summary": "s",
        "changes": [{"path": "docs/a.md", "action": "create", "kind": "doc", "content": "x"}],
    }
    first = {
        "input_tokens": 1200,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 30000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 30000},
        "output_tokens": 5000,
    }
    second = {
        "input_tokens": 800,
        "cache_read_input_tokens": 30000,
        "cache_creation_input_tokens": 2000,
        "cache_creation": {"ephemeral_5m_input_tokens": 500, "ephemeral_1h_input_tokens": 1500},
        "output_tokens": 4000,
    }
    fake_anthropic.script(proposal_reply(good, usage=first), proposal_reply(good, usage=second))
    with start(repo, provider=anthropic()) as session:
        reports = [e.usage for e in session.generate("architecture") if isinstance(e, UsageReport)]
        session.approve_all()
        session.commit()
        reports += [e.usage for e in session.generate("data-model") if isinstance(e, UsageReport)]
        state = session.state
    # claude-sonnet-5-5: $2 input, $10 output, $2.50 / $4 cache writes (5m / 1h), $0.10 reads
    one = (1200 * 2 + 30000 * 4 + 5000 * 10) / 1e6
    two = (800 * 2 + 30000 * 0.1 + 500 * 2.5 + 1500 * 4 + 4000 * 10) / 1e6
    assert [r.cost_usd for r in reports] == [pytest.approx(one), pytest.approx(two)]
    assert state.record("architecture").usage.cost_usd == pytest.approx(one)
    assert state.record("data-model").usage.cache_read_tokens == 30000
    assert state.usage.input_tokens == 2000 and state.usage.output_tokens == 9000
    assert state.usage.cache_write_tokens == 32000 and state.usage.cache_read_tokens == 30000
    assert state.usage.cost_usd == pytest.approx(one + two)


def test_a_model_without_a_price_counts_tokens_and_marks_cost_unknown(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    provider = create_provider("anthropic", "claude-fable-5-2", max_retries=0)
    with start(repo, provider=provider) as session:
        list(session.generate("architecture"))
        usage = session.state.usage
    assert fake_anthropic.requests[0].body["model"] == "claude-fable-5-2"
    assert usage.cache_write_tokens > 0 and usage.output_tokens > 0
    assert usage.cost_usd is None


def test_a_retryable_error_is_retried_by_the_sdk(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    fake_anthropic.script(error_reply(529, "overloaded_error", "Overloaded", retry_after="0.01"))
    with start(repo, provider=create_provider("anthropic", None, max_retries=1)) as session:
        list(session.generate("architecture"))
        assert session.proposal is not None
    assert len(fake_anthropic.requests) == 2
    assert fake_anthropic.requests[1].headers["x-stainless-retry-count"] == "1"
