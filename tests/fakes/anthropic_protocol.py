"""The Messages API wire protocol as the fake speaks it: scripted replies (streams of
SSE events or error bodies) and the checks the real API makes on a request."""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any

CHARS_PER_TOKEN = 4
MIN_CACHEABLE_TOKENS = 1024
LOOKBACK_BLOCKS = 20
TOP_LEVEL_KEYS = {
    "model",
    "max_tokens",
    "messages",
    "system",
    "tools",
    "tool_choice",
    "stream",
    "metadata",
    "stop_sequences",
    "temperature",
    "top_p",
    "top_k",
    "thinking",
    "service_tier",
    "output_config",
}
BLOCK_TYPES = {
    "text",
    "image",
    "document",
    "tool_use",
    "tool_result",
    "thinking",
    "redacted_thinking",
}
TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


# --------------------------------------------------------------------------- replies
@dataclass
class Reply:
    """What the fake answers to one request."""

    status: int = 200
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    """For a stream: (event name, data) in order; usage is filled in at send time."""
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    cut_after: int | None = None
    """Close the connection after this many events, without ending the chunked body."""
    stall_s: float = 0.0
    """Wait this long before answering (for timeouts)."""
    pause: tuple[int, float] | None = None
    """(events, seconds): stop sending for a while after that many events."""
    usage: dict[str, int] | None = None
    """Scripted usage; None computes it from the request."""


def error_reply(status: int, kind: str, message: str, *, retry_after: str | None = None) -> Reply:
    headers = {}
    if retry_after is not None:
        headers["retry-after"] = retry_after
    if status in (408, 409, 429) or status >= 500:
        headers["x-should-retry"] = "true"
    return Reply(
        status=status,
        body={"type": "error", "error": {"type": kind, "message": message}},
        headers=headers,
    )


Block = tuple
"""("thinking", text) | ("text", text) | ("tool", name, input[, id]): a content block."""


def answer_reply(
    blocks: list[Block],
    *,
    stop_reason: str | None = None,
    stop_details: dict[str, Any] | None = None,
    chunk: int = 40,
    usage: dict[str, int] | None = None,
    cut_last_tool_at: int | None = None,
    error_after_blocks: tuple[int, str, str] | None = None,
    disconnect_after_blocks: int | None = None,
    error_in_last_tool_at: tuple[int, str, str] | None = None,
) -> Reply:
    """A streamed answer made of `blocks` in order: thinking (with a signature), text, and
    tool calls whose input arrives in `chunk`-character pieces (a str input is sent as is,
    for invalid JSON).

    - `cut_last_tool_at`: the last tool call's input stops after that many characters and
      the answer ends with stop_reason max_tokens, as at the output limit.
    - `error_after_blocks` (n, kind, message): an `error` event after n complete blocks.
    - `error_in_last_tool_at` (chars, kind, message): an `error` event inside the last
      tool call's input.
    - `disconnect_after_blocks`: the connection closes after n complete blocks.
    """
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {}), ("ping", {"type": "ping"})]
    reply = Reply(events=events, usage=usage)
    last = len(blocks) - 1
    for index, block in enumerate(blocks):
        if error_after_blocks is not None and index == error_after_blocks[0]:
            _, kind, message = error_after_blocks
            events.append(("error", {"type": "error", "error": {"type": kind, "message": message}}))
            return reply
        if disconnect_after_blocks is not None and index == disconnect_after_blocks:
            reply.cut_after = len(events)
            return reply
        kind = block[0]
        if kind == "thinking":
            events.append(_start(index, {"type": "thinking", "thinking": "", "signature": ""}))
            for piece in _pieces(block[1], chunk):
                events.append(_delta(index, {"type": "thinking_delta", "thinking": piece}))
            sig = "sig_" + hashlib.sha256(block[1].encode()).hexdigest()
            events.append(_delta(index, {"type": "signature_delta", "signature": sig}))
        elif kind == "text":
            events.append(_start(index, {"type": "text", "text": ""}))
            for piece in _pieces(block[1], chunk):
                events.append(_delta(index, {"type": "text_delta", "text": piece}))
        elif kind == "tool":
            name, tool_input = block[1], block[2]
            raw = tool_input if isinstance(tool_input, str) else json.dumps(tool_input)
            tool_id = (
                block[3]
                if len(block) > 3
                else "toolu_" + hashlib.sha256(f"{index}{raw}".encode()).hexdigest()[:24]
            )
            events.append(
                _start(index, {"type": "tool_use", "id": tool_id, "name": name, "input": {}})
            )
            if index == last and cut_last_tool_at is not None:
                raw = raw[:cut_last_tool_at]
            sent = 0
            for piece in _pieces(raw, chunk):
                if index == last and error_in_last_tool_at and sent >= error_in_last_tool_at[0]:
                    _, kind, message = error_in_last_tool_at
                    events.append(
                        ("error", {"type": "error", "error": {"type": kind, "message": message}})
                    )
                    return reply
                events.append(_delta(index, {"type": "input_json_delta", "partial_json": piece}))
                sent += len(piece)
        else:
            raise AssertionError(f"unknown block {block!r}")
        events.append(_stop(index))
    has_tools = any(b[0] == "tool" for b in blocks)
    reason = stop_reason or (
        "max_tokens" if cut_last_tool_at is not None else "tool_use" if has_tools else "end_turn"
    )
    delta: dict[str, Any] = {"stop_reason": reason, "stop_sequence": None}
    if stop_details is not None:
        delta["stop_details"] = stop_details
    events.append(("message_delta", {"type": "message_delta", "delta": delta}))
    events.append(("message_stop", {"type": "message_stop"}))
    return reply


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _start(index: int, block: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "content_block_start", {
        "type": "content_block_start",
        "index": index,
        "content_block": block,
    }


def _delta(index: int, delta: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    return "content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta}


def _stop(index: int) -> tuple[str, dict[str, Any]]:
    return "content_block_stop", {"type": "content_block_stop", "index": index}


# --------------------------------------------------------------------------- requests
@dataclass
class FakeRequest:
    method: str
    path: str
    headers: dict[str, str]
    raw: bytes
    body: Any = None

    def user_texts(self) -> list[str]:
        """Every text a user turn carries (text blocks and tool results), in order."""
        out = []
        for message in self.body.get("messages", []):
            if message.get("role") != "user":
                continue
            content = message["content"]
            if isinstance(content, str):
                out.append(content)
                continue
            for block in content:
                if block.get("type") == "text":
                    out.append(block["text"])
                elif block.get("type") == "tool_result":
                    inner = block.get("content")
                    out.append(inner if isinstance(inner, str) else json.dumps(inner))
        return out


class BadRequest(Exception):
    def __init__(self, status: int, kind: str, message: str) -> None:
        super().__init__(message)
        self.status, self.kind, self.message = status, kind, message


def blocks_in_cache_order(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The prompt in cache order: tools, system, then every message's content blocks."""
    out = list(body.get("tools") or [])
    system = body.get("system")
    if isinstance(system, str):
        out.append({"type": "text", "text": system})
    elif system:
        out += system
    for message in body["messages"]:
        content = message["content"]
        if isinstance(content, str):
            out.append({"type": "text", "text": content, "_role": message["role"]})
        else:
            out += [{**b, "_role": message["role"]} for b in content]
    return out


def prefix_hashes(blocks: list[dict[str, Any]]) -> tuple[list[int], list[str]]:
    """Each block's tokens and the hash of the prompt up to and including it: what the
    cache keys on (cache_control marks are not part of the content)."""
    sizes, hashes = [], []
    digest = hashlib.sha256()
    for block in blocks:
        text = json.dumps({k: v for k, v in block.items() if k != "cache_control"}, sort_keys=True)
        digest.update(text.encode())
        sizes.append(tokens(text))
        hashes.append(digest.copy().hexdigest())
    return sizes, hashes


def check_request(req: FakeRequest, expected_key: str | None, models: set[str] | None) -> None:
    """Raise BadRequest where the real API would refuse the request."""
    if req.method != "POST" or req.path.split("?")[0] != "/v1/messages":
        raise BadRequest(404, "not_found_error", f"Not found: {req.method} {req.path}")
    key = req.headers.get("x-api-key") or req.headers.get("authorization", "").removeprefix(
        "Bearer "
    )
    if not key:
        raise BadRequest(401, "authentication_error", "x-api-key header is required")
    if expected_key is not None and key != expected_key:
        raise BadRequest(401, "authentication_error", "invalid x-api-key")
    if "anthropic-version" not in req.headers:
        raise BadRequest(400, "invalid_request_error", "anthropic-version: header is required")
    try:
        body = json.loads(req.raw)
    except ValueError:
        raise BadRequest(
            400, "invalid_request_error", "The request body is not valid JSON."
        ) from None
    req.body = body
    if not isinstance(body, dict):
        raise BadRequest(400, "invalid_request_error", "body: expected an object")
    extra = sorted(set(body) - TOP_LEVEL_KEYS)
    if extra:
        raise BadRequest(
            400, "invalid_request_error", f"{extra[0]}: Extra inputs are not permitted"
        )
    for name, kind in (("model", str), ("max_tokens", int), ("messages", list)):
        if not isinstance(body.get(name), kind):
            raise BadRequest(400, "invalid_request_error", f"{name}: Field required")
    if body["max_tokens"] < 1:
        raise BadRequest(400, "invalid_request_error", "max_tokens: must be at least 1")
    if body.get("stream") is not True:
        raise BadRequest(400, "invalid_request_error", "this fake serves streaming requests only")
    if models is not None and body["model"] not in models:
        raise BadRequest(404, "not_found_error", f"model: {body['model']}")
    for number, tool in enumerate(body.get("tools") or []):
        _check_tool(number, tool)
    _check_messages(body["messages"])
    _check_cache_control(body)
    from .model_rules import check_model_settings

    check_model_settings(body)


ANTHROPIC_TOOLS = {"text_editor_20250728": "str_replace_based_edit_tool"}
"""Anthropic-defined tools the fake knows: type → the name it must have."""


def _check_tool(number: int, tool: dict[str, Any]) -> None:
    kind = tool.get("type")
    if kind not in (None, "custom"):
        name = ANTHROPIC_TOOLS.get(kind)
        if name is None:
            raise BadRequest(400, "invalid_request_error", f"tools.{number}.type: unknown {kind!r}")
        if tool.get("name") != name:
            raise BadRequest(
                400,
                "invalid_request_error",
                f"tools.{number}.name: Input should be '{name}' for a {kind} tool",
            )
        extra = set(tool) - {"type", "name", "max_characters", "cache_control"}
        if extra:
            raise BadRequest(
                400,
                "invalid_request_error",
                f"tools.{number}.{sorted(extra)[0]}: Extra inputs are not permitted",
            )
        return
    if not TOOL_NAME.match(str(tool.get("name", ""))):
        raise BadRequest(
            400, "invalid_request_error", f"tools.{number}.name: String should match pattern"
        )
    if (tool.get("input_schema") or {}).get("type") != "object":
        raise BadRequest(
            400,
            "invalid_request_error",
            f"tools.{number}.input_schema.type: Input should be 'object'",
        )


def _check_messages(messages: list[Any]) -> None:
    if not messages:
        raise BadRequest(400, "invalid_request_error", "messages: at least one message is required")
    if messages[0].get("role") != "user":
        raise BadRequest(
            400, "invalid_request_error", 'messages: first message must use the "user" role'
        )
    open_calls: set[str] = set()
    for i, message in enumerate(messages):
        role = message.get("role")
        if role not in ("user", "assistant"):
            raise BadRequest(
                400,
                "invalid_request_error",
                f"messages.{i}.role: Input should be 'user' or 'assistant'",
            )
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        if not isinstance(blocks, list) or not blocks:
            raise BadRequest(
                400, "invalid_request_error", f"messages.{i}: content must be non-empty"
            )
        answered = set()
        for j, block in enumerate(blocks):
            kind = block.get("type")
            if kind not in BLOCK_TYPES:
                raise BadRequest(
                    400, "invalid_request_error", f"messages.{i}.content.{j}.type: unknown {kind!r}"
                )
            if kind == "text" and not str(block.get("text", "")).strip():
                raise BadRequest(
                    400,
                    "invalid_request_error",
                    f"messages.{i}.content.{j}: text content blocks must be non-empty",
                )
            if kind in ("tool_use", "thinking", "redacted_thinking") and role != "assistant":
                raise BadRequest(
                    400,
                    "invalid_request_error",
                    f"messages.{i}.content.{j}: {kind} only in assistant turns",
                )
            if kind == "thinking" and "signature" not in block:
                raise BadRequest(
                    400,
                    "invalid_request_error",
                    f"messages.{i}.content.{j}.signature: Field required",
                )
            if kind == "tool_use" and not isinstance(block.get("input"), dict):
                raise BadRequest(
                    400,
                    "invalid_request_error",
                    f"messages.{i}.content.{j}.input: Input should be an object",
                )
            if kind == "tool_result":
                if role != "user" or block.get("tool_use_id") not in open_calls:
                    raise BadRequest(
                        400,
                        "invalid_request_error",
                        f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` blocks: {block.get('tool_use_id')}. Each `tool_result` block must have a corresponding `tool_use` block in the previous message.",
                    )
                answered.add(block["tool_use_id"])
        if role == "user":
            if open_calls - answered:
                raise BadRequest(
                    400,
                    "invalid_request_error",
                    f"messages.{i}: `tool_use` ids were found without `tool_result` blocks immediately after: {', '.join(sorted(open_calls - answered))}",
                )
            open_calls = set()
        else:
            open_calls = {b["id"] for b in blocks if b.get("type") == "tool_use"}


def _check_cache_control(body: dict[str, Any]) -> None:
    marks = [b["cache_control"] for b in blocks_in_cache_order(body) if b.get("cache_control")]
    if len(marks) > 4:
        raise BadRequest(
            400,
            "invalid_request_error",
            f"A maximum of 4 blocks with cache_control may be provided. Found {len(marks)}.",
        )
    seen_5m = False
    for mark in marks:
        if mark.get("type") != "ephemeral" or mark.get("ttl", "5m") not in ("5m", "1h"):
            raise BadRequest(
                400, "invalid_request_error", "cache_control: Input tag does not match 'ephemeral'"
            )
        if mark.get("ttl", "5m") == "5m":
            seen_5m = True
        elif seen_5m:
            raise BadRequest(
                400,
                "invalid_request_error",
                "a ttl='1h' cache_control block must not come after a ttl='5m' cache_control block",
            )
