"""The brief loader: examples load, and every kind of bad input names its key and line."""

from __future__ import annotations

import pytest

from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.errors import BadInput

from .conftest import EXAMPLES

SHOP = (EXAMPLES / "shop.toml").read_text()


def problems(text: str) -> str:
    with pytest.raises(BadInput) as caught:
        parse_brief(text, "brief.toml")
    assert caught.value.exit_code == 2
    return caught.value.message


def line_of(text: str, needle: str, occurrence: int = 1) -> int:
    lines = [n for n, line in enumerate(text.splitlines(), 1) if needle in line]
    return lines[occurrence - 1]


@pytest.mark.parametrize("name", ["bookmarks", "shop"])
def test_examples_load_and_round_trip_through_toml(name):
    brief = load_brief(EXAMPLES / f"{name}.toml")
    assert brief.entities and brief.relations
    again = parse_brief(brief.to_toml())
    assert again == brief


def test_shop_example_covers_relations_enums_and_decimals():
    brief = load_brief(EXAMPLES / "shop.toml")
    kinds = {r.kind for r in brief.relations}
    types = {f.type for e in brief.entities for f in e.fields}
    assert kinds == {"many-to-one", "many-to-many"}
    assert {"enum", "decimal"} <= types
    assert {r.delete_rule for r in brief.relations if r.kind == "many-to-one"} == {
        "cascade",
        "restrict",
        "set-null",
    }


def test_unknown_key_names_key_and_line():
    text = SHOP.replace('kind = "many-to-many"', 'kind = "many-to-many"\ncolour = "red"')
    message = problems(text)
    assert f"brief.toml:{line_of(text, 'colour')}: relations[3].colour: unknown key" in message


def test_wrong_type_names_key_and_line():
    text = SHOP.replace("max_length = 64", 'max_length = "long"')
    message = problems(text)
    assert f"brief.toml:{line_of(text, 'tracking_code')}: entities[4].fields[1].max_length" in (
        message
    )
    assert "integer" in message


def test_bad_project_name():
    text = SHOP.replace('name = "shop"', 'name = "My Shop"')
    message = problems(text)
    assert f"brief.toml:{line_of(text, 'My Shop')}: project.name" in message
    assert "'My Shop' is not a slug" in message


def test_duplicate_entity():
    text = SHOP.replace('name = "Shipment"', 'name = "Category"')
    message = problems(text)
    second = line_of(text, 'name = "Category"', 2)
    assert f"brief.toml:{second}: entities[4].name" in message
    assert "defined more than once" in message


def test_relation_to_unknown_entity():
    text = SHOP.replace('to = "Category"', 'to = "Kategory"')
    message = problems(text)
    assert f"brief.toml:{line_of(text, 'Kategory')}: relations[3].to" in message
    assert "'Kategory', which is not an entity" in message


def test_enum_without_values():
    text = SHOP.replace('values = ["dhl", "ups", "post"], ', "")
    message = problems(text)
    assert f"brief.toml:{line_of(text, 'carrier')}: entities[4].fields[0].type" in message
    assert "needs values" in message


def test_unknown_field_type_lists_the_valid_ones():
    text = SHOP.replace('type = "json"', 'type = "blob"')
    message = problems(text)
    assert "entities[4].fields[4].type" in message and "'json'" in message


def test_malformed_toml_gives_line():
    message = problems('[project]\nname = "x\n')
    assert "not valid TOML" in message and "line 2" in message


def test_missing_project_section():
    assert "project: required key is missing" in problems('[stack]\nauth = "jwt"\n')


def test_every_problem_is_reported_at_once():
    text = SHOP.replace("max_length = 64", "max_length = -1").replace(
        'type = "json"', 'type = "blob"'
    )
    message = problems(text)
    assert "fields[1].max_length" in message and "fields[4].type" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (('{ name = "eta", type = "date" }', '{ name = "id", type = "uuid" }'), "implied"),
        (('{ name = "eta", type = "date" }', '{ name = "Eta", type = "date" }'), "snake_case"),
        (('name = "Shipment"', 'name = "shipment"'), "PascalCase"),
        (('unique = [["sku"]]', 'unique = [["skux"]]'), "neither one of its fields"),
        (("min = 1, max = 1000", "min = 10, max = 1"), "greater than max"),
        (('default = "draft"', 'default = "gone"'), "does not fit"),
        (('on_delete = "restrict"', 'on_delete = "set-null"'), "required relation"),
    ],
)
def test_rules_of_the_format(change, expected):
    assert expected in problems(SHOP.replace(*change))


def test_missing_and_unreadable_files(tmp_path):
    with pytest.raises(BadInput, match="does not exist"):
        load_brief(tmp_path / "nope.toml")
    with pytest.raises(BadInput, match="is a directory"):
        load_brief(tmp_path)
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(BadInput, match="cannot read brief"):
        load_brief(binary)


def test_to_toml_reads_like_a_hand_written_brief_and_round_trips_odd_values():
    text = SHOP.replace(
        '{ name = "details", type = "json" }',
        '{ name = "details", type = "json", default = { "a b" = [1, "x"] } }',
    )
    brief = parse_brief(text)
    written = brief.to_toml()
    assert (
        written.index("[project]") < written.index("[[entities]]") < written.index("[[relations]]")
    )
    assert '  { name = "sku", type = "string", required = true, max_length = 32 },' in written
    assert parse_brief(written) == brief
