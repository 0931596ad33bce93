"""One streamed Messages API response, put together from its raw events.

Events arrive as plain dicts (from the SDK, or from a recording), so the same code runs live
and in replay. Everything is linear in the size of the response: text is appended, each
tool input's JSON is kept as pieces and parsed once, when its block is complete (the loop
applies it then, so files arrive one by one), and the `path` of a call is picked out of the
first few kilobytes of its input while it streams, to say which file is being written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...core.events import Event, Progress, TextDelta
from .tools import EDITOR

_PATH = re.compile(r'"path"\s*:\s*"((?:[^"\\]|\\.)*)"')
PATH_SCAN_LIMIT = 4096
"""A tool call's `path` comes first in practice; past this much input it is not looked for."""


@dataclass
class Block:
    type: str
    text: list[str] = field(default_factory=list)
    signature: str = ""
    data: str = ""
    id: str = ""
    name: str = ""
    complete: bool = False
    path: str | None = None
    scanned: int = 0

    def joined(self) -> str:
        return "".join(self.text)


@dataclass
class ToolCall:
    id: str
    name: str
    json_text: str
    complete: bool
    path: str | None = None
    """The `path` of its input, when it was seen while the input streamed."""

    def parsed(self) -> Any:
        """The input as JSON; raises ValueError with the parser's words if it is not."""
        return json.loads(self.json_text) if self.json_text.strip() else {}

    def valid(self) -> bool:
        """Complete, with an input that parses to an object (a call cut off by max_tokens
        is neither)."""
        if not self.complete:
            return False
        try:
            return isinstance(self.parsed(), dict)
        except ValueError:
            return False


class Response:
    """Accumulates one response; `feed` returns the events a person should see now.
    `on_call` is given each tool call the moment its block is complete (the loop applies
    it there) and its events are passed on."""

    def __init__(self, on_call: Callable[[ToolCall], Iterable[Event]] | None = None) -> None:
        self.on_call = on_call
        self.blocks: dict[int, Block] = {}
        self.usage: dict[str, Any] = {}
        self.stop_reason: str | None = None
        self.stop_details: dict[str, Any] = {}
        self.complete = False
        self.started = False
        self._wrote_text = False

    def feed(self, event: dict[str, Any]) -> Iterator[Event]:
        kind = event.get("type")
        if kind == "message_start":
            self.started = True
            self.usage.update((event.get("message") or {}).get("usage") or {})
        elif kind == "content_block_start":
            yield from self._start(int(event["index"]), event.get("content_block") or {})
        elif kind == "content_block_delta":
            yield from self._delta(int(event["index"]), event.get("delta") or {})
        elif kind == "content_block_stop":
            index = int(event["index"])
            block = self.blocks.get(index)
            if block is not None:
                block.complete = True
                if block.type == "tool_use":
                    if self.on_call is not None:
                        yield from self.on_call(self._call(block))
        elif kind == "message_delta":
            delta = event.get("delta") or {}
            self.stop_reason = delta.get("stop_reason") or self.stop_reason
            self.stop_details = delta.get("stop_details") or self.stop_details
            for key, value in (event.get("usage") or {}).items():
                if value is not None:
                    self.usage[key] = value
        elif kind == "message_stop":
            self.complete = True

    def _start(self, index: int, start: dict[str, Any]) -> Iterator[TextDelta | Progress]:
        block = Block(type=str(start.get("type", "")))
        if block.type == "text" and start.get("text"):
            block.text.append(start["text"])
        elif block.type == "thinking":
            block.text.append(start.get("thinking") or "")
            block.signature = start.get("signature") or ""
            yield Progress("the model is thinking")
        elif block.type == "redacted_thinking":
            block.data = start.get("data") or ""
        elif block.type == "tool_use":
            block.id, block.name = str(start.get("id", "")), str(start.get("name", ""))
        if block.type in ("text", "thinking") and self._wrote_text:
            yield TextDelta("\n\n")
        self.blocks[index] = block

    def _delta(self, index: int, delta: dict[str, Any]) -> Iterator[TextDelta | Progress]:
        block = self.blocks.get(index)
        if block is None:
            return
        kind = delta.get("type")
        if kind in ("text_delta", "thinking_delta"):
            text = delta.get("text" if kind == "text_delta" else "thinking") or ""
            block.text.append(text)
            if text:
                self._wrote_text = True
                yield TextDelta(text)
        elif kind == "input_json_delta":
            piece = delta.get("partial_json") or ""
            block.text.append(piece)
            if block.name == EDITOR and block.path is None and block.scanned < PATH_SCAN_LIMIT:
                block.scanned += len(piece)
                found = _PATH.search(block.joined()[:PATH_SCAN_LIMIT])
                if found:
                    try:
                        block.path = json.loads(f'"{found.group(1)}"')
                    except ValueError:
                        block.path = found.group(1)
                    yield Progress(f"writing {block.path}", path=block.path)
        elif kind == "signature_delta":
            block.signature = delta.get("signature") or ""

    def incomplete_calls(self) -> list[ToolCall]:
        return [c for c in self.tool_calls() if not c.valid()]

    @staticmethod
    def _call(block: Block) -> ToolCall:
        return ToolCall(block.id, block.name, block.joined(), block.complete, block.path)

    # ----------------------------------------------------------------- results
    def tool_calls(self) -> list[ToolCall]:
        return [self._call(b) for _, b in sorted(self.blocks.items()) if b.type == "tool_use"]

    def text(self) -> str:
        return "".join(b.joined() for _, b in sorted(self.blocks.items()) if b.type == "text")

    def assistant_content(self) -> list[dict[str, Any]]:
        """The response as an assistant turn to send back: thinking blocks unchanged (as
        the API requires when a conversation goes on after tool calls), and without what
        an output limit cut off — an unfinished thinking block or tool call."""
        content: list[dict[str, Any]] = []
        for _, block in sorted(self.blocks.items()):
            if block.type == "thinking" and block.complete and block.signature:
                content.append(
                    {"type": "thinking", "thinking": block.joined(), "signature": block.signature}
                )
            elif block.type == "redacted_thinking":
                content.append({"type": "redacted_thinking", "data": block.data})
            elif block.type == "text" and block.joined().strip():
                content.append({"type": "text", "text": block.joined()})
            elif block.type == "tool_use":
                call = self._call(block)
                if call.valid():
                    content.append(
                        {
                            "type": "tool_use",
                            "id": block.id,
                            "name": block.name,
                            "input": call.parsed(),
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
