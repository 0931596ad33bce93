"""The tool loop against the fake API: every call answered, files kept as they arrive,
continuation at the output limit, refusals, a full context window, a mid-stream overload,
and revisions and fix rounds as further turns of the same conversation."""

from __future__ import annotations

import pytest

from backend_agent.core.errors import ProviderFailure
from backend_agent.core.events import Progress
from backend_agent.providers import create_provider
from backend_agent.providers.offline import phase3
from backend_agent.providers.offline.plan import build_plan

from .conftest import git
from .fakes.anthropic_server import answer_reply, error_reply
from .fakes.builds import EDITOR, build_handler, create, finish, phase_files, replace
from .fakes.claude import SimulatedClaude
from .helpers import start


def anthropic(**options):
    return create_provider("anthropic", None, max_retries=0, timeout_s=10, **options)


def results(request) -> list[dict]:
    """The tool results of the request's last user turn."""
    return [b for b in request.body["messages"][-1]["content"] if b["type"] == "tool_result"]


def said(request) -> str:
    last = request.body["messages"][-1]["content"]
    return "\n".join(b["text"] for b in last if b["type"] == "text")


def view(path: str, **more) -> tuple:
    return ("tool", EDITOR, {"command": "view", "path": path, **more})


def generate(repo, fake, *replies, phase="architecture", **options):
    fake.script(*replies)
    session = start(repo, provider=anthropic(**options))
    with session:
        events = list(session.generate(phase))
        record = session.record(phase).model_copy(deep=True)
    return record, events


def test_every_call_is_answered_and_refused_ones_say_why(repo, fake_anthropic):
    first = [
        ("thinking", "Two documents, then the ADR."),
        ("text", "Writing the requirements."),
        create("docs/requirements.md", "# Requirements\n\nPeople save bookmarks.\n"),
        create("../outside.md", "x"),
        create(".git/hooks/pre-commit", "x"),
        replace("docs/requirements.md", "People save links.", "x"),
        replace("docs/requirements.md", "\n", "x"),
        ("tool", "make_coffee", {"strength": 3}),
        create("docs/requirements.md", "# Requirements\n\nPeople save bookmarks.\n"),
    ]
    second = [
        replace("docs/requirements.md", "People save bookmarks.", "People save and tag links."),
        finish("## Plan", [{"path": "docs/requirements.md", "kind": "doc", "why": "what"}]),
    ]
    record, _ = generate(repo, fake_anthropic, answer_reply(first), answer_reply(second))
    (change,) = record.proposal.changes
    assert change.content == "# Requirements\n\nPeople save and tag links.\n"
    assert change.why == "what" and record.proposal.summary == "## Plan"
    answers = results(fake_anthropic.requests[1])
    assert [r.get("is_error", False) for r in answers] == [
        False,
        True,
        True,
        True,
        True,
        True,
        False,
    ]
    texts = [r["content"] for r in answers]
    assert texts[0] == "created docs/requirements.md (3 lines)"
    assert "'..' segments are not allowed" in texts[1]
    assert "paths into .git are not allowed" in texts[2]
    assert "old_str was not found in docs/requirements.md" in texts[3]
    assert "appears 3 times in docs/requirements.md (at lines 1, 2, 3)" in texts[4]
    assert "there is no tool named 'make_coffee'" in texts[5]
    assert "replaces the version you wrote earlier in this phase" in texts[6]  # a duplicate
    thinking = fake_anthropic.requests[1].body["messages"][1]["content"][0]
    assert thinking["type"] == "thinking" and thinking["signature"].startswith("sig_")


def test_a_phase_cut_at_max_tokens_after_20_files_ends_with_all_of_them(repo, fake_anthropic):
    claude = SimulatedClaude(repo, cut_after={"service-layer": 20})
    fake_anthropic.handler = claude
    session = start(repo, provider=anthropic())
    with session:
        for phase_id in ("architecture", "data-model"):
            list(session.generate(phase_id))
            session.approve_all()
            session.commit()
        brief, day = session.state.brief, session.state.created.date()
        offline = phase3.propose(brief, build_plan(brief), session.worktree.files(), day)
        count = len(fake_anthropic.requests)
        events = list(session.generate("service-layer"))
        proposal = session.record("service-layer").proposal
    assert len(offline.changes) > 30  # phase 3 of bookmarks: 36 files and more
    assert [c.path for c in proposal.changes] == [c.path for c in offline.changes]
    assert [c.content for c in proposal.changes] == [c.content for c in offline.changes]
    first, second = fake_anthropic.requests[count : count + 2]
    assert first.body["max_tokens"] == 128_000
    kept = second.body["messages"][1]["content"]
    assert sum(1 for b in kept if b["type"] == "tool_use") == 20  # the cut call is dropped
    assert len(results(second)) == 20
    note = said(second)
    assert "reached the output limit (128,000 tokens) and was cut off in the create of app/" in note
    assert "Files written in this phase so far: 20" in note
    assert any("output limit" in e.message for e in events if isinstance(e, Progress))
    assert second.body["messages"][-1]["role"] == "user"  # no prefill, ever


def test_a_refusal_stops_with_the_models_words_and_keeps_what_was_written(repo, fake_anthropic):
    written = [create("docs/requirements.md", "# R\n")]
    refusal = answer_reply(
        [("text", "I can't help with that part of the request.")], stop_reason="refusal"
    )
    fake_anthropic.script(answer_reply(written), refusal)
    session = start(repo, provider=anthropic())
    with session:
        with pytest.raises(ProviderFailure) as caught:
            list(session.generate("architecture"))
        record = session.record("architecture")
        assert record.status == "proposed"
        assert [c.path for c in record.proposal.changes] == ["docs/requirements.md"]
        assert record.proposal.summary.startswith("## Stopped before the model finished")
        assert "declined" in record.error
    message = str(caught.value)
    assert "declined to go on with phase 1 (stop reason: refusal)" in message
    assert "I can't help with that part of the request." in message
    assert caught.value.exit_code == 3


def test_a_full_context_window_starts_over_with_less_context_and_the_files_kept(
    repo, fake_anthropic
):
    for number in range(6):
        (repo / f"notes{number}.md").write_text(f"NOTE-{number} " * 1500)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "notes")
    full = answer_reply(
        [create("docs/requirements.md", "# R\n")], stop_reason="model_context_window_exceeded"
    )
    fake_anthropic.script(
        full,
        answer_reply([create("docs/architecture.md", "# A\n"), finish("s")]),
    )
    record, events = generate(repo, fake_anthropic, context_tokens=30_000)
    assert [c.path for c in record.proposal.changes] == [
        "docs/requirements.md",
        "docs/architecture.md",
    ]
    before, after = (r.body["messages"][0]["content"] for r in fake_anthropic.requests)
    assert len(after) == len(before) + 1  # the same opening, smaller, then the work done
    assert sum(len(b["text"]) for b in after) < sum(len(b["text"]) for b in before)
    opening = "\n".join(b["text"] for b in after)
    assert "The context was shrunk to fit the model's context window: " in opening
    assert "- docs/requirements.md: created, 2 lines" in after[-1]["text"]
    note = next(e.message for e in events if isinstance(e, Progress) and "starting" in e.message)
    assert "file(s) of context left out" in note and "notes" in note
    assert "the 1 file(s) written so far kept" in note


def test_a_prompt_too_long_error_shrinks_the_context_too(repo, fake_anthropic):
    (repo / "big.md").write_text("BIG " * 10_000)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "big")
    too_long = error_reply(400, "invalid_request_error", "prompt is too long: 1203411 tokens")
    fake_anthropic.script(too_long)
    fake_anthropic.handler = build_handler()
    record, _ = generate(repo, fake_anthropic)
    assert len(record.proposal.changes) == 3
    first, second = fake_anthropic.requests
    assert "BIG BIG" in first.raw.decode() and "BIG BIG" not in second.raw.decode()


def test_an_overload_mid_stream_is_retried_once_and_its_files_undone(repo, fake_anthropic):
    blocks = [create("docs/a.md", "# A\n"), create("docs/b.md", "# B\n"), finish("s")]
    broken = answer_reply(blocks, error_after_blocks=(1, "overloaded_error", "Overloaded"))
    fake_anthropic.script(broken, answer_reply(blocks))
    record, events = generate(repo, fake_anthropic)
    assert [c.path for c in record.proposal.changes] == ["docs/a.md", "docs/b.md"]
    assert len(fake_anthropic.requests) == 2
    assert fake_anthropic.requests[0].body == fake_anthropic.requests[1].body
    retry = next(e.message for e in events if isinstance(e, Progress) and "again" in e.message)
    assert "(overloaded_error); asking again once (1 file(s) of that answer undone)" in retry


def test_pause_turn_goes_on_without_prefill(repo, fake_anthropic):
    paused = answer_reply([("text", "Working on it.")], stop_reason="pause_turn")
    fake_anthropic.script(paused, answer_reply([create("docs/a.md", "x\n"), finish("s")]))
    record, _ = generate(repo, fake_anthropic)
    assert record.proposal.changes[0].path == "docs/a.md"
    go_on = fake_anthropic.requests[1].body["messages"]
    assert [m["role"] for m in go_on] == ["user", "assistant", "user"]
    assert said(fake_anthropic.requests[1]) == "Go on."


def test_a_turn_without_finish_is_nudged_and_finish_waits_for_refused_calls(repo, fake_anthropic):
    fake_anthropic.script(
        answer_reply([("text", "Here is my plan: two documents.")]),
        answer_reply([create("docs/a.md", "x\n"), replace("docs/a.md", "y", "z"), finish("s")]),
        answer_reply([finish("s2")]),
    )
    record, _ = generate(repo, fake_anthropic)
    assert record.proposal.summary == "s2"
    nudge, refused = fake_anthropic.requests[1], fake_anthropic.requests[2]
    assert "Your turn ended without `finish_phase`" in said(nudge)
    finished = results(refused)[-1]
    assert finished["is_error"] and "1 call(s) of this answer were refused" in finished["content"]


def test_finish_without_any_file_is_refused(repo, fake_anthropic):
    fake_anthropic.script(
        answer_reply([finish("nothing")]),
        answer_reply([create("docs/a.md", "x\n"), finish("s")]),
    )
    record, _ = generate(repo, fake_anthropic)
    assert len(record.proposal.changes) == 1
    assert "no file was written in this phase" in results(fake_anthropic.requests[1])[0]["content"]


def test_view_reads_branch_files_skill_references_and_never_secrets(repo, fake_anthropic):
    (repo / ".env").write_text("KEY=SECRET-VIEW-MARKER\n")
    (repo / "docs").mkdir()
    (repo / "docs" / "notes.md").write_text("one\ntwo\nthree\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "files")
    first = [
        view("docs/notes.md", view_range=[2, 3]),
        view("skills/caching/references/http-caching.md"),
        view(".env"),
        view("docs"),
        view("skills/caching/../../../etc/passwd"),
    ]
    fake_anthropic.script(
        answer_reply(first), answer_reply([create("docs/a.md", "x\n"), finish("s")])
    )
    generate(repo, fake_anthropic)
    texts = [r["content"] for r in results(fake_anthropic.requests[1])]
    assert texts[0] == "docs/notes.md, lines 2-3 of 3:\n2: two\n3: three"
    assert texts[1].startswith("skills/caching/references/http-caching.md, lines 1-")
    assert "withheld from the model" in texts[2]
    assert texts[3] == "files in docs:\ndocs/notes.md"
    assert "not viewed" in texts[4]
    assert "SECRET-VIEW-MARKER" not in fake_anthropic.requests[1].raw.decode()


def test_delete_files_deletes_branch_files_and_drops_new_ones(repo, fake_anthropic):
    (repo / "old.md").write_text("old\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "old")
    fake_anthropic.script(
        answer_reply(
            [
                create("docs/tmp.md", "x\n"),
                ("tool", "delete_files", {"paths": ["old.md", "docs/tmp.md", "nope.md"]}),
                create("docs/a.md", "a\n"),
                finish("s"),
            ]
        ),
        answer_reply([finish("s")]),
    )
    record, _ = generate(repo, fake_anthropic)
    assert [(c.path, c.action) for c in record.proposal.changes] == [
        ("old.md", "delete"),
        ("docs/a.md", "create"),
    ]
    deleted = results(fake_anthropic.requests[1])[1]
    assert deleted["content"] == (
        "deleted old.md, docs/tmp.md; not deleted: nope.md: no such file (on the branch or "
        "written in this phase)"
    )


def test_a_revision_goes_on_with_the_conversation_and_keeps_what_it_leaves_out(
    repo, fake_anthropic
):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        list(session.generate("architecture"))
        session.approve("docs/architecture.md")
        session.reject("docs/adr/0001-modular-monolith.md", "too vague: name the pattern")
        session.edit("docs/requirements.md", "# Requirements, edited\n")
        fake_anthropic.handler = None
        fake_anthropic.script(
            answer_reply(
                [
                    replace("docs/adr/0001-modular-monolith.md", "# 1. Modular monolith", "# 1. X"),
                    finish("## Architecture\n\nA modular monolith, as asked."),
                ]
            )
        )
        list(session.revise("name the pattern in the ADR"))
        record = session.record()
        proposal = record.proposal
        assert [c.path for c in proposal.changes] == [
            f["path"] for f in phase_files("architecture")
        ]
        kept = proposal.change("docs/architecture.md")
        assert record.review("docs/architecture.md").state(kept) == "approved"
        assert proposal.change("docs/requirements.md").content == "# Requirements, edited\n"
        assert "# 1. X" in proposal.change("docs/adr/0001-modular-monolith.md").content
        assert proposal.change("docs/adr/0001-modular-monolith.md").kind == "adr"  # as before
        assert record.rounds == 2
    one, two = (r.body for r in fake_anthropic.requests)
    assert two["messages"][0] == one["messages"][0]  # the same opening: read from the cache
    assert [m["role"] for m in two["messages"]] == ["user", "assistant", "user"]
    turn = two["messages"][2]["content"]
    owed = [b for b in turn if b["type"] == "tool_result"]
    assert len(owed) == 4 and "goes to review" in owed[-1]["content"]  # every call answered
    text = turn[-1]["text"]
    assert "docs/architecture.md: approved (keep it as it is)" in text
    assert "rejected. Their comment: too vague: name the pattern" in text
    assert (
        "docs/requirements.md: edited by the person" in text and "+# Requirements, edited" in text
    )
    assert "name the pattern in the ADR" in text
    assert two["output_config"] == {"effort": "high"}


def test_a_fix_round_that_returns_only_the_fixed_file_keeps_the_others(repo, fake_anthropic):
    fake_anthropic.handler = build_handler()
    session = start(repo, provider=anthropic())
    with session:
        list(session.generate("architecture"))
        before = session.record().proposal
        fake_anthropic.handler = None
        fake_anthropic.script(
            answer_reply(
                [
                    replace("docs/requirements.md", "# Requirements", "# Requirements (fixed)"),
                    finish("Fixed the heading."),
                ]
            )
        )
        list(session.revise("- docs/requirements.md:1 [links] broken", kind="fix"))
        after = session.record().proposal
    assert [c.path for c in after.changes] == [c.path for c in before.changes]
    for old, new in zip(before.changes, after.changes, strict=True):
        if new.path == "docs/requirements.md":
            assert new.content.startswith("# Requirements (fixed)")
        else:
            assert new.content == old.content
    fix = fake_anthropic.requests[-1].body
    assert "# The checks found problems" in fix["messages"][-1]["content"][-1]["text"]
    assert fix["output_config"] == {"effort": "medium"}  # the fix rounds' effort


def test_the_turn_limit_keeps_what_was_written_and_says_so(repo, fake_anthropic, hermetic):
    config = hermetic / "config"
    config.mkdir(parents=True, exist_ok=True)
    (config / "config.toml").write_text("[anthropic]\nmax_turns = 2\n")
    fake_anthropic.script(
        answer_reply([create("docs/a.md", "a\n")]), answer_reply([create("docs/b.md", "b\n")])
    )
    session = start(repo, provider=anthropic())
    with session:
        with pytest.raises(ProviderFailure) as caught:
            list(session.generate("architecture"))
        record = session.record()
        assert [c.path for c in record.proposal.changes] == ["docs/a.md", "docs/b.md"]
    assert "did not finish phase 1 within 2 answers" in str(caught.value)
    assert "max_turns" in caught.value.hint


def test_the_cost_limit_mid_phase_keeps_what_was_written(repo, fake_anthropic):
    costly = {
        "input_tokens": 2000,
        "cache_read_input_tokens": 0,
        "cache_creation_input_tokens": 40000,
        "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 40000},
        "output_tokens": 20000,
    }  # $0.364
    fake_anthropic.script(answer_reply([create("docs/a.md", "a\n")], usage=costly))
    session = start(repo, provider=anthropic(max_cost_usd=0.4))
    with session:
        with pytest.raises(ProviderFailure) as caught:
            list(session.generate("architecture"))
        record = session.record()
        assert [c.path for c in record.proposal.changes] == ["docs/a.md"]
        assert record.status == "proposed" and "stopped before calling the model" in record.error
    assert len(fake_anthropic.requests) == 1
    assert caught.value.exit_code == 3 and "raise --max-cost" in caught.value.hint


def test_the_simulated_claude_refuses_on_request(repo, fake_anthropic):
    fake_anthropic.handler = SimulatedClaude(repo, faults={"architecture": "refusal"})
    with start(repo, provider=anthropic()) as session:
        with pytest.raises(ProviderFailure, match="I can't help with writing this part"):
            list(session.generate("architecture"))
        assert session.record().proposal is None  # nothing was written before it
