"""`evolve --say`: Claude proposes the changed brief (against the fake API), reviewed like
a drafted brief before anything runs; a change an evolution cannot follow goes back to
the model once."""

from __future__ import annotations

import copy

from backend_agent.cli import main
from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.phases import PHASES
from backend_agent.engine import BuildSession
from backend_agent.engine.autopilot import run_phases
from backend_agent.providers import create_provider

from .conftest import EXAMPLES
from .fakes.anthropic_protocol import answer_reply
from .offline_service_support import BRIEFS

SENTENCE = "products get a weight, customers review products, tracking codes are numbers"


def _reply(brief: dict):
    answer = {**brief, "assumptions": ["weights are in grams"], "questions": []}
    return answer_reply([("tool", "submit_brief", answer)])


def test_say_proposes_the_brief_change_for_review_then_evolve_runs_it(
    repo, fake_anthropic, tmp_path, capsys
):
    with BuildSession.start(
        repo, load_brief(EXAMPLES / "shop.toml"), provider=create_provider("offline")
    ) as session:
        run_phases(session, list(PHASES[:2]), "all", lambda line: None)
    wanted = load_brief(BRIEFS / "shop_evolved.toml").model_dump(mode="json", by_alias=True)
    renamed = copy.deepcopy(wanted)
    renamed["project"]["name"] = "webshop"
    fake_anthropic.script(_reply(renamed), _reply(wanted))
    out = tmp_path / "changed.toml"
    code = main(["evolve", "--repo", str(repo), "--say", SENTENCE, "--brief-out", str(out)])
    assert code == 0
    said = capsys.readouterr().err
    assert "Shipment.tracking_code → tracking_number" in said and f"evolve --brief {out}" in said
    assert parse_brief(out.read_text()) == load_brief(BRIEFS / "shop_evolved.toml")
    assert "#   - weights are in grams" in out.read_text()
    first, second = fake_anthropic.requests
    (ask,) = first.user_texts()
    assert SENTENCE in ask and 'name = "shop"' in ask and "[[entities]]" in ask
    system = "\n".join(block["text"] for block in first.body["system"])
    assert "renamed_from" in system and "keep `project.name`" in system
    result = second.body["messages"][2]["content"][0]
    assert result["is_error"] and "renames the project" in result["content"]
    with BuildSession.open(repo) as session:
        assert session.state.evolutions == []  # nothing runs before the person reviews it
    code = main(
        [
            "evolve",
            "--repo",
            str(repo),
            "--brief",
            str(out),
            "--provider",
            "offline",
            "--approve",
            "all",
            "--checks",
            "none",
        ]
    )
    assert code == 0
    with BuildSession.open(repo) as session:
        assert session.state.evolutions[0].after == load_brief(BRIEFS / "shop_evolved.toml")


def test_say_without_a_model_says_what_to_do_instead(repo, tmp_path, capsys):
    with BuildSession.start(
        repo, load_brief(EXAMPLES / "shop.toml"), provider=create_provider("offline")
    ) as session:
        run_phases(session, list(PHASES[:1]), "all", lambda line: None)
    out = tmp_path / "changed.toml"
    code = main(
        [
            "evolve",
            "--repo",
            str(repo),
            "--say",
            SENTENCE,
            "--brief-out",
            str(out),
            "--provider",
            "offline",
        ]
    )
    assert code == 2 and not out.exists()
    assert "cannot change a brief from a sentence" in capsys.readouterr().err
