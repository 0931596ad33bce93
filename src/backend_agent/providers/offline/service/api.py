"""The HTTP shape of the generated service, decided once from the plan.

Routers, services, tests and documents all read these names, so a path or a parameter is
spelled the same everywhere it appears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .. import facts
from ..naming import article, kebab, py_ident
from ..schema import Column, Link, Plan, Table

# Module and test-file names the generator uses itself; a resource whose name would clash
# gets a suffix instead.
OWN_MODULES = frozenset({"accounts", "user"})
OWN_TESTS = frozenset({"auth", "errors", "migrations"})
FILTER_KINDS = frozenset({"string", "enum", "bool", "int", "uuid", "date", "email", "url"})
# Names the generated route functions use for their own parameters.
LOCAL_NAMES = frozenset({"conn", "user", "limit", "cursor", "response", "request", "service"})


@dataclass(frozen=True)
class Filter:
    column: Column
    param: str
    """The Python parameter name; the query parameter is the column's API name."""


@dataclass(frozen=True)
class Reference:
    """A many-to-one column of a resource and what it points at."""

    column: Column
    target: Table

    @property
    def rule(self) -> str:
        assert self.column.references is not None
        return self.column.references.on_delete


@dataclass(frozen=True)
class LinkEnd:
    """One side of a many-to-many link, seen from `near`."""

    link: Link
    near: Table
    near_column: str
    far: Table
    far_column: str

    @property
    def segment(self) -> str:
        return "/" + kebab(self.far.name) if self.far.name != "users" else "/users"

    @property
    def far_is_users(self) -> bool:
        return self.far.name == "users"

    @property
    def writes(self) -> bool:
        """Links are made from the relation's `from` side, or from the other side when
        `from` is User (accounts have no routes of their own)."""
        return self.near.name == self.link.left.name or self.link.left.name == "users"


@dataclass
class Resource:
    table: Table
    module: str
    """Python module name of this resource in app/models, repositories, services, routers."""
    path: str
    id_param: str
    filters: list[Filter] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    links: list[LinkEnd] = field(default_factory=list)
    referenced_by: list[tuple[Table, Column]] = field(default_factory=list)
    mine_param: str | None = None
    """The list's query parameter keeping only the caller's own rows, when others' rows can
    be listed too (owned tables whose rules reach beyond the owner)."""

    @property
    def name(self) -> str:
        return self.table.class_name

    @property
    def test_file(self) -> str:
        stem = self.table.name + ("_resource" if self.table.name in OWN_TESTS else "")
        return f"tests/test_{stem}.py"

    @property
    def label(self) -> str:
        """The table's words for prose: 'order items'."""
        return self.table.name.replace("_", " ")

    @property
    def fields(self) -> list[Column]:
        """Brief fields (not references) a create request carries."""
        return [c for c in self.table.creatable if c.source is not None]

    @property
    def changeable(self) -> list[Column]:
        """Brief fields a client sets on create and may change later."""
        return [c for c in self.fields if c.update]

    @property
    def writable(self) -> list[Column]:
        return self.table.fields

    @property
    def public(self) -> bool:
        return bool(self.table.public_when)


@dataclass
class Api:
    plan: Plan
    resources: list[Resource]
    metrics_path: str
    docs_path: str

    @property
    def auth(self) -> str:
        return self.plan.brief.stack.auth

    @property
    def auth_words(self) -> str:
        return {
            "jwt": "JWT authentication",
            "api-key": "API-key authentication",
            "session": "session authentication",
            "none": "no authentication",
        }[self.auth]

    @property
    def name(self) -> str:
        return self.plan.brief.project.name

    def resource(self, table: Table) -> Resource:
        return next(r for r in self.resources if r.table.name == table.name)

    @property
    def owned(self) -> list[Resource]:
        return [r for r in self.resources if r.table.owned]

    @property
    def shared(self) -> list[Resource]:
        return [r for r in self.resources if not r.table.owned]


def build_api(plan: Plan) -> Api:
    resources: list[Resource] = []
    for table in plan.tables:
        module = py_ident(table.singular)
        resource = Resource(
            table=table,
            module=module + "_" if module in OWN_MODULES else module,
            path="/" + kebab(table.name),
            id_param=f"{table.singular}_id",
        )
        for column in table.columns:
            fk = column.references
            if fk and column.writable:
                resource.references.append(Reference(column, plan.table(fk.target_entity)))
            searchable = column.kind == "reference" or (
                column.source is not None and column.source.indexed and column.kind in FILTER_KINDS
            )
            if searchable and column.api not in ("limit", "cursor"):
                param = column.attr if column.attr not in LOCAL_NAMES else f"{column.attr}_filter"
                resource.filters.append(Filter(column, param))
        beyond = (table.access.read | table.access.managers) - {"owner"}
        if table.owned and beyond:
            taken = {f.column.api for f in resource.filters}
            resource.mine_param = "mine" if "mine" not in taken else "mine_only"
        resources.append(resource)
    by_table = {r.table.name: r for r in resources}
    for resource in resources:
        for ref in resource.references:
            if ref.target.name in by_table:
                by_table[ref.target.name].referenced_by.append((resource.table, ref.column))
    for link in plan.links:
        for near, near_col, far, far_col in (
            (link.left, link.left_column, link.right, link.right_column),
            (link.right, link.right_column, link.left, link.left_column),
        ):
            if near.name in by_table:
                by_table[near.name].links.append(LinkEnd(link, near, near_col, far, far_col))
    taken = {r.path for r in resources}
    return Api(
        plan=plan,
        resources=resources,
        metrics_path="/metrics" if "/metrics" not in taken else "/_metrics",
        docs_path="/docs" if "/docs" not in taken else "/_docs",
    )


def namespaces(api: Api) -> dict[str, str]:
    return {r.path: r.table.name for r in api.resources}


def invalidation(plan: Plan) -> dict[str, tuple[str, ...]]:
    """For each table: the tables whose API responses a write to it can change."""
    names = {t.name for t in plan.tables}
    edges: dict[str, set[str]] = {n: set() for n in names}
    for table in plan.tables:
        for fk in table.foreign_keys:
            if fk.table in names and fk.on_delete != "RESTRICT":
                edges[fk.table].add(table.name)
    for link in plan.links:
        left, right = link.left.name, link.right.name
        if left in names and right in names:
            edges[left].add(right)
            edges[right].add(left)
    out = {}
    for start in sorted(names):
        seen = {start}
        todo = [start]
        while todo:
            for nxt in edges[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        out[start] = (start, *sorted(seen - {start}))
    return out


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    access: str
    summary: str


ACCOUNT_ENDPOINTS = {
    "jwt": [
        ("POST", "/auth/signup", "anyone", "create an account"),
        ("POST", "/auth/login", "anyone", "exchange email and password for an access token"),
        ("GET", "/auth/me", "signed-in", "the signed-in account"),
    ],
    "api-key": [
        ("POST", "/auth/signup", "anyone", "create an account"),
        ("POST", "/auth/keys", "anyone", "issue a key with email and password"),
        ("GET", "/auth/keys", "signed-in", "list your keys (never their secrets)"),
        ("DELETE", "/auth/keys/{key_id}", "signed-in", "revoke one of your keys"),
        ("GET", "/auth/me", "signed-in", "the signed-in account"),
    ],
    "session": [
        ("POST", "/auth/signup", "anyone", "create an account"),
        ("POST", "/auth/login", "anyone", "start a session (sets the cookie)"),
        ("POST", "/auth/logout", "signed-in", "end this session"),
        ("GET", "/auth/me", "signed-in", "the signed-in account"),
    ],
}


def endpoints(api: Api) -> list[Endpoint]:
    """Every route of the generated service and who may call it, as the routers decide."""
    auth = api.auth
    out = [Endpoint(*e) for e in ACCOUNT_ENDPOINTS.get(auth, [])]
    if api.plan.users and any(c.source is not None for c in api.plan.users.columns):
        out.append(Endpoint("PATCH", "/auth/me", "signed-in", "change your own fields"))

    def who(table: Table, verb: str) -> str:
        words = facts.who(table.access.groups(verb))
        if verb == "read" and table.public_when:
            words += f" (public rows: {facts.public_words(table)})"
        return words

    for r in api.resources:
        t = r.table
        words, item = r.label, t.singular.replace("_", " ")
        one = f"{r.path}/{{{r.id_param}}}"
        listing = f"list {words} the caller may see" + (
            f" (`{r.mine_param}=true`: only your own)" if r.mine_param else ""
        )
        out += [
            Endpoint("POST", r.path, who(t, "create"), f"create {article(item)} {item}"),
            Endpoint("GET", r.path, who(t, "read"), listing),
            Endpoint("GET", one, who(t, "read"), f"get {article(item)} {item}"),
            Endpoint("PATCH", one, who(t, "update"), f"change {article(item)} {item}"),
            Endpoint("DELETE", one, who(t, "delete"), f"delete {article(item)} {item}"),
        ]
        for end in r.links:
            far_item = end.far.singular.replace("_", " ")
            links = f"{one}{end.segment}"
            if end.writes:
                target = f"{links}/{{{end.far.singular}_id}}"
                rule = who(t, "update") + (
                    "" if end.far_is_users else f", who may also change the {far_item}"
                )
                out += [
                    Endpoint(
                        "PUT",
                        target,
                        rule,
                        f"link {article(far_item)} {far_item} to {article(item)} {item}",
                    ),
                    Endpoint(
                        "DELETE",
                        target,
                        rule,
                        f"unlink {article(far_item)} {far_item} from {article(item)} {item}",
                    ),
                ]
            out.append(
                Endpoint(
                    "GET",
                    links,
                    who(t, "read"),
                    f"list the {end.far.name.replace('_', ' ')} of {article(item)} {item}",
                )
            )
    return out
