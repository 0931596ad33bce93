"""An evolution of a build made with Claude (against the fake API): the model is told the
brief change and the person's changes, and its files go through the same merge."""

from __future__ import annotations

from pathlib import Path

from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider

from .conftest import EXAMPLES, git
from .fakes.anthropic_protocol import answer_reply
from .fakes.builds import answered, asked_phase, build_handler, create, finish, phase_files

APPENDED = "\n\ndef added_by_the_model() -> int:\n    return 42\n"


def _evolved_brief():
    text = (EXAMPLES / "bookmarks.toml").read_text()
    changed = text.replace(
        '{ name = "notes", type = "text" },',
        '{ name = "notes", type = "text" },\n  { name = "stars", type = "int", default = 0, '
        "required = true },",
    )
    assert changed != text
    return parse_brief(changed)


def test_claude_is_told_the_change_and_the_persons_edits_and_its_files_are_merged(
    repo, fake_anthropic
):
    fake_anthropic.handler = build_handler()
    provider = create_provider("anthropic", None, max_retries=0, timeout_s=10)
    brief = load_brief(EXAMPLES / "bookmarks.toml")
    with BuildSession.start(repo, brief, provider=provider) as session:
        run_phases(session, list(PHASES[:3]), "all", lambda line: None)
        worktree = Path(session.state.worktree)
    services = worktree / "src/app/services.py"
    mine = services.read_text().replace(
        "from __future__ import annotations\n", "from __future__ import annotations\n\n# mine\n"
    )
    services.write_text(mine)
    git(worktree, "commit", "-qam", "by hand")

    def evolution(request):
        if answered(request):
            return answer_reply([("text", "Done. "), finish("Nothing more to change.")])
        phase_id = asked_phase(request)
        files = phase_files(phase_id)
        for file in files:
            if file["path"] == "src/app/services.py":
                file["content"] += APPENDED
        blocks = [create(f["path"], f["content"]) for f in files]
        return answer_reply([*blocks, finish(f"## {phase_id}", files)])

    fake_anthropic.handler = evolution
    with BuildSession.open(repo, provider=provider) as session:
        found = session.evolve(_evolved_brief())
        assert found.phases == ["architecture", "data-model", "service-layer"]
        run_phases(session, [PHASES[0], PHASES[1]], "all", lambda line: None)
        list(session.generate("service-layer"))
        proposal = session.record("service-layer").proposal
        (change,) = proposal.changes  # the others are as the generator last wrote them
        assert change.path == "src/app/services.py" and change.action == "modify"
        assert "# mine\n" in change.content and change.content.endswith(APPENDED)
        assert session.conflict_hunks(change.path) == set()
    task = "\n".join(fake_anthropic.requests[-1].user_texts())
    assert "runs again for evolution 1" in task and "+ stars (required)" in task
    assert "+# mine" in task and "keep them" in task
