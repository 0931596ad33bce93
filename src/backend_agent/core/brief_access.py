"""Who may do what (brief v2): roles, each entity's `access` and `public_when`.

`access` names, per verb, the groups allowed: `anyone`, `signed-in`, `owner` (entities
with `owned_by_user`), a role, or several joined with `|`. What is left out follows the
entity's kind (see `effective_access`), so a v1 brief means what it always meant.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import Field, model_validator

from .brief_fields import BriefRuleError, Strict

if TYPE_CHECKING:
    from .brief import Entity

ROLE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
VERBS = ("create", "read", "update", "delete")
ANYONE, SIGNED_IN, OWNER = "anyone", "signed-in", "owner"
BUILT_IN = (ANYONE, SIGNED_IN, OWNER)
#: Names a role cannot take: the built-in groups, and the one every account is in.
RESERVED_ROLES = frozenset({*BUILT_IN, "member"})


class Role(Strict):
    name: str
    description: str = ""

    @model_validator(mode="after")
    def _name(self) -> Role:
        if not ROLE_NAME.match(self.name):
            raise BriefRuleError(
                f"role name {self.name!r} is not a slug: 1-40 lower-case letters, digits and "
                "hyphens, starting with a letter",
                "name",
            )
        if self.name in RESERVED_ROLES:
            raise BriefRuleError(
                f"{self.name!r} is built in ({', '.join(sorted(RESERVED_ROLES))}): every "
                "signed-up account is a member already; name the role for what it does",
                "name",
            )
        return self


class Access(Strict):
    """Groups allowed per verb, e.g. `"staff|owner"`; a verb left out keeps its default."""

    create: str | None = Field(default=None, pattern=r"^[a-z|-]+$")
    read: str | None = Field(default=None, pattern=r"^[a-z|-]+$")
    update: str | None = Field(default=None, pattern=r"^[a-z|-]+$")
    delete: str | None = Field(default=None, pattern=r"^[a-z|-]+$")


def groups(text: str, verb: str) -> frozenset[str]:
    """The groups of one access value, refusing what says nothing or contradicts itself."""
    parts = [p.strip() for p in text.split("|")]
    if any(not p for p in parts):
        raise BriefRuleError(
            f"access.{verb} = {text!r} has an empty part around '|'", "access", verb
        )
    if len(set(parts)) != len(parts):
        raise BriefRuleError(f"access.{verb} = {text!r} names a group twice", "access", verb)
    if ANYONE in parts and len(parts) > 1:
        raise BriefRuleError(
            f"access.{verb} = {text!r}: 'anyone' already includes everyone; write just 'anyone'",
            "access",
            verb,
        )
    if SIGNED_IN in parts and len(parts) > 1:
        raise BriefRuleError(
            f"access.{verb} = {text!r}: 'signed-in' already includes every account; write just "
            "'signed-in'",
            "access",
            verb,
        )
    if "member" in parts:
        raise BriefRuleError(
            f"access.{verb}: every signed-up account is a member; write 'signed-in'",
            "access",
            verb,
        )
    return frozenset(parts)


def check_access(entity: Entity, roles: set[str], auth: str) -> None:
    """The entity's access and public_when, against the brief's roles and auth mode."""
    if auth == "none":
        declared = {v: getattr(entity.access, v) for v in VERBS} if entity.access else {}
        for verb, value in declared.items():
            if value is not None and value != ANYONE:
                raise BriefRuleError(
                    f"auth = 'none' has no accounts, so access.{verb} can only be 'anyone'",
                    "access",
                    verb,
                )
        if entity.public_when:
            raise BriefRuleError(
                "with auth = 'none' anyone may change every row, so public_when hides nothing; "
                "choose an auth mode or drop public_when",
                "public_when",
            )
        return
    for verb in VERBS:
        value = getattr(entity.access, verb) if entity.access else None
        if value is None:
            continue
        for group in groups(value, verb):
            if group == OWNER and not entity.owned_by_user:
                raise BriefRuleError(
                    f"access.{verb} names 'owner', but {entity.name} is not owned_by_user",
                    "access",
                    verb,
                )
            if group not in BUILT_IN and group not in roles:
                known = ", ".join(sorted(roles)) or "none declared"
                raise BriefRuleError(
                    f"access.{verb} names {group!r}, which is neither anyone, signed-in, owner "
                    f"nor a role of this brief (roles: {known}); add a [[roles]] entry",
                    "access",
                    verb,
                )
    rules = effective_access(entity, auth)
    if OWNER in rules["create"]:
        raise BriefRuleError(
            "access.create cannot be 'owner': a row has no owner before it exists (its "
            "creator becomes the owner); use signed-in or a role",
            "access",
            "create",
        )
    if entity.owned_by_user and ANYONE in rules["create"]:
        raise BriefRuleError(
            f"{entity.name} is owned_by_user, so whoever creates a row must be signed in to own "
            "it; access.create cannot be 'anyone'",
            "access",
            "create",
        )
    if entity.public_when and rules["read"] <= rules["update"] | rules["delete"]:
        raise BriefRuleError(
            f"public_when hides rows from readers who may not change them, but access.read "
            f"({'|'.join(sorted(rules['read']))}) lets in nobody else; widen read (e.g. "
            "'anyone') or drop public_when",
            "public_when",
        )


def effective_access(entity: Entity, auth: str) -> dict[str, frozenset[str]]:
    """The groups allowed per verb, with the defaults filled in: owned rows are the owner's
    for every verb (readable by anyone when `public_when` says which rows are public);
    shared rows are read by anyone and written by signed-in accounts; with no auth, anyone."""
    if auth == "none":
        return {verb: frozenset({ANYONE}) for verb in VERBS}
    if entity.owned_by_user:
        default = {
            "create": SIGNED_IN,
            "read": ANYONE if entity.public_when else OWNER,
            "update": OWNER,
            "delete": OWNER,
        }
    else:
        default = {"create": SIGNED_IN, "read": ANYONE, "update": SIGNED_IN, "delete": SIGNED_IN}
    out = {}
    for verb in VERBS:
        value = getattr(entity.access, verb) if entity.access else None
        out[verb] = groups(value or default[verb], verb)
    return out
