"""How the generated service tells callers apart (rate limits, the read cache, CORS) and
which edge between resources the cache test follows: decided once, rendered by each
target's `infra` and `hardening`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .service.accounts import cookie_name
from .service.api import Api, LinkEnd, Reference, Resource


@dataclass(frozen=True)
class Credential:
    """What keys a caller: `headers` (lower-case names) or the session `cookie`; `words`
    says it in the generated module's docstring."""

    words: str
    headers: tuple[str, ...]
    cookie: str | None


def credential(api: Api, session_words: str) -> Credential:
    """The brief's credential; a target words the session cookie as it reads it."""
    if api.auth == "jwt":
        return Credential("the bearer token", ("authorization",), None)
    if api.auth == "api-key":
        return Credential("the X-API-Key header", ("x-api-key",), None)
    if api.auth == "session":
        return Credential(session_words, (), cookie_name(api.name))
    return Credential("none: this API has no credentials", (), None)


@dataclass(frozen=True)
class Edge:
    """A write on `near` that must refresh cached reads of `far`: a link (`end`) or a
    cascading delete of the parent `far` (`ref`)."""

    near: Resource
    far: Resource
    end: LinkEnd | None = None
    ref: Reference | None = None


def edge_test(
    api: Api,
    link: Callable[[Resource, Resource, LinkEnd], list[str]],
    cascade: Callable[[Resource, Resource, Reference], list[str]],
) -> list[str]:
    """The target's test (`link` or `cascade`) that a write on one resource refreshes
    cached reads of another, for the first edge the brief has; none if it has none."""
    edge = invalidation_edge(api)
    if edge is None:
        return []
    if edge.end is not None:
        return link(edge.near, edge.far, edge.end)
    assert edge.ref is not None
    return cascade(edge.near, edge.far, edge.ref)


def invalidation_edge(api: Api) -> Edge | None:
    """The first edge the brief has, links first: what a cross-resource cache test shows."""
    for r in api.resources:
        for end in r.links:
            if end.writes and not end.far_is_users:
                return Edge(r, api.resource(end.far), end=end)
    for r in api.resources:
        for ref in r.references:
            if ref.target.name not in ("users", r.table.name) and ref.rule == "CASCADE":
                return Edge(r, api.resource(ref.target), ref=ref)
    return None


def cors_headers(api: Api) -> list[str]:
    """The request headers a browser may send across origins: the credential's and ours."""
    headers = ["Content-Type", "X-Request-ID"]
    if api.auth == "jwt":
        headers.insert(0, "Authorization")
    if api.auth == "api-key":
        headers.insert(0, "X-API-Key")
    return headers
