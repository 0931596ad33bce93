"""Brief v2: roles, access, public_when, transitions, immutable, set_by, unique with a
relation and renamed_from — each rule accepted when sound, refused with its key and line
when not."""

from __future__ import annotations

import pytest

from backend_agent.core.brief import load_brief, parse_brief
from backend_agent.core.errors import BadInput

from .conftest import EXAMPLES
from .offline_service_support import BRIEFS

TICKETS = (BRIEFS / "tickets.toml").read_text()


def problems(text: str) -> str:
    with pytest.raises(BadInput) as caught:
        parse_brief(text, "brief.toml")
    assert caught.value.exit_code == 2
    return caught.value.message


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "path", [EXAMPLES / "shop.toml", EXAMPLES / "bookmarks.toml", BRIEFS / "tickets.toml"]
)
def test_v2_briefs_load_and_round_trip_through_toml(path):
    brief = load_brief(path)
    assert parse_brief(brief.to_toml()) == brief


def test_the_rules_read_as_the_brief_says():
    brief = parse_brief(TICKETS)
    assert [r.name for r in brief.roles] == ["staff"]
    event = brief.entity("Event")
    assert brief.access(event) == {
        "create": {"staff"},
        "read": {"anyone"},
        "update": {"staff"},
        "delete": {"staff"},
    }
    # Verbs left out keep the default of an owned entity: the owner.
    ticket = brief.entity("Ticket")
    assert brief.access(ticket)["update"] == {"owner"}
    assert brief.access(ticket)["read"] == {"owner", "staff"}
    assert event.is_public({"status": "published"}) and not event.is_public({"status": "draft"})
    status = event.field("status")
    assert status.reachable("draft") == ["draft", "published", "cancelled"]
    assert brief.reference_names("Ticket") == {"event": "event_id", "order": "order_id"}


@pytest.mark.parametrize(
    ("change", "needle", "key", "expected"),
    [
        (
            ('access = { create = "staff", update', 'access = { create = "admin", update'),
            'create = "admin"',
            "entities[0].access.create",
            "'admin', which is neither anyone, signed-in, owner nor a role of this brief "
            "(roles: staff)",
        ),
        (
            ('access = { create = "staff", update', 'access = { create = "owner", update'),
            'create = "owner"',
            "entities[0].access.create",
            "'owner', but Venue is not owned_by_user",
        ),
        (
            (
                'access = { read = "owner|staff", update = "staff"',
                'access = { create = "anyone", read = "owner|staff", update = "staff"',
            ),
            'read = "owner|staff", update = "staff"',
            "entities[2].access.create",
            "cannot be 'anyone'",
        ),
        (
            ('access = { read = "owner|staff", delete', 'access = { read = "anyone|staff", delete'),
            'read = "anyone|staff"',
            "entities[3].access.read",
            "'anyone' already includes everyone",
        ),
        (
            ('access = { read = "owner|staff", delete', 'access = { read = "member", delete'),
            'read = "member"',
            "entities[3].access.read",
            "every signed-up account is a member; write 'signed-in'",
        ),
        (
            ('public_when = { status = ["published"] }', 'public_when = { title = ["x"] }'),
            "public_when = {",
            "entities[1].public_when.title",
            "not an enum or bool field of Event",
        ),
        (
            ('public_when = { status = ["published"] }', 'public_when = { status = ["live"] }'),
            "public_when = {",
            "entities[1].public_when.status",
            "'live' is not one",
        ),
        (
            (
                'read = "anyone", update = "staff", delete = "staff" }',
                'read = "staff", update = "staff", delete = "staff" }',
            ),
            "public_when = {",
            "entities[1].public_when",
            "lets in nobody else",
        ),
        (
            ('draft = ["published", "cancelled"], published', 'draft = ["cancelled"], published'),
            "public_when = {",
            "entities[1].public_when.status",
            "no row can become public",
        ),
        (
            ('transitions = { draft = ["published"', 'transitions = { draft = ["draft"'),
            'name = "status", type = "enum", values = ["draft"',
            "entities[1].fields[4].transitions.draft",
            "'draft' lists itself",
        ),
        (
            (
                'transitions = { pending = ["paid", "cancelled"] }',
                'transitions = { pending = ["refunded"] }',
            ),
            "refunded",
            "entities[2].fields[1].transitions.pending",
            "'refunded', which is not one of its values",
        ),
        (
            ('default = "pending", transitions', "transitions"),
            'name = "status", type = "enum", values = ["pending"',
            "entities[2].fields[1].transitions",
            "needs a default: the state every new row starts in",
        ),
        (
            (
                '{ name = "placed_at", type = "datetime", set_by = "server" }',
                '{ name = "placed_at", type = "datetime", set_by = "server", required = true }',
            ),
            "placed_at",
            "entities[2].fields[0].required",
            "set by the server, so a client cannot be required",
        ),
        (
            (
                '{ name = "note", type = "text", max = 500 }',
                '{ name = "note", type = "text", set_by = "server" }',
            ),
            'name = "note"',
            "entities[2].fields[2].set_by",
            "give it a default",
        ),
        (
            (
                '{ name = "placed_at", type = "datetime", set_by = "server" }',
                '{ name = "placed_at", type = "datetime", set_by = "server", immutable = true }',
            ),
            "placed_at",
            "entities[2].fields[0].immutable",
            "drop one of them",
        ),
        (
            ('unique = [["event", "seat_code"]]', 'unique = [["venue", "seat_code"]]'),
            'unique = [["venue"',
            "entities[3].unique[0]",
            "'venue', which is neither one of its fields nor a many-to-one target of it "
            "(seat_code, holder_name, event, order)",
        ),
        (
            ('name = "staff"', 'name = "owner"'),
            'name = "owner"',
            "roles[0].name",
            "'owner' is built in",
        ),
        (
            (
                '{ name = "holder_name", type = "string", max_length = 120 }',
                '{ name = "holder_name", type = "string", max_length = 120, renamed_from = "seat_code" }',
            ),
            "renamed_from",
            "entities[3].fields[1].renamed_from",
            "still has a field 'seat_code'",
        ),
        (
            ('name = "Ticket"', 'name = "Ticket"\nrenamed_from = "Order"'),
            'renamed_from = "Order"',
            "entities[3].renamed_from",
            "Order is still an entity",
        ),
    ],
)
def test_a_broken_rule_names_its_key_and_line(change, needle, key, expected):
    text = TICKETS.replace(*change)
    assert text != TICKETS, change
    message = problems(text)
    assert f"brief.toml:{line_of(text, needle)}: {key}: " in message, message
    assert expected in message, message


OPEN = """
[project]
name = "open"
[stack]
auth = "none"
[[entities]]
name = "Page"
fields = [ { name = "title", type = "string" }, { name = "live", type = "bool" } ]
"""


def test_roles_and_rules_need_accounts():
    roles = OPEN + '[[roles]]\nname = "editor"\n'
    assert "roles[0].name: auth = 'none' has no accounts to hold roles" in problems(roles)
    access = OPEN.replace('name = "Page"', 'name = "Page"\naccess = { update = "signed-in" }')
    assert "entities[0].access.update: auth = 'none' has no accounts" in problems(access)
    public = OPEN.replace('name = "Page"', 'name = "Page"\npublic_when = { live = [true] }')
    assert "public_when hides nothing" in problems(public)


def test_a_role_declared_twice():
    text = TICKETS.replace(
        '[[entities]]\nname = "Venue"', '[[roles]]\nname = "staff"\n\n[[entities]]\nname = "Venue"'
    )
    assert "roles[1].name: role 'staff' is declared twice" in problems(text)


def test_the_user_entity_takes_no_rules():
    text = (
        TICKETS
        + '\n[[entities]]\nname = "User"\naccess = { read = "anyone" }\nfields = [ { name = "nick", type = "string" } ]\n'
    )
    assert "entity User only adds fields to users; it cannot have access" in problems(text)
