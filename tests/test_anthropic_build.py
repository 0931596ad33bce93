"""The Anthropic provider driven through the engine against the fake API: whole builds,
what every phase is told, the cached prefix, the repository context, and costs."""

from __future__ import annotations

import json

import pytest

from backend_agent.core.events import FileWritten, Progress, ProposalReady, TextDelta, UsageReport
from backend_agent.core.phases import PHASES, phase
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider
from backend_agent.providers.anthropic import DEFAULT_MODEL
from backend_agent.providers.anthropic.briefing import TEST_CONTRACT
from backend_agent.skills import load_skills

from .conftest import ROOT, git
from .fakes.anthropic_server import answer_reply, error_reply
from .fakes.builds import asked_phase, build_handler, create, finish, phase_files, replace
from .helpers import start

GOOD_TURN = [create("docs/a.md", "# A\n"), finish("s", [{"path": "docs/a.md", "kind": "doc"}])]


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


def test_six_phase_build_commits_what_the_model_wrote(repo, fake_anthropic):
    outcome, state, events = run_build(repo, fake_anthropic)

    assert outcome.committed == [p.id for p in PHASES]
    log = git(repo, "log", "--format=%s", "backend-agent/bookmarks").splitlines()
    assert [line.split(":")[0] for line in log[:6]] == [p.id for p in reversed(PHASES)]
    for p in PHASES:
        for f in phase_files(p.id):
            assert git(repo, "show", f"backend-agent/bookmarks:{f['path']}") == f["content"]
    assert git(repo, "show", "HEAD:README.md") == "# a user's project\n"  # the user's branch
    assert [asked_phase(r) for r in fake_anthropic.requests] == [p.id for p in PHASES]
    assert {r.body["model"] for r in fake_anthropic.requests} == {DEFAULT_MODEL}
    text = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert all(f"Proposing {p.id}." in text for p in PHASES)
    written = [e.path for e in events if isinstance(e, FileWritten)]
    assert written == [f["path"] for p in PHASES for f in phase_files(p.id)]
    documentation = state.record("documentation").proposal
    assert documentation.change("README.md").action == "modify"  # `create` over a branch file
    assert documentation.change("docs/operations.md").kind == "doc"  # from finish_phase


def test_files_arrive_one_by_one_while_the_answer_streams(repo, fake_anthropic):
    fake_anthropic.handler = build_handler(chunk=7)
    session = start(repo, provider=anthropic())
    with session:
        events = list(session.generate("architecture"))
    kinds = [type(e).__name__ for e in events]
    first_file = kinds.index("FileWritten")
    assert kinds.index("TextDelta") < first_file < kinds.index("UsageReport")
    assert [e.files for e in events if isinstance(e, FileWritten)] == [1, 2, 3]
    writing = [e.path for e in events if isinstance(e, Progress) and e.path]
    assert writing == [f["path"] for f in phase_files("architecture")]
    assert isinstance(events[-1], ProposalReady)


def test_the_request_offers_the_editor_delete_and_finish_tools_and_no_forced_choice(
    repo, fake_anthropic
):
    fake_anthropic.handler = build_handler()
    with start(repo, provider=anthropic()) as session:
        list(session.generate("architecture"))
    body = fake_anthropic.requests[0].body
    editor, delete, done = body["tools"]
    assert editor == {
        "type": "text_editor_20250728",
        "name": "str_replace_based_edit_tool",
        "max_characters": 40000,
    }
    assert delete["name"] == "delete_files" and "paths" in delete["input_schema"]["properties"]
    assert done["name"] == "finish_phase"
    assert set(done["input_schema"]["properties"]) == {
        "summary",
        "assumptions",
        "questions",
        "files",
    }
    assert "$ref" not in json.dumps(body["tools"])
    assert "tool_choice" not in body
    for name in ("temperature", "top_p", "top_k"):
        assert name not in body
    assert body["thinking"] == {"type": "adaptive", "display": "summarized"}
    assert body["output_config"] == {"effort": "high"}
    assert body["max_tokens"] == 128_000
    assert body["messages"][-1]["role"] == "user"


def test_stable_prefix_is_cached_and_byte_identical_across_phases(repo, fake_anthropic):
    run_build(repo, fake_anthropic)
    bodies = [r.body for r in fake_anthropic.requests]
    assert len({json.dumps([b["tools"], b["system"]]) for b in bodies}) == 1
    system = bodies[0]["system"]
    assert system[-1]["cache_control"] == {"type": "ephemeral", "ttl": "1h"}
    assert all("cache_control" not in block for block in system[:-1])
    usages = fake_anthropic.usages
    assert usages[0]["cache_read_input_tokens"] == 0
    system_tokens = usages[1]["cache_read_input_tokens"]
    assert system_tokens > 3000
    for later in usages[2:]:
        assert later["cache_read_input_tokens"] > system_tokens  # and earlier groups
    # a group keeps its bytes while later phases only add files: phase 6 reads phases 1-4
    assert usages[5]["cache_read_input_tokens"] > usages[2]["cache_read_input_tokens"] + 1000


def test_a_file_stays_in_the_group_of_the_phase_that_created_it(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        list(session.generate("architecture"))
        session.approve_all()
        session.commit()
        fake_anthropic.handler = None
        fake_anthropic.script(
            answer_reply(
                [
                    replace(
                        "docs/architecture.md", "# Architecture: a modular monolith\n", "# A-EDIT\n"
                    ),
                    create("migrations/0001_initial.sql", "CREATE TABLE t (id int);\n"),
                    finish("s"),
                ]
            ),
            answer_reply(GOOD_TURN),
        )
        list(session.generate("data-model"))
        session.approve_all()
        session.commit()
        list(session.generate("service-layer"))
    blocks = fake_anthropic.requests[-1].body["messages"][0]["content"]
    one, two = (b["text"] for b in blocks[1:3])
    assert one.startswith("## Committed by phase 1 (architecture)")
    assert '<file path="docs/architecture.md">' in one and "# A-EDIT" in one
    assert two.startswith("## Committed by phase 2 (data-model)")
    assert "docs/architecture.md" not in two and "migrations/0001_initial.sql" in two


def test_every_phase_is_told_its_skills_deliverables_contract_and_history(repo, fake_anthropic):
    custom = repo / ".claude" / "skills" / "team-conventions"
    custom.mkdir(parents=True)
    (custom / "SKILL.md").write_text(
        "---\nname: team-conventions\ndescription: How our team names things.\n---\n\n"
        "Use kebab-case for URLs.\n"
    )
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        list(session.generate("architecture"))
        session.approve_all()
        session.commit()
        session.answer("Should tags be shared between people?", "No, each person has their own")
        list(session.generate("data-model"))
    skills = load_skills(repo)
    first, second = fake_anthropic.requests
    system = "\n".join(b["text"] for b in second.body["system"])
    assert "# The brief's format and conventions (docs/brief.md)" in system
    assert "A `many-to-one` relation without `on_delete` uses `restrict`" in system
    assert "- team-conventions (phases any (when relevant)): How our team names things." in system
    assert "Use kebab-case for URLs." not in json.dumps(second.body)
    task = second.user_texts()[-1]
    assert task.startswith("# Phase 2 of 6: Data model (`data-model`)")
    assert skills.get("supabase-postgres").body.strip() in task
    assert skills.get("architecture-patterns").body.strip() not in task  # phase 1's, by name
    assert "view`): skills/supabase-postgres/references/explain-analyze.md" in task
    assert "# Deliverables of phase 2" in task and "- [ ] `migrations/NNNN_name.sql`" in task
    assert "# What the earlier phases decided" in task and "## Phase 1 (architecture)" in task
    assert "The plan for architecture." in task
    assert "- Should tags be shared between people?: No, each person has their own" in task
    assert task.rstrip().endswith("Begin phase 2.")
    assert task.index("# How to answer (the output contract)") > task.index("# The repository")
    assert "# The test contract" not in task  # data model: no code, no suite
    three = phase("service-layer")
    assert all(name in three.skills for name in ("python-fastapi-patterns", "auth-patterns"))


def test_code_phases_state_the_test_contract_the_skill_states(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        for phase_id in ("architecture", "data-model"):
            list(session.generate(phase_id))
            session.approve_all()
            session.commit()
        list(session.generate("service-layer"))
    task = fake_anthropic.requests[-1].user_texts()[-1]
    assert f"# The test contract\n\n{TEST_CONTRACT}" in task
    skill = (ROOT / "skills" / "python-fastapi-patterns" / "SKILL.md").read_text()
    assert TEST_CONTRACT in skill
    assert "nodejs-patterns" not in task.split("# Skills for this phase")[1].split("# Deliver")[0]


def test_disabled_skills_leave_the_prompt(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        session.state.disabled_skills = ["architecture-patterns"]
        list(session.generate("architecture"))
    prompt = json.dumps(fake_anthropic.requests[0].body)
    assert "architecture-patterns" not in prompt
    assert "production-readiness" in prompt


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
    fake_anthropic.script(
        answer_reply(GOOD_TURN, usage=first), answer_reply(GOOD_TURN, usage=second)
    )
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
    body = fake_anthropic.requests[0].body
    assert body["model"] == "claude-fable-5-2"
    # a model the table does not know gets nothing optional, and a safe answer limit
    assert "thinking" not in body and "output_config" not in body
    assert body["max_tokens"] == 32_000
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
