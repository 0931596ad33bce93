"""Phase 4's files: logging with request ids, the read cache, rate limits, health probes —
and the few lines they add to files of phase 3."""

from __future__ import annotations

from .. import facts
from ..branch_edit import Edit, add_after, add_to_class, call_before_return, ensure_import
from ..schema import Plan
from .accounts import cookie_name
from .api import Api, Resource, invalidation, namespaces
from .render import render
from .tests_resources import others_are_hidden

INSTALL_LINE = "install_infrastructure(app, settings)"


def _credential(api: Api) -> tuple[str, str, str]:
    """(words, header tuple literal, cookie literal) for app/infra/clients.py."""
    if api.auth == "jwt":
        return "the bearer token", '("authorization",)', "None"
    if api.auth == "api-key":
        return "the X-API-Key header", '("x-api-key",)', "None"
    if api.auth == "session":
        return "the Cookie header, whole", "()", f'"{cookie_name(api.name)}"'
    return "none: this API has no credentials", "()", "None"


def settings_fields(plan: Plan) -> list[str]:
    rate, burst = facts.client_rate(plan.brief)
    lines = [
        "    # Phase 4: logs, read cache, rate limits, readiness.",
        '    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"',
        "    cache_ttl_seconds: float = Field(default=5.0, ge=0)  # 0 turns the cache off",
        "    cache_max_entries: int = Field(default=10_000, ge=1)",
        "    cache_max_bytes: int = Field(default=67_108_864, ge=16_384)  # 64 MiB",
        "    redis_url: str | None = None  # limits and cache shared by every instance",
        f"    rate_limit_per_second: float = Field(default={float(rate)}, gt=0)",
        f"    rate_limit_burst: int = Field(default={burst}, ge=1)",
        "    # Load balancers and proxies whose X-Forwarded-For is believed (addresses or",
        '    # networks, as a JSON list: ["10.0.0.0/8"]); empty: the peer is the client.',
        "    trusted_proxies: list[IPvAnyNetwork] = Field(default_factory=list)",
    ]
    if plan.brief.stack.auth != "none":
        limits = facts.AUTH_LIMITS
        lines += [
            f"    auth_attempts_per_minute_per_address: float = Field(default={float(limits.per_address_per_minute)}, gt=0)",
            f"    auth_burst_per_address: int = Field(default={limits.address_burst}, ge=1)",
            f"    auth_attempts_per_minute_per_account: float = Field(default={float(limits.per_account_per_minute)}, gt=0)",
            f"    auth_burst_per_account: int = Field(default={limits.account_burst}, ge=1)",
        ]
    return lines + ["    readiness_timeout_seconds: float = Field(default=2.0, gt=0)"]


def settings_edits(plan: Plan) -> list[Edit]:
    return [
        ensure_import("pydantic", "IPvAnyNetwork"),
        add_to_class("Settings", settings_fields(plan)),
    ]


def main_edits() -> list[Edit]:
    return [
        ensure_import(".infra", "install as install_infrastructure"),
        call_before_return("create_app", INSTALL_LINE),
    ]


def pyproject_edits() -> list[Edit]:
    return [
        add_after("[project.optional-dependencies]", ['redis = ["redis>=5"]']),
        add_after("test = [", ['    "fakeredis[lua]>=2.20",', '    "redis>=5",']),
    ]


def _related_test(api: Api) -> list[str]:
    """A cross-resource invalidation test for the first edge the brief has, if any."""
    for r in api.resources:
        for end in r.links:
            if not end.writes or end.far_is_users:
                continue
            far = api.resource(end.far)
            return [
                "",
                "",
                f"def test_linking_{end.far.singular}_refreshes_the_other_side(",
                "    client: TestClient, alice: Account",
                ") -> None:",
                f"    near = create_{r.table.singular}(client, alice)",
                f"    far = create_{end.far.singular}(client, alice)",
                f"    listing = f\"{far.path}/{{far['id']}}{r.path}\"",
                "    client.get(listing, headers=alice.headers)",
                '    assert client.get(listing, headers=alice.headers).headers["x-cache"] == "HIT"',
                f"    link = f\"{r.path}/{{near['id']}}{end.segment}/{{far['id']}}\"",
                "    assert client.put(link, headers=alice.headers).status_code == 204",
                "    after = client.get(listing, headers=alice.headers)",
                '    assert after.headers["x-cache"] == "MISS" and _ids(after) == [near["id"]]',
            ]
    for r in api.resources:
        for ref in r.references:
            if (
                ref.target.name == "users"
                or ref.rule != "CASCADE"
                or ref.target.name == r.table.name
            ):
                continue
            parent = api.resource(ref.target)
            return [
                "",
                "",
                f"def test_deleting_a_{ref.target.singular}_refreshes_{r.table.name}(",
                "    client: TestClient, alice: Account",
                ") -> None:",
                f"    parent = create_{ref.target.singular}(client, alice)",
                f'    child = create_{r.table.singular}(client, alice, **{{"{ref.column.api}": parent["id"]}})',
                f'    client.get("{r.path}", headers=alice.headers)',
                f'    assert client.get("{r.path}", headers=alice.headers).headers["x-cache"] == "HIT"',
                f"    gone = client.delete(f\"{parent.path}/{{parent['id']}}\", headers=alice.headers)",
                "    assert gone.status_code == 204",
                f'    after = client.get("{r.path}", headers=alice.headers)',
                '    assert after.headers["x-cache"] == "MISS" and child["id"] not in _ids(after)',
            ]
    return []


def _credential_test(api: Api, r: Resource) -> list[str]:
    if api.auth == "none":
        return []
    # A public row would be in Bob's answer whatever the cache did.
    hidden = ", public=False" if r.public else ""
    return [
        "",
        "",
        "def test_a_cached_response_is_served_only_to_the_same_credential(",
        "    client: TestClient, alice: Account, bob: Account",
        ") -> None:",
        f"    create_{r.table.singular}(client, alice{hidden})",
        "    client.get(PATH, headers=alice.headers)",
        '    assert client.get(PATH, headers=alice.headers).headers["x-cache"] == "HIT"',
        "    theirs = client.get(PATH, headers=bob.headers)",
        '    assert theirs.headers["x-cache"] == "MISS"',
        *(['    assert theirs.json()["items"] == []'] if others_are_hidden(api, r) else []),
        *(_spelling_test(r) if api.auth == "session" else []),
    ]


def _spelling_test(r: Resource) -> list[str]:
    """A cookie the app reads but a stricter parser would not must not make the answer to
    a signed-in caller the cached answer for anonymous ones."""
    return [
        "",
        "",
        "def test_a_credential_in_another_spelling_is_never_cached_for_anonymous_callers(",
        "    client: TestClient, alice: Account",
        ") -> None:",
        f"    create_{r.table.singular}(client, alice)",
        '    spaced = {"Cookie": alice.headers["Cookie"].replace("=", " =", 1)}',
        "    assert client.get(PATH, headers=spaced).status_code == 200",
        '    assert client.get(PATH).headers["x-cache"] != "HIT"',
    ]


def cache_test(api: Api) -> str:
    r = api.resources[0]
    more = _credential_test(api, r) + _related_test(api)
    factories = {f"create_{r.table.singular}"}
    factories |= {
        word
        for line in more
        for word in line.replace("(", " ").split()
        if word.startswith("create_")
    }
    text = render(
        "infra/test_cache.py.tmpl",
        factory=f"create_{r.table.singular}",
        path=r.path,
        namespace=r.table.name,
        more_tests="\n".join(more) + ("\n" if more else ""),
    )
    return text.replace(
        f"from factories import Account, create_{r.table.singular}\n",
        "from factories import Account, " + ", ".join(sorted(factories)) + "\n",
    )


GUARDED = {
    "jwt": (("POST", "/auth/signup"), ("POST", "/auth/login")),
    "session": (("POST", "/auth/signup"), ("POST", "/auth/login")),
    "api-key": (("POST", "/auth/signup"), ("POST", "/auth/keys")),
}
AUTH_INSTALL = """    app.add_middleware(
        AuthLimitMiddleware,
        per_address=limiter(
            shared,
            "auth-address",
            settings.auth_attempts_per_minute_per_address / 60,
            settings.auth_burst_per_address,
        ),
        per_account=limiter(
            shared,
            "auth-account",
            settings.auth_attempts_per_minute_per_account / 60,
            settings.auth_burst_per_account,
        ),
        trusted_proxies=settings.trusted_proxies,
    )
"""


def _init(api: Api) -> str:
    if api.auth == "none":
        return render(
            "infra/init.py.tmpl", auth_words="", auth_order="", auth_import="", auth_install=""
        )
    return render(
        "infra/init.py.tmpl",
        auth_words=" (and sign-in limits per address and account)",
        auth_order="  ->  sign-in limits",
        auth_import="from .auth_limit import AuthLimitMiddleware\n",
        auth_install=AUTH_INSTALL,
    )


def files(api: Api) -> dict[str, str]:
    words, headers, cookie = _credential(api)
    first = api.resources[0]
    inv = invalidation(api.plan)
    out = {
        "app/infra/__init__.py": _init(api),
        "app/infra/shared.py": render("infra/shared.py.tmpl"),
        "app/infra/logging.py": render("infra/logging.py.tmpl"),
        "app/infra/request_id.py": render("infra/request_id.py.tmpl"),
        "app/infra/clients.py": render(
            "infra/clients.py.tmpl", credential=words, headers=headers, cookie=cookie
        ),
        "app/infra/cache.py": render(
            "infra/cache.py.tmpl",
            project=api.name,
            namespaces=_dict_literal(
                {k: repr(v).replace("'", '"') for k, v in namespaces(api).items()}
            ),
            invalidates=_dict_literal({k: _tuple(v) for k, v in inv.items()}),
        ),
        "app/infra/rate_limit.py": render("infra/rate_limit.py.tmpl", project=api.name),
        "app/infra/health.py": render("infra/health.py.tmpl"),
        "tests/test_infra_request_id.py": render(
            "infra/test_request_id.py.tmpl", table=first.table.name
        ),
        "tests/test_infra_cache.py": cache_test(api),
        "tests/test_infra_rate_limit.py": render("infra/test_rate_limit.py.tmpl", path=first.path),
        "tests/test_infra_health.py": render("infra/test_health.py.tmpl", project=api.name),
    }
    if api.auth != "none":
        guarded = "{" + ", ".join(f'("{m}", "{p}")' for m, p in GUARDED[api.auth]) + "}"
        out["app/infra/auth_limit.py"] = render("infra/auth_limit.py.tmpl", guarded=guarded)
        out["tests/test_infra_auth_limit.py"] = render(
            "infra/test_auth_limit.py.tmpl", login_path=GUARDED[api.auth][1][1]
        )
    return out


def _tuple(items: tuple[str, ...]) -> str:
    return "(" + ", ".join(f'"{i}"' for i in items) + ("," if len(items) == 1 else "") + ")"


def _dict_literal(items: dict[str, str]) -> str:
    return "{\n" + "".join(f'    "{k}": {v},\n' for k, v in items.items()) + "}"
