"""One sentence to a brief: the forms the product recognises, and the offline draft."""

from __future__ import annotations

import pytest

from backend_agent.core.brief import parse_brief
from backend_agent.core.errors import BadInput
from backend_agent.core.intent import offline_draft, read_intent, slug


@pytest.mark.parametrize(
    ("sentence", "name", "summary", "scope", "architecture"),
    [
        (
            "build a backend for a dog-walking marketplace",
            "dog-walking-marketplace",
            "A backend for a dog-walking marketplace",
            "all",
            None,
        ),
        (
            "create a service for invoice reminders",
            "invoice-reminders",
            "A backend for invoice reminders",
            "all",
            None,
        ),
        (
            "design the architecture for a multi-tenant CRM",
            "multi-tenant-crm",
            "A backend for a multi-tenant CRM",
            "architecture",
            None,
        ),
        (
            "implement the backend for our recipe app",
            "recipe-app",
            "A backend for our recipe app",
            "all",
            None,
        ),
        (
            "Build the API layer for a fleet tracker.",
            "fleet-tracker",
            "A backend for a fleet tracker",
            "all",
            None,
        ),
        (
            "create a microservice for sending emails",
            "sending-emails",
            "A backend for sending emails",
            "all",
            "microservices",
        ),
        (
            "set up the server for a chess club",
            "chess-club",
            "A backend for a chess club",
            "all",
            None,
        ),
        (
            "Build a backend that tracks 3D printers!",
            "tracks-3d-printers",
            "A backend that tracks 3D printers",
            "all",
            None,
        ),
        (
            "a todo list with teams",
            "todo-list-teams",
            "A backend for a todo list with teams",
            "all",
            None,
        ),
    ],
)
def test_sentence_forms(sentence, name, summary, scope, architecture):
    intent = read_intent(sentence)
    assert (intent.scope, intent.architecture) == (scope, architecture)
    draft = offline_draft(intent)
    assert draft.brief.project.name == name
    assert draft.brief.project.summary == summary
    assert draft.brief.project.requirements.strip() == " ".join(sentence.split())
    assert intent.last_phase == (1 if scope == "architecture" else 6)


def test_slugs_are_valid_project_names():
    assert slug("  ") == "app"
    assert slug("42 things") == "app-42-things"
    long = slug("an extraordinarily long description of a very complicated marketplace")
    assert len(long) <= 40 and not long.endswith("-")


def test_offline_draft_round_trips_and_says_what_is_missing():
    draft = offline_draft(read_intent("build a backend for a dog-walking marketplace"))
    text = draft.to_toml()
    assert text.startswith("# Drafted by backend-agent from:\n#   build a backend for a dog")
    assert "cannot draft entities" in text and "# [[entities]]" in text
    assert parse_brief(text) == draft.brief


def test_empty_sentence_is_bad_input():
    with pytest.raises(BadInput, match="empty"):
        read_intent("   ")


def test_new_writes_the_draft(tmp_path, capsys):
    from backend_agent.cli import main

    target = tmp_path / "brief.toml"
    code = main(
        ["new", "design the architecture for a multi-tenant CRM", "--brief-out", str(target)]
    )
    err = capsys.readouterr().err
    assert code == 0, err
    assert parse_brief(target.read_text()).project.name == "multi-tenant-crm"
    assert "--phases 1" in err and "cannot draft entities" in err
    assert main(["new", "x", "--brief-out", str(target)]) == 2
