"""Drafting a brief v2 with Claude (against the fake API): the submit_brief schema and
instructions name roles and rules, a draft with them survives TOML, and a broken rule gets
the repair turn with its key."""

from __future__ import annotations

import copy

from backend_agent.core.brief import parse_brief
from backend_agent.core.intent import read_intent

from .test_anthropic_draft import DRAFT, SENTENCE, anthropic, draft_reply

RULES = copy.deepcopy(DRAFT)
RULES["roles"] = [{"name": "walker", "description": "Accepts and does walks"}]
RULES["entities"][1]["access"] = {"read": "owner|walker", "update": "walker"}
RULES["entities"][1]["fields"][1]["transitions"] = {"booked": ["done"]}
RULES["entities"][1]["fields"].append({"name": "booked_at", "type": "datetime", "set_by": "server"})
RULES["entities"][0]["fields"][0]["immutable"] = True


def test_a_draft_with_roles_and_rules_round_trips_through_toml(fake_anthropic):
    fake_anthropic.script(draft_reply(RULES))
    draft = anthropic().draft_brief(read_intent(SENTENCE))

    brief = draft.brief
    assert parse_brief(draft.to_toml()) == brief
    walk = brief.entity("Walk")
    assert [r.name for r in brief.roles] == ["walker"]
    assert brief.access(walk)["update"] == {"walker"}
    assert walk.field("status").transitions == {"booked": ["done"]}
    assert walk.field("booked_at").set_by == "server"
    text = draft.to_toml()
    assert '[[roles]]\nname = "walker"' in text
    assert 'access = { read = "owner|walker", update = "walker" }' in text

    (request,) = fake_anthropic.requests
    (tool,) = request.body["tools"]
    schema = tool["input_schema"]["properties"]
    assert schema["roles"]["items"]["properties"]["name"]["pattern"].startswith("^[a-z]")
    entity = schema["entities"]["items"]["properties"]
    assert {"access", "public_when", "renamed_from"} <= set(entity)
    field = entity["fields"]["items"]["properties"]
    assert {"transitions", "immutable", "set_by", "renamed_from"} <= set(field)
    system = "\n".join(block["text"] for block in request.body["system"])
    assert "`roles` and each entity's rules" in system  # the instructions
    assert "## Roles, access and rules (brief v2)" in system  # docs/brief.md


def test_a_broken_rule_in_a_draft_gets_the_repair_turn(fake_anthropic):
    bad = copy.deepcopy(RULES)
    bad["entities"][1]["access"]["update"] = "admin"
    bad["entities"][1]["fields"][1]["transitions"] = {"booked": ["lost"]}
    fake_anthropic.script(draft_reply(bad), draft_reply(RULES))
    draft = anthropic().draft_brief(read_intent(SENTENCE))

    assert [r.name for r in draft.brief.roles] == ["walker"]
    (result,) = fake_anthropic.requests[1].body["messages"][2]["content"]
    said = result["content"]
    assert "entities[1].fields[1].transitions.booked: transitions of 'status' name 'lost'" in said
