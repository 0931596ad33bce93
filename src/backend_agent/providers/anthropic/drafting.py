"""Drafting a brief from one sentence: the `submit_brief` tool, its prompt, the checks on
what comes back, and the call itself (auto tool choice: 5.x models refuse a forced one).

The tool's input schema is the `Brief` model's, with the naming rules its validators check
added as patterns, plus what the model assumed and what it wants the person to decide.
The answer is validated by the same model and must survive being written as TOML: the
draft is saved as `backend-brief.toml` for the person to review, and what they review
must be what gets built.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from ...core.brief import (
    ENTITY_NAME,
    FIELD_NAME,
    PROJECT_NAME,
    ROLE_NAME,
    Brief,
    _brief_loc,
    _describe,
    _path,
    parse_brief,
)
from ...core.errors import BadInput, ProviderFailure
from ...core.events import UsageReport
from ...core.intent import BriefDraft, Intent
from ...core.usage import Usage
from .models import settings_for
from .prompt import conventions
from .schema import InvalidProposal, _show, model_schema

if TYPE_CHECKING:
    from .provider import AnthropicProvider

BRIEF_TOOL = "submit_brief"
NOTES = {
    "assumptions": "Each thing you decided that the sentence did not say, in one line "
    "(e.g. 'Walkers are paid per walk; no subscriptions').",
    "questions": "Decisions only the person can make, in one line each; at most five.",
}
AGAIN = f"Call `{BRIEF_TOOL}` again with the complete, corrected brief."
DRAFT_MAX_TOKENS = 32_000
"""A brief is a few kilobytes; thinking shares the limit. More is a model going astray."""
LABEL = "brief"
"""What a drafting call is filed under in a recording (phases are filed by id)."""

INSTRUCTIONS = f"""\
You draft the brief for backend-agent, a tool that builds a production-grade backend in \
six reviewed phases (architecture, data model, service layer, infrastructure, hardening, \
documentation). A person typed one sentence saying what they want. Turn it into a \
complete brief they can review and correct before the build starts.

Answer by calling the `{BRIEF_TOOL}` tool once (a sentence of text before it is fine) with:
- `project`: `name` a slug from the subject (it names the git branch), `summary` one line, \
`requirements` a few short paragraphs or bullet lines: who uses the backend, what they \
do, the rules that matter. Say what the sentence implies; add what such a product \
plainly needs; leave out what is speculative.
- `stack`: keep the defaults (python, fastapi, postgresql, jwt) unless the sentence asks \
otherwise. `architecture` is `auto` unless the sentence names one.
- `targets`: realistic numbers for this kind of product, and list them as assumptions.
- `entities`: the domain's core entities (usually 3 to 8), each with typed fields and the \
options that matter (required, max_length, enum values, defaults, indexes, unique \
groups). Never add the implied columns (id, created_at, updated_at, owner_id). Users \
come from `auth`: do not define an entity `User` unless it only adds fields to users. \
Use `owned_by_user` for rows that belong to the signed-in person.
- `roles` and each entity's rules, when the sentence implies who may do what (staff, \
admins, moderators): `roles` lists roles beyond the member every account is; `access` \
names per verb who may use it (`anyone`, `signed-in`, `owner`, a role, or several joined \
with `|`; verbs left out keep their default); `public_when` says which rows readers who may \
not change them see (e.g. only published ones); a field's `transitions` give the state \
changes allowed (it needs a `default`, the state a new row starts in); `immutable` marks \
values set once; `set_by = "server"` marks values clients never send (timestamps like \
`placed_at`). A `unique` group may name a many-to-one target (snake_case) to hold across \
owners, e.g. `["event", "seat_code"]`. Leave them out when the sentence says nothing of them.
- `relations`: every many-to-one (adds `<to>_id` on `from`; do not also add that field) \
and many-to-many between the entities.
- `assumptions`: {NOTES["assumptions"]}
- `questions`: {NOTES["questions"]}

Everything is validated against the format below; names must match its patterns.
"""


@cache
def input_schema() -> dict[str, Any]:
    schema = model_schema(Brief)
    props = schema["properties"]
    props["project"]["properties"]["name"]["pattern"] = PROJECT_NAME.pattern
    entity = props["entities"]["items"]["properties"]
    entity["name"]["pattern"] = ENTITY_NAME.pattern
    entity["fields"]["items"]["properties"]["name"]["pattern"] = FIELD_NAME.pattern
    entity["renamed_from"]["anyOf"][0]["pattern"] = ENTITY_NAME.pattern
    props["roles"]["items"]["properties"]["name"]["pattern"] = ROLE_NAME.pattern
    for name, description in NOTES.items():
        props[name] = {"type": "array", "items": {"type": "string"}, "description": description}
    schema["required"] = ["project", "entities", *NOTES]
    return schema


def tool_definition() -> dict[str, Any]:
    return {
        "name": BRIEF_TOOL,
        "description": "Submit the drafted brief, what you assumed, and the open questions.",
        "input_schema": input_schema(),
    }


def system_prompt() -> list[dict[str, Any]]:
    return [
        {"type": "text", "text": INSTRUCTIONS},
        {"type": "text", "text": "# The brief format (docs/brief.md)\n\n" + conventions()},
    ]


def ask_text(intent: Intent) -> str:
    ask = [
        f"The sentence: {intent.sentence}",
        "",
        f"What it asks for: a backend {intent.connector} {intent.subject}.",
    ]
    if intent.architecture:
        ask.append(f"It names the architecture: {intent.architecture}.")
    if intent.scope == "architecture":
        ask.append(
            "It asks to design the architecture: the build stops after phase 1 for the "
            "person to decide whether to go on. Draft the whole brief all the same."
        )
    ask += ["", f"Draft the brief now: call `{BRIEF_TOOL}`."]
    return "\n".join(ask)


def draft(provider: AnthropicProvider, intent: Intent, cancel: threading.Event) -> BriefDraft:
    """Ask for the brief; if the answer has no valid `submit_brief` call, show the model
    what was wrong once. Usage of both calls is counted into the draft."""
    return _submit(
        provider,
        system_prompt(),
        ask_text(intent),
        lambda raw: parse_draft(raw, intent),
        cancel,
        "try again, perhaps with a more specific sentence; or draft offline "
        "(--provider offline) and add the entities yourself",
    )


def change(
    provider: AnthropicProvider, brief: Brief, sentence: str, cancel: threading.Event
) -> BriefDraft:
    """The brief changed as a sentence says, through `submit_brief` like a draft; a change
    an evolution cannot follow goes back to the model once (core/brief_diff)."""
    return _submit(
        provider,
        [
            {"type": "text", "text": CHANGE_INSTRUCTIONS},
            {"type": "text", "text": "# The brief format (docs/brief.md)\n\n" + conventions()},
        ],
        change_text(brief, sentence),
        lambda raw: parse_change(raw, brief, sentence),
        cancel,
        "say the change more precisely, or edit the brief yourself and `backend-agent "
        "evolve --brief FILE`",
    )


def _submit(
    provider: AnthropicProvider,
    system: list[dict[str, Any]],
    ask: str,
    parse: Callable[[Any], BriefDraft],
    cancel: threading.Event,
    hint: str,
) -> BriefDraft:
    messages: list[dict[str, Any]] = [{"role": "user", "content": [{"type": "text", "text": ask}]}]
    usage = Usage()
    model = provider.model
    limit = min(DRAFT_MAX_TOKENS, provider.settings.answer_limit)
    for attempt in (1, 2):
        if cancel.is_set():
            from .client import cancelled

            raise cancelled()
        params = {
            "model": model,
            **settings_for(model, provider.settings.effort.draft, limit),
            "system": system,
            "tools": [tool_definition()],
            "messages": messages,
        }
        steps = provider.call_once(params, LABEL, cancel)
        while True:
            try:
                event = next(steps)
            except StopIteration as done:
                response = done.value
                break
            if isinstance(event, UsageReport):
                usage = usage + event.usage
        if response.stop_reason == "refusal":
            said = response.text().strip()
            raise ProviderFailure(
                f"the model declined to draft this brief (stop reason: refusal)"
                f"{': ' + said if said else ''}",
                hint="rephrase the sentence, or draft offline (--provider offline)",
            )
        calls = [c for c in response.tool_calls() if c.name == BRIEF_TOOL]
        try:
            if not calls or not calls[-1].valid():
                raise InvalidProposal([_missing(calls, response.stop_reason)])
            result = parse(calls[-1].parsed())
        except InvalidProposal as wrong:
            if attempt == 2:
                raise ProviderFailure(
                    "the model's brief draft was invalid twice; the last problems: "
                    + "; ".join(wrong.problems[:5]),
                    hint=hint,
                ) from None
            messages = messages + _repair(response, wrong.problems)
            continue
        result.usage = usage
        return result
    raise AssertionError("unreachable: the second attempt returns or raises")


def _missing(calls: list[Any], stop: str | None) -> str:
    if stop == "max_tokens":
        return "the answer was cut off before the brief was complete; be more concise"
    if not calls:
        return f"the answer ended without calling `{BRIEF_TOOL}`"
    try:
        calls[-1].parsed()
    except ValueError as error:
        return f"the `{BRIEF_TOOL}` input is not valid JSON: {error}"
    return f"the `{BRIEF_TOOL}` input must be a JSON object"


def _repair(response: Any, problems: list[str]) -> list[dict[str, Any]]:
    """The model's own answer, then what was wrong with it and a request to call again."""
    content = response.assistant_content()
    listing = "\n".join(f"- {p}" for p in problems)
    calls = [b for b in content if b["type"] == "tool_use"]
    if not calls:
        ask = {"type": "text", "text": f"{listing}\n\n{AGAIN}"}
        if not content:
            return [{"role": "user", "content": [ask]}]
        return [{"role": "assistant", "content": content}, {"role": "user", "content": [ask]}]
    results = [
        {
            "type": "tool_result",
            "tool_use_id": call["id"],
            "is_error": True,
            "content": f"The brief was not accepted:\n{listing}\n\n{AGAIN}"
            if call["name"] == BRIEF_TOOL
            else f"There is no tool named {call['name']!r}. {AGAIN}",
        }
        for call in calls
    ]
    return [{"role": "assistant", "content": content}, {"role": "user", "content": results}]


CHANGE_INSTRUCTIONS = f"""\
You change the brief of a backend that backend-agent already built: a person says in one \
sentence what should change. Call `{BRIEF_TOOL}` once with the complete changed brief:
- keep `project.name` and `[stack]` exactly as they are;
- keep every entity, field, relation and role the sentence does not change, with all its \
options;
- a renamed entity or field keeps its data: give the new name and `renamed_from` = the old \
name (never a drop and an add);
- a new required field needs a `default`: the rows already stored are filled with it;
- a new many-to-one relation to an entity that already has rows is optional;
- add to `requirements` a line for what changed; `assumptions` and `questions` as for a \
draft.
"""


def change_text(brief: Brief, sentence: str) -> str:
    return "\n".join(
        [
            "The brief now:",
            "```toml",
            brief.to_toml().rstrip(),
            "```",
            "",
            f"The change: {' '.join(sentence.split())}",
            "",
            f"Call `{BRIEF_TOOL}` with the whole changed brief now.",
        ]
    )


def parse_change(raw: Any, brief: Brief, sentence: str) -> BriefDraft:
    """A draft of the changed brief, refused (for the repair turn) when an evolution could
    not follow the change or nothing changed."""
    from ...core.brief_diff import diff_briefs

    draft = parse_draft(raw, Intent(sentence, sentence, "for", "all"))
    try:
        diff = diff_briefs(brief, draft.brief)
    except BadInput as error:
        raise InvalidProposal(
            [error.message + (f" ({error.hint})" if error.hint else "")]
        ) from None
    if diff.empty:
        raise InvalidProposal(["the brief is unchanged: make the change the sentence asks for"])
    return draft


def parse_draft(raw: Any, intent: Intent) -> BriefDraft:
    """Validate the tool input into a draft; `InvalidProposal` lists what to fix."""
    if not isinstance(raw, dict):
        raise InvalidProposal([f"the input must be a JSON object, not {type(raw).__name__}"])
    problems: list[str] = []
    notes: dict[str, list[str]] = {}
    for name in NOTES:
        value = raw.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{name}: must be a list of strings (got {_show(value)})")
        else:
            notes[name] = [" ".join(v.split()) for v in value if v.strip()]
    data = {k: v for k, v in raw.items() if k not in NOTES}
    try:
        brief = Brief.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            got = "" if item["type"] == "missing" else f" (got {_show(item['input'])})"
            problems.append(f"{_path(_brief_loc(item)) or '(top level)'}: {_describe(item)}{got}")
        raise InvalidProposal(problems) from None
    if not [e for e in brief.entities if e.name != "User"]:
        problems.append(
            "entities: the brief has none; name what the backend stores, each with its fields"
        )
    problems += _round_trip(brief)
    if problems:
        raise InvalidProposal(problems)
    return BriefDraft(brief=brief, sentence=intent.sentence, **notes)


def _round_trip(brief: Brief) -> list[str]:
    """What the person reviews is the TOML file: the brief must read back unchanged."""
    try:
        back = parse_brief(brief.to_toml())
    except (TypeError, ValueError) as error:  # tomli_w refuses null and other values
        return [f"the brief cannot be written as TOML ({error}); use no null values"]
    except BadInput as error:
        return [f"the brief does not read back from TOML: {error.message}"]
    if back != brief:
        return ["the brief reads back from TOML changed; use plain strings, numbers and booleans"]
    return []
