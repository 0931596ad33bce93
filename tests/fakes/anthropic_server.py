"""A fake Anthropic Messages API: a real HTTP server on localhost speaking the real wire
protocol, so the real SDK can be pointed at it with ANTHROPIC_BASE_URL.

- `POST /v1/messages` with `stream: true` answers with Server-Sent Events in chunked
  transfer encoding: message_start, ping, content_block_start/delta/stop (text_delta,
  thinking_delta, signature_delta, input_json_delta), message_delta with usage,
  message_stop; or an `error` event mid-stream, or a connection cut half-way.
- Errors are the API's JSON bodies (`{"type": "error", "error": {...}, "request_id"}`)
  with `request-id`, `retry-after` and `x-should-retry` headers.
- Requests are checked the way the API checks them (headers, fields, roles, tool_use /
  tool_result pairing, at most 4 cache_control breakpoints, TTL order) and a bad one gets
  a 400, so a test fails when our requests would fail for real.
- Usage is either scripted or computed: about 4 characters per token, and a prompt cache
  that remembers every prefix ending at a cache_control breakpoint and serves a later
  request's longest cached prefix (looking back up to 20 blocks), like the API does.

Each test scripts replies (`fake.script(...)`) or installs a `handler(request) -> Reply`,
and reads `fake.requests` afterwards.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .anthropic_protocol import (
    LOOKBACK_BLOCKS,
    MIN_CACHEABLE_TOKENS,
    BadRequest,
    FakeRequest,
    Reply,
    answer_reply,
    blocks_in_cache_order,
    check_request,
    error_reply,
    prefix_hashes,
    tokens,
)

__all__ = ["FakeAnthropic", "FakeRequest", "Reply", "answer_reply", "error_reply"]


# --------------------------------------------------------------------------- server
class _QuietServer(ThreadingHTTPServer):
    """A client hanging up mid-answer is what cancel and cut-off tests do on purpose: not
    worth a traceback on stderr. Anything else still gets one."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        import sys

        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class FakeAnthropic:
    """The server. Use as a context manager; `url` is the base URL for the SDK."""

    def __init__(
        self,
        handler: Callable[[FakeRequest], Reply] | None = None,
        *,
        expected_key: str | None = None,
        models: set[str] | None = None,
        port: int = 0,
    ) -> None:
        self.handler = handler
        self.port = port
        self.expected_key = expected_key
        self.models = models
        self.requests: list[FakeRequest] = []
        self.usages: list[dict[str, Any]] = []
        """The usage sent with each streamed answer, in order."""
        self.first_text_sent: list[float] = []
        """perf_counter() when each answer's first text_delta left the server."""
        self._replies: deque[Reply] = deque()
        self._cache: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---------------------------------------------------------------- lifecycle
    def __enter__(self) -> FakeAnthropic:
        fake = self

        class Handler(_Handler):
            owner = fake

        self._server = _QuietServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        assert self._server is not None and self._thread is not None
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def script(self, *replies: Reply) -> FakeAnthropic:
        self._replies.extend(replies)
        return self

    # ------------------------------------------------------------------ answers
    def _next_reply(self, request: FakeRequest) -> Reply:
        with self._lock:
            if self._replies:
                return self._replies.popleft()
        if self.handler is None:
            return error_reply(500, "api_error", "the fake has no reply scripted for this request")
        return self.handler(request)

    def compute_usage(self, body: dict[str, Any], output_text: str) -> dict[str, Any]:
        """Token counts of a request the way the API bills them, with a prompt cache."""
        blocks = blocks_in_cache_order(body)
        sizes, hashes = prefix_hashes(blocks)
        total = sum(sizes)
        marks = [i for i, b in enumerate(blocks) if b.get("cache_control")]
        read_upto = written_upto = 0
        ttl = "5m"
        with self._lock:
            for mark in marks:
                for i in range(mark, max(mark - LOOKBACK_BLOCKS, -1), -1):
                    if hashes[i] in self._cache:
                        read_upto = max(read_upto, i + 1)
                        break
            if marks and sum(sizes[: marks[-1] + 1]) >= MIN_CACHEABLE_TOKENS:
                written_upto = marks[-1] + 1
                ttl = blocks[marks[-1]]["cache_control"].get("ttl", "5m")
                for mark in marks:
                    if sum(sizes[: mark + 1]) >= MIN_CACHEABLE_TOKENS:
                        self._cache.add(hashes[mark])
        read = sum(sizes[:read_upto])
        write = sum(sizes[read_upto:written_upto]) if written_upto > read_upto else 0
        return {
            "input_tokens": total - read - write,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
            "cache_creation": {
                "ephemeral_5m_input_tokens": write if ttl == "5m" else 0,
                "ephemeral_1h_input_tokens": write if ttl == "1h" else 0,
            },
            "output_tokens": max(tokens(output_text), 1),
        }


class _Handler(BaseHTTPRequestHandler):
    owner: FakeAnthropic
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # keep test output clean
        pass

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        fake = self.owner
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        request = FakeRequest(
            method=self.command,
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
        )
        with fake._lock:
            fake.requests.append(request)
        try:
            check_request(request, fake.expected_key, fake.models)
        except BadRequest as bad:
            self._error(
                bad.status,
                {"type": "error", "error": {"type": bad.kind, "message": bad.message}},
                {},
            )
            return
        reply = fake._next_reply(request)
        if reply.stall_s and fake._stopping.wait(reply.stall_s):
            return
        if reply.status != 200:
            self._error(reply.status, reply.body or {}, reply.headers)
            return
        try:
            self._stream(request, reply)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client went away (a cancel): nothing to answer

    def _request_id(self) -> str:
        return "req_" + hashlib.sha256(str(len(self.owner.requests)).encode()).hexdigest()[:20]

    def _error(self, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
        request_id = self._request_id()
        data = json.dumps({**body, "request_id": request_id}).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("request-id", request_id)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, request: FakeRequest, reply: Reply) -> None:
        body = request.body
        output = "".join(
            (d.get("delta") or {}).get(key, "")
            for name, d in reply.events
            if name == "content_block_delta"
            for key in ("text", "partial_json", "thinking")
        )
        usage = reply.usage or self.owner.compute_usage(body, output)
        self.owner.usages.append(usage)
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("cache-control", "no-cache")
        self.send_header("request-id", self._request_id())
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        message_id = "msg_" + self._request_id()[4:]
        for count, (name, data) in enumerate(reply.events):
            if reply.pause is not None and count == reply.pause[0]:
                if self.owner._stopping.wait(reply.pause[1]):
                    return
            if reply.cut_after is not None and count >= reply.cut_after:
                self.wfile.flush()
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if name == "message_start":
                start_usage = {k: v for k, v in usage.items() if k != "output_tokens"}
                data = {
                    "type": "message_start",
                    "message": {
                        "id": message_id,
                        "type": "message",
                        "role": "assistant",
                        "model": body["model"],
                        "content": [],
                        "stop_reason": None,
                        "stop_sequence": None,
                        "usage": {**start_usage, "output_tokens": 1},
                    },
                }
            elif name == "message_delta":
                data = {**data, "usage": {"output_tokens": usage["output_tokens"]}}
            self._chunk(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
            if name == "content_block_delta" and data["delta"]["type"] == "text_delta":
                if len(self.owner.first_text_sent) < len(self.owner.usages):
                    self.owner.first_text_sent.append(time.perf_counter())
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def main() -> None:
    """`python -m tests.fakes.anthropic_server [PORT] [REPO]`: serve builds (any key) until
    interrupted, to try the CLI or the wizard against it by hand: small scripted phases, or
    with REPO the simulated Claude writing realistic files for builds in that repository."""
    import sys
    from pathlib import Path

    from .builds import build_handler
    from .claude import SimulatedClaude

    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    handler = SimulatedClaude(Path(sys.argv[2])) if len(sys.argv) > 2 else build_handler()
    with FakeAnthropic(handler, port=port) as fake:
        print(f"ANTHROPIC_BASE_URL={fake.url}", flush=True)
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
