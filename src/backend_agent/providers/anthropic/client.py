"""The live transport: one streamed Messages API call through the official SDK.

The SDK is imported on the first call (it takes seconds to import, and the wizard must
paint before that). It reads the key from ANTHROPIC_API_KEY and the base URL from
ANTHROPIC_BASE_URL itself; neither is stored or written by us.

The call runs on the SDK's async client in an event loop private to the call, driven one
event at a time from this (worker) thread. That is what makes cancelling reliable: a read
blocked on the network, a connect or a retry's back-off is an awaited task, and a task can
be cancelled, where a blocked socket read in another thread cannot. The raw event stream
(`stream=True`) is used rather than the SDK's accumulating helper, which re-parses the
whole tool input on every delta — quadratic in the size of a proposal.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, Protocol, TypeVar

from ...core.errors import ProviderFailure
from ..base import Cancelled
from . import errors
from .config import AnthropicSettings

CANCEL_POLL_S = 0.05
T = TypeVar("T")


class Transport(Protocol):
    """Where a call's raw events come from: the API, or a recording."""

    def events(
        self, params: dict[str, Any], *, phase: str, cancel: threading.Event
    ) -> Iterator[dict[str, Any]]: ...


def cancelled() -> Cancelled:
    return Cancelled("cancelled by the person; the build is as it was before this call")


class _Call:
    """An event loop for one call, running each step until it is done or cancelled."""

    def __init__(self, cancel: threading.Event) -> None:
        self.loop = asyncio.new_event_loop()
        self.cancel = cancel

    async def _watch(self) -> None:
        while not self.cancel.is_set():
            await asyncio.sleep(CANCEL_POLL_S)

    def run(self, step: Callable[[], Awaitable[T]]) -> T:
        """Run `step()` (made inside the loop, so it belongs to it) unless cancelled."""

        async def race() -> T:
            task = asyncio.ensure_future(step())
            watch = asyncio.ensure_future(self._watch())
            await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
            watch.cancel()
            if not task.done():
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                raise cancelled()
            return task.result()

        return self.loop.run_until_complete(race())

    def close(self, *closing: Callable[[], Awaitable[Any]]) -> None:
        async def quietly(step: Callable[[], Awaitable[Any]]) -> None:
            await asyncio.gather(step(), return_exceptions=True)

        try:
            for step in closing:
                self.loop.run_until_complete(quietly(step))
        finally:
            self.loop.close()


class SdkTransport:
    def __init__(self, settings: AnthropicSettings) -> None:
        self.settings = settings

    @property
    def base_url(self) -> str:
        return os.environ.get("ANTHROPIC_BASE_URL") or "https://api.anthropic.com"

    def events(
        self, params: dict[str, Any], *, phase: str, cancel: threading.Event
    ) -> Iterator[dict[str, Any]]:
        import anthropic

        if cancel.is_set():
            raise cancelled()
        call = _Call(cancel)
        client = anthropic.AsyncAnthropic(
            max_retries=self.settings.max_retries, timeout=self.settings.timeout_s
        )
        stream = None
        try:
            stream = self._guard(call, lambda: client.messages.create(stream=True, **params), False)
            events = stream.__aiter__()
            while True:
                try:
                    event = self._guard(call, events.__anext__, True)
                except StopAsyncIteration:
                    return
                yield event.to_dict(mode="json")
        finally:
            call.close(*([stream.close] if stream is not None else []), client.close)

    def _guard(self, call: _Call, step: Callable[[], Awaitable[T]], streaming: bool) -> T:
        """Run one step, turning the SDK's and the network's errors into ours."""
        import anthropic
        import httpx2

        try:
            return call.run(step)
        except anthropic.APIStatusError as error:
            if streaming:  # an `error` event inside a 200 response
                raise errors.from_status(
                    0, error.body, model=self.settings.model, retries=0
                ) from None
            raise self._status(error) from None
        except (anthropic.APITimeoutError, httpx2.TimeoutException):
            raise errors.timed_out(self.settings.timeout_s) from None
        except (anthropic.APIConnectionError, httpx2.TransportError) as error:
            if not streaming:
                raise errors.unreachable(self.base_url, _cause(error)) from None
            raise errors.StreamBroken(f"the stream broke: {_cause(error)}") from None

    def _status(self, error: Any) -> ProviderFailure:
        return errors.from_status(
            error.status_code,
            error.body,
            model=self.settings.model,
            retries=self.settings.max_retries if _retried(error.status_code) else 0,
            retry_after=error.response.headers.get("retry-after"),
        )


def _retried(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _cause(error: BaseException) -> str:
    cause = error.__cause__ or error.__context__ or error
    return str(cause) or type(cause).__name__
