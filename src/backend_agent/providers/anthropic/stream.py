"""One streamed Messages API response, put together from its raw events.

Events arrive as plain dicts (from the SDK, or from a recording), so the same code runs live
and in replay. Everything is linear in the size of the response: text is appended, the
tool input JSON is kept as pieces and parsed once at the end, and `PathScanner` picks each
file's `path` out of the JSON as it streams, without re-parsing what came before.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ...core.events import Progress, TextDelta
from .schema import TOOL_NAME

_STRING_STOP = re.compile(r'["\\]')


class PathScanner:
    """Finds `changes[i].path` values in a JSON document fed in arbitrary pieces."""

    def __init__(self) -> None:
        self._stack: list[list[Any]] = []  # ["o", expecting_key, key] or ["a"]
        self._in_string = False
        self._is_key = False
        self._capture = False
        self._escape = False
        self._buf: list[str] = []

    def feed(self, chunk: str) -> list[str]:
        found: list[str] = []
        i, n = 0, len(chunk)
        while i < n:
            if self._in_string:
                if self._escape:
                    if self._capture:
                        self._buf.append(chunk[i])
                    self._escape = False
                    i += 1
                    continue
                match = _STRING_STOP.search(chunk, i)
                end = match.start() if match else n
                if self._capture:
                    self._buf.append(chunk[i:end])
                if match is None:
                    break
                if chunk[end] == "\\":
                    if self._capture:
                        self._buf.append("\\")
                    self._escape = True
                else:
                    self._end_string(found)
                i = end + 1
                continue
            char = chunk[i]
            top = self._stack[-1] if self._stack else None
            if char == "{":
                self._stack.append(["o", True, None])
            elif char == "[":
                self._stack.append(["a"])
            elif char in "}]":
                if self._stack:
                    self._stack.pop()
            elif char == "," and top is not None and top[0] == "o":
                top[1], top[2] = True, None
            elif char == '"':
                self._in_string = True
                self._is_key = top is not None and top[0] == "o" and top[1]
                self._capture = self._is_key or (
                    top is not None and top[0] == "o" and top[2] == "path"
                )
                self._buf = []
            i += 1
        return found

    def _end_string(self, found: list[str]) -> None:
        self._in_string = False
        if not self._capture:
            return
        raw = "".join(self._buf)
        try:
            text = json.loads(f'"{raw}"')
        except ValueError:
            text = raw
        top = self._stack[-1]
        if self._is_key:
            top[1], top[2] = False, text
        elif (
            len(self._stack) == 3
            and self._stack[0][0] == "o"
            and self._stack[0][2] == "changes"
            and self._stack[1][0] == "a"
        ):
            found.append(text)


@dataclass
class Block:
    type: str
    text: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""
    id: str = ""
    name: str = ""
    complete: bool = False

    def joined(self) -> str:
        return "".join(self.text)


@dataclass
class ToolCall:
    id: str
    name: str
    json_text: str
    complete: bool

    def parsed(self) -> Any:
        """The input as JSON; raises ValueError with the parser's words if it is not."""
        return json.loads(self.json_text) if self.json_text.strip() else {}


class Response:
    """Accumulates one response; `feed` returns the events a person should see now."""

    def __init__(self) -> None:
        self.blocks: dict[int, Block] = {}
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.complete = False
        self.started = False
        self.files = 0
        self._scanners: dict[int, PathScanner] = {}
        self._thinking_shown = False

    def feed(self, event: dict[str, Any]) -> Iterator[TextDelta | Progress]:
        kind = event.get("type")
        if kind == "message_start":
            self.started = True
            self.usage.update((event.get("message") or {}).get("usage") or {})
        elif kind == "content_block_start":
            yield from self._start(int(event["index"]), event.get("content_block") or {})
        elif kind == "content_block_delta":
            yield from self._delta(int(event["index"]), event.get("delta") or {})
        elif kind == "content_block_stop":
            block = self.blocks.get(int(event["index"]))
            if block is not None:
                block.complete = True
        elif kind == "message_delta":
            self.stop_reason = (event.get("delta") or {}).get("stop_reason") or self.stop_reason
            for key, value in (event.get("usage") or {}).items():
                if value is not None:
                    self.usage[key] = value
        elif kind == "message_stop":
            self.complete = True

    def _start(self, index: int, start: dict[str, Any]) -> Iterator[Progress]:
        block = Block(type=str(start.get("type", "")))
        if block.type == "text" and start.get("text"):
            block.text.append(start["text"])
        elif block.type == "thinking":
            block.text.append(start.get("thinking") or "")
            block.signature = start.get("signature") or ""
            if not self._thinking_shown:
                self._thinking_shown = True
                yield Progress("the model is thinking")
        elif block.type == "redacted_thinking":
            block.data = start.get("data") or ""
        elif block.type == "tool_use":
            block.id, block.name = str(start.get("id", "")), str(start.get("name", ""))
            if block.name == TOOL_NAME:
                self._scanners[index] = PathScanner()
                yield Progress("the model is writing the proposal", files=self.files)
        self.blocks[index] = block

    def _delta(self, index: int, delta: dict[str, Any]) -> Iterator[TextDelta | Progress]:
        block = self.blocks.get(index)
        if block is None:
            return
        kind = delta.get("type")
        if kind == "text_delta":
            text = delta.get("text") or ""
            block.text.append(text)
            if text:
                yield TextDelta(text)
        elif kind == "input_json_delta":
            piece = delta.get("partial_json") or ""
            block.text.append(piece)
            scanner = self._scanners.get(index)
            for path in scanner.feed(piece) if scanner else ():
                self.files += 1
                yield Progress(f"receiving {path}", path=path, files=self.files)
        elif kind == "thinking_delta":
            block.text.append(delta.get("thinking") or "")
        elif kind == "signature_delta":
            block.signature = delta.get("signature") or ""

    # ----------------------------------------------------------------- results
    def tool_calls(self) -> list[ToolCall]:
        return [
            ToolCall(b.id, b.name, b.joined(), b.complete)
            for _, b in sorted(self.blocks.items())
            if b.type == "tool_use"
        ]

    def text(self) -> str:
        return "".join(b.joined() for _, b in sorted(self.blocks.items()) if b.type == "text")

    def assistant_content(self) -> list[dict[str, Any]]:
        """The response as an assistant turn to send back (thinking blocks unchanged, as
        the API requires when a conversation continues after a tool call)."""
        content: list[dict[str, Any]] = []
        for _, block in sorted(self.blocks.items()):
            if block.type == "thinking":
                content.append(
                    {"type": "thinking", "thinking": block.joined(), "signature": block.signature}
                )
            elif block.type == "redacted_thinking":
                content.append({"type": "redacted_thinking", "data": block.data})
            elif block.type == "text" and block.joined().strip():
                content.append({"type": "text", "text": block.joined()})
            elif block.type == "tool_use":
                try:
                    value = json.loads(block.joined() or "{}")
                except ValueError:
                    value = {}
                content.append(
                    {
                        "type": "tool_use",
                        "id": block.id,
                        "name": block.name,
                        "input": value if isinstance(value, dict) else {},
                    }
                )
        return content

    def token_counts(self) -> dict[str, int]:
        """Input, output and cache tokens as the API reported them (cache writes split by
        lifetime when the API says, else all under `cache_write_unknown`)."""
        usage = self.usage
        written = int(usage.get("cache_creation_input_tokens") or 0)
        split = usage.get("cache_creation") or {}
        five = int(split.get("ephemeral_5m_input_tokens") or 0)
        hour = int(split.get("ephemeral_1h_input_tokens") or 0)
        return {
            "input_tokens": int(usage.get("input_tokens") or 0),
            "output_tokens": int(usage.get("output_tokens") or 0),
            "cache_read": int(usage.get("cache_read_input_tokens") or 0),
            "cache_write_5m": five,
            "cache_write_1h": hour,
            "cache_write_unknown": max(written - five - hour, 0),
        }
