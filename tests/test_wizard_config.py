"""The user's config file and the Brief screen's form model, without a screen."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.errors import BadInput
from backend_agent.settings import load_settings, settings_file, update_setting
from backend_agent.ui.brief_form import BriefForm
from backend_agent.ui.config import load_ui_config

from .conftest import EXAMPLES


def test_update_setting_keeps_comments_and_other_keys(hermetic):
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        '# mine\neditor = "nano"\ntheme = "gruvbox"\n\n[keymap]\n"phase.approve" = "y"\n'
    )
    update_setting("theme", "nord")
    text = path.read_text()
    assert text.startswith("# mine\n")
    assert 'theme = "nord"' in text and "gruvbox" not in text
    assert load_settings() == {
        "editor": "nano",
        "theme": "nord",
        "keymap": {"phase.approve": "y"},
    }


def test_update_setting_adds_a_key_before_the_first_table(hermetic):
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text('[keymap]\n"phase.approve" = "y"\n')
    update_setting("theme", "nord")
    assert load_settings() == {"theme": "nord", "keymap": {"phase.approve": "y"}}
    path.unlink()
    update_setting("theme", "dracula")
    assert load_settings() == {"theme": "dracula"}


def test_a_broken_config_names_the_line_and_the_wizard_still_starts(hermetic):
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text('theme = "nord"\neditor = \n')
    with pytest.raises(BadInput) as caught:
        load_settings()
    assert "line 2" in caught.value.message
    config = load_ui_config()
    assert config.theme is None and "line 2" in config.problems[0]


def test_wrong_types_in_the_config_are_reported_one_by_one(hermetic):
    path = settings_file()
    path.parent.mkdir(parents=True)
    path.write_text(
        'theme = 3\neditor = ["vim"]\n[keymap]\n"phase.approve" = 1\n"phase.reject" = "r"\n'
    )
    config = load_ui_config()
    assert len(config.problems) == 3
    assert config.keymap == {"phase.reject": "r"}


def test_editor_command_prefers_config_then_visual_then_editor(monkeypatch):
    from backend_agent.ui.config import UiConfig

    monkeypatch.setenv("VISUAL", "code --wait")
    monkeypatch.setenv("EDITOR", "nano")
    assert UiConfig(editor="hx").editor_command() == ["hx"]
    assert UiConfig().editor_command() == ["code", "--wait"]
    monkeypatch.delenv("VISUAL")
    assert UiConfig().editor_command() == ["nano"]
    monkeypatch.delenv("EDITOR")
    assert UiConfig().editor_command() == ["vi"]


def test_the_form_round_trips_the_example_brief_and_keeps_entity_comments():
    text = (EXAMPLES / "bookmarks.toml").read_text()
    text = text.replace('name = "Tag"\n', 'name = "Tag"  # what a person files bookmarks under\n')
    form = BriefForm.from_text(text)
    assert form.name == "bookmarks" and form.stack["framework"] == "fastapi"
    assert form.targets["requests_per_second"] == "200"
    assert "# what a person files bookmarks under" in form.entities  # the file's own text
    brief, problems = form.validate()
    assert problems == []
    assert brief == load_brief(EXAMPLES / "bookmarks.toml")


def test_form_problems_are_the_cli_problems_for_the_saved_text():
    form = BriefForm.from_text((EXAMPLES / "bookmarks.toml").read_text())
    form.targets["p99_latency_ms"] = "fast"
    form.entities = form.entities.replace('name = "Tag"', 'name = "tag"')
    _, problems = form.validate()
    with pytest.raises(BadInput) as caught:
        parse_brief(form.compose(), "backend-brief.toml")
    assert problems == [line.strip() for line in caught.value.message.splitlines()[1:]]
    assert any("targets.p99_latency_ms" in p for p in problems)
    tag_line = next(p for p in problems if "entities[1].name" in p)
    line = int(tag_line.split(":")[1])
    assert line > form.entities_offset()
    assert form.compose().splitlines()[line - 1].strip() == 'name = "tag"'


def test_a_file_that_is_not_toml_is_refused_by_the_form():
    with pytest.raises(BadInput):
        BriefForm.from_text("[project\nname = 1")


def test_the_form_keeps_roles_with_the_entities_and_reports_their_lines():
    text = (Path(__file__).parent / "offline_briefs" / "tickets.toml").read_text()
    form = BriefForm.from_text(text)
    assert form.entities.startswith('[[roles]]\nname = "staff"')
    brief, problems = form.validate()
    assert problems == [] and [r.name for r in brief.roles] == ["staff"]
    form.entities = form.entities.replace('update = "staff"', 'update = "admin"', 1)
    _, problems = form.validate()
    (problem,) = problems
    line = int(problem.split(":")[1])
    assert "entities[0].access.update" in problem and "'admin'" in problem
    assert 'update = "admin"' in form.compose().splitlines()[line - 1]
