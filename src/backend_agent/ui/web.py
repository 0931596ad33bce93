"""The wizard in a web browser: textual-serve starts one wizard process per browser tab and
relays its terminal over a websocket.

A page served on localhost is still reachable from every other web page the person has
open: a WebSocket is not bound by the same-origin policy, and a DNS-rebinding name can
point at 127.0.0.1. So the websocket only accepts pages served by this server (same
Origin), and a server bound to loopback only answers requests addressed to a loopback
name. The index page loads nothing from other hosts.
"""

from __future__ import annotations

import ipaddress
import re

from aiohttp import web
from textual_serve.server import Server

_EXTERNAL_FONT = re.compile(r"<link[^>]*fonts\.googleapis\.com[^>]*>\s*", re.IGNORECASE)


def is_loopback(host: str) -> bool:
    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_name(header: str) -> str:
    """The name in a Host header, without its port: `[::1]:80` → `::1`."""
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class WizardServer(Server):
    def __init__(self, command: str, host: str, port: int) -> None:
        super().__init__(command, host=host, port=port, title="backend-agent")
        self.loopback_only = is_loopback(host)

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard())
        return app

    def _guard(self):
        @web.middleware
        async def guard(request: web.Request, handler):
            if self.loopback_only and not is_loopback(host_name(request.host)):
                raise web.HTTPForbidden(text="backend-agent serve answers only to localhost\n")
            if request.path == "/ws":
                origin = request.headers.get("Origin", "")
                if origin not in (f"http://{request.host}", f"https://{request.host}"):
                    raise web.HTTPForbidden(text="only the wizard's own page may connect\n")
            response = await handler(request)
            if request.path == "/" and isinstance(response, web.Response) and response.text:
                response.text = _EXTERNAL_FONT.sub("", response.text)
            return response

        return guard

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # The page's websocket URL is built from public_url: make it the address the browser
        # used, so a server on 0.0.0.0 works from another machine. No await comes between
        # setting it and the template reading it.
        self.public_url = f"{request.scheme}://{request.host}"
        return await super().handle_index(request)
