"""A phase as a conversation: ask, apply each tool call as it arrives, answer every call,
and go on until the model calls `finish_phase` (or a limit is reached).

- Every call gets a `tool_result`: done, or refused with the reason.
- At `max_tokens` the completed calls are kept, the cut-off one is dropped, and the model is
  told what it has written and asked to go on; at `pause_turn` it is asked to go on.
- A refusal stops with the model's words; `model_context_window_exceeded` (or a prompt
  the API finds too long) ends the conversation so the provider can start it over with a
  smaller context; an overloaded or 5xx error arriving mid-stream is retried once.
- The conversation is kept as JSON so a revision, a fix round or a rework goes on with it.

Cache breakpoints: the opening carries three (system prompt, context groups, task); each
request adds one at the end of the previous user turn and one at the end of the last, so
every turn reads everything before it from the prompt cache (at most four in all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...core.errors import ProviderFailure
from ...core.events import Event, FileWritten, Progress
from . import errors
from .prompt import Opening, cache_mark
from .stream import Response, ToolCall
from .tools import DELETE, EDITOR, FINISH, BadCall, FinishPhase, parse
from .turns import cut_off_text, nudge_text
from .workset import Outcome, WorkingSet

MAX_MARKS = 4
_COMMAND = re.compile(r'"command"\s*:\s*"(\w+)"')
RETRIED_KINDS = ("overloaded_error", "api_error")
"""Errors inside a stream worth one more try: the API's own trouble, not the request's."""


class ContextFull(ProviderFailure):
    """The conversation no longer fits the model's context window."""


class Refused(ProviderFailure):
    """The model declined (stop reason `refusal`)."""


class LimitReached(ProviderFailure):
    """The phase used its turns without finishing."""


@dataclass
class Conversation:
    """Messages so far, and the tool results the next user turn must start with."""

    fingerprint: str
    model: str
    messages: list[dict[str, Any]]
    owed: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "fingerprint": self.fingerprint,
            "model": self.model,
            "messages": self.messages,
            "owed": self.owed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Conversation | None:
        try:
            return cls(
                str(data["fingerprint"]),
                str(data["model"]),
                list(data["messages"]),
                list(data.get("owed") or []),
            )
        except (KeyError, TypeError):
            return None

    def say(self, blocks: list[dict[str, Any]]) -> None:
        """Append a user turn: what is owed first, then these blocks."""
        content = self.owed + blocks
        self.owed = []
        self.messages.append({"role": "user", "content": content})


def text_block(text: str) -> dict[str, Any]:
    return {"type": "text", "text": text}


def result_block(call_id: str, text: str, ok: bool = True) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "tool_result", "tool_use_id": call_id, "content": text}
    if not ok:
        block["is_error"] = True
    return block


def marked(opening: Opening, messages: list[dict[str, Any]], ttl: str) -> list[dict[str, Any]]:
    """The messages with cache breakpoints: the opening's own (context groups, task), the
    end of the previous user turn and the end of the last; the oldest dropped past four."""
    users = [i for i, m in enumerate(messages) if m["role"] == "user"]
    wanted = [i for i in users[-2:] if i != 0]
    out = list(messages)
    for index in wanted:
        message = out[index]
        content = list(message["content"])
        content[-1] = {**content[-1], "cache_control": cache_mark(ttl)}
        out[index] = {**message, "content": content}
    system_marks = sum(1 for b in opening.system if b.get("cache_control"))
    first_marks = [j for j, b in enumerate(out[0]["content"]) if b.get("cache_control")]
    extra = system_marks + len(first_marks) + len(wanted) - MAX_MARKS
    if extra > 0:
        content = list(out[0]["content"])
        for j in first_marks[:extra]:
            content[j] = {k: v for k, v in content[j].items() if k != "cache_control"}
        out[0] = {**out[0], "content": content}
    return out


class PhaseLoop:
    """Drives one conversation over a working set. `ask` streams one request into the
    Response it is given (the provider's call, with its usage); `params` makes a request's
    body (with the budget's answer limit) from the messages."""

    def __init__(
        self,
        *,
        opening: Opening,
        workset: WorkingSet,
        ask: Callable[[dict[str, Any], Response], Iterator[Event]],
        params: Callable[[list[dict[str, Any]]], dict[str, Any]],
        ttl: str,
        max_turns: int,
        phase_number: int,
    ) -> None:
        self.opening = opening
        self.workset = workset
        self._ask = ask
        self._params = params
        self.ttl = ttl
        self.max_turns = max_turns
        self.phase_number = phase_number

    def run(self, conversation: Conversation) -> Generator[Event, None, FinishPhase]:
        """Turns until the model's `finish_phase` is accepted; what it said there."""
        for _ in range(self.max_turns):
            params = self._params(marked(self.opening, conversation.messages, self.ttl))
            response, applied = yield from self._answer(params)
            finished = yield from self._settle(conversation, response, applied, params)
            if finished is not None:
                return finished
        raise LimitReached(
            f"the model did not finish phase {self.phase_number} within {self.max_turns} answers",
            hint="raise max_turns under [anthropic] in config.toml, or revise with feedback "
            "asking for fewer files at a time",
        )

    # ---------------------------------------------------------------- one answer
    def _answer(
        self, params: dict[str, Any]
    ) -> Generator[Event, None, tuple[Response, list[tuple[ToolCall, Outcome | None]]]]:
        """One request, its calls applied as each arrives; an overloaded or 5xx error
        mid-stream undoes what that answer did and asks once more."""
        for attempt in (1, 2):
            snapshot = self.workset.snapshot()
            applied: list[tuple[ToolCall, Outcome | None]] = []
            response = Response(on_call=lambda call, done=applied: self._arrived(call, done))
            try:
                yield from self._ask(params, response)
            except ProviderFailure as failure:
                self.workset.restore(snapshot)  # an answer counts once it is complete
                retry = isinstance(failure, errors.ApiFailure) and failure.status == 0
                if attempt == 2 or not retry or failure.kind not in RETRIED_KINDS:
                    raise
                undone = sum(1 for _, o in applied if o is not None and o.path)
                yield Progress(
                    f"the API failed in the middle of the answer ({failure.kind}); asking "
                    f"again once{f' ({undone} file(s) of that answer undone)' if undone else ''}"
                )
                continue
            return response, applied
        raise AssertionError("unreachable: the second attempt returns or raises")

    def _arrived(
        self, call: ToolCall, applied: list[tuple[ToolCall, Outcome | None]]
    ) -> Iterator[Event]:
        """A call whose block just completed: done now, so its file shows at once."""
        if not call.valid():
            return  # cut off at the output limit: dropped, and said so after the answer
        outcome = self._apply(call)
        applied.append((call, outcome))
        if outcome is not None and outcome.path and outcome.action:
            yield FileWritten(outcome.path, outcome.action, len(self.workset.written()))

    def _apply(self, call: ToolCall) -> Outcome | None:
        """Do one complete call; None for `finish_phase`, settled after the answer."""
        raw = call.parsed()
        if call.name == EDITOR:
            return self.workset.editor(raw)
        if call.name == DELETE:
            return self.workset.delete(raw)
        if call.name == FINISH:
            return None
        return Outcome(
            f"not done: there is no tool named {call.name!r}; use {EDITOR}, {DELETE} or {FINISH}",
            ok=False,
        )

    def _settle(
        self,
        conversation: Conversation,
        response: Response,
        applied: list[tuple[ToolCall, Outcome | None]],
        params: dict[str, Any],
    ) -> Generator[Event, None, FinishPhase | None]:
        """Answer every call, and decide: finished, or another turn with what to say."""
        stop = response.stop_reason
        if stop == "refusal":
            said = response.text().strip() or str(response.stop_details.get("explanation") or "")
            raise Refused(
                f"the model declined to go on with phase {self.phase_number} (stop reason: "
                f"refusal){': ' + said if said else ''}",
                hint="rephrase the brief or the feedback, then generate again",
            )
        if stop == "model_context_window_exceeded":
            raise ContextFull("the conversation filled the model's context window")
        content = response.assistant_content()
        cut = response.incomplete_calls()
        if not content:
            raise ProviderFailure(
                f"the answer ended ({stop}) before any part of it was complete",
                hint="raise max_tokens under [anthropic] in config.toml (or remove it to use "
                "the model's limit)",
            )
        results: list[dict[str, Any]] = []
        refusals = [o.text for _, o in applied if o is not None and not o.ok]
        finish: FinishPhase | None = None
        for call, outcome in applied:
            if outcome is not None:
                results.append(result_block(call.id, outcome.text, outcome.ok))
                continue
            text, finish_now = self._finish(call, refusals, bool(cut) or stop == "max_tokens")
            results.append(result_block(call.id, text, finish_now is not None))
            finish = finish_now or finish
        conversation.messages.append({"role": "assistant", "content": content})
        if finish is not None:
            conversation.owed = results
            return finish
        said: list[dict[str, Any]] = []
        if stop == "max_tokens":
            dropped = [self._describe(c) for c in cut]
            said.append(
                text_block(cut_off_text(params["max_tokens"], dropped, self.workset.written()))
            )
            yield Progress("the answer reached the output limit; asking the model to go on")
        elif cut:
            listing = ", ".join(self._describe(c) for c in cut)
            said.append(text_block(f"Not done: {listing} (its input was not a JSON object)."))
        elif stop == "pause_turn":
            said.append(text_block("Go on."))
        elif not applied:
            said.append(text_block(nudge_text(self.phase_number)))
        conversation.say(results + said)
        return None

    def _finish(
        self, call: ToolCall, refusals: list[str], cut: bool
    ) -> tuple[str, FinishPhase | None]:
        try:
            finish = parse(FinishPhase, call.parsed())
        except (BadCall, ValueError) as bad:
            return f"not finished: {bad}; call {FINISH} again", None
        if cut:
            return "not finished: your answer was cut off before it ended; go on first", None
        if refusals:
            listing = "; ".join(refusals[:5])
            return (
                f"not finished: {len(refusals)} call(s) of this answer were refused ({listing})."
                f" Correct them, then call {FINISH} again",
                None,
            )
        if not self.workset.written():
            return (
                f"not finished: no file was written in this phase; write them, then call {FINISH}",
                None,
            )
        return (
            f"phase {self.phase_number} goes to review with {len(self.workset.written())} file(s)",
            finish,
        )

    @staticmethod
    def _describe(call: ToolCall) -> str:
        command = _COMMAND.search(call.json_text[:200]) if call.name == EDITOR else None
        what = command.group(1) if command else call.name
        return f"the {what} of {call.path}" if call.path else f"a {what} call"
