"""Answering the provider's open questions: in the wizard (i) and with --answers; either way
every phase asked later is told the answers."""

from __future__ import annotations

from collections.abc import Iterator

from backend_agent.cli import main
from backend_agent.core.events import Event, ProposalReady
from backend_agent.core.proposal import FileChange, Proposal
from backend_agent.engine import BuildSession
from backend_agent.providers.base import ProposalRequest, Provider
from backend_agent.ui.modals import PromptModal

from .conftest import EXAMPLES
from .helpers import start
from .wizard_support import SIZE, reopen, settle, wizard

QUESTIONS = ["Should tags be shared between people?", "Is a bookmark's URL unique per person?"]


class Asking(Provider):
    """Proposes one file and asks two questions; remembers what each request was told."""

    name = "asking"

    def __init__(self) -> None:
        self.told: list[dict[str, str]] = []

    def propose(self, request: ProposalRequest) -> Iterator[Event]:
        self.told.append(dict(request.answers))
        change = FileChange(
            path=f"docs/{request.phase.id}.md", action="create", content="x\n", kind="doc"
        )
        yield ProposalReady(Proposal(summary="s", changes=[change], questions=QUESTIONS))


async def test_answers_given_in_the_wizard_are_kept_and_told_to_later_phases(repo):
    provider = Asking()
    with start(repo, provider=provider) as session:
        list(session.generate())
        build = session.state.build
    app = wizard(repo, build=build, provider=provider)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "## Open questions (i answers them)" in app.screen.query_one("#rationale").source
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, PromptModal)
        assert app.screen.explanation == QUESTIONS[0]
        await pilot.press(*"No, each their own")
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.explanation == QUESTIONS[1]
        await pilot.press("enter")  # empty: skipped
        await settle(pilot)
        source = app.screen.query_one("#rationale").source
        assert f"- {QUESTIONS[0]} — **your answer:** No, each their own" in source
    with BuildSession.open(repo, build, provider=provider) as session:
        assert session.state.answers == {QUESTIONS[0]: "No, each their own"}
        assert session.open_questions() == [QUESTIONS[1]]
        session.approve_all()
        session.commit()
        list(session.generate("data-model"))
    assert provider.told[-1] == {QUESTIONS[0]: "No, each their own"}


def test_an_answers_file_is_kept_with_the_build(repo, tmp_path, capsys, monkeypatch):
    answers = tmp_path / "answers.toml"
    answers.write_text(f'[answers]\n"{QUESTIONS[1]}" = "Yes"\n')
    brief = str(EXAMPLES / "bookmarks.toml")
    args = ["--repo", str(repo), "--checks", "none", "--phases", "1"]
    assert main(["build", "--brief", brief, "--answers", str(answers), *args]) == 0
    assert "1 answer(s) from" in capsys.readouterr().err
    with reopen(repo) as session:
        assert session.state.answers == {QUESTIONS[1]: "Yes"}
    answers.write_text('[answers]\n"Q" = 3\n')
    assert main(["resume", "--approve", "all", "--answers", str(answers), *args[:-2]]) == 2
    assert "the answer to 'Q' must be non-empty text" in capsys.readouterr().err
    answers.write_text("answers = 1\n")
    assert main(["resume", "--approve", "all", "--answers", str(answers), *args[:-2]]) == 2
    assert 'expected one [answers] table of "question" = "answer"' in capsys.readouterr().err
