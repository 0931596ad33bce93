"""Names in the TypeScript service: files, functions and schema constants per resource.

JSON keys and SQL keep the brief's words (a TypeScript property may be a reserved word);
identifiers are camelCase and PascalCase forms of the table's singular.
"""

from __future__ import annotations

import json

from ..naming import kebab
from ..service.api import Resource

OWN_MODULES = frozenset({"accounts"})
OWN_TESTS = frozenset({"auth", "errors", "migrations", "openapi"})


def camel(snake_name: str) -> str:
    head, *rest = snake_name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def pascal(snake_name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in snake_name.split("_"))


def ts(value: object) -> str:
    """A TypeScript literal for a JSON-like value (strings double-quoted)."""
    return json.dumps(value, ensure_ascii=False)


def module_dir(resource: Resource) -> str:
    name = kebab(resource.table.singular)
    return "src/modules/" + (name + "-resource" if name in OWN_MODULES else name)


def suite_file(resource: Resource) -> str:
    name = kebab(resource.table.name)
    return f"test/{name}{'-resource' if name in OWN_TESTS else ''}.test.ts"


def routes_function(resource: Resource) -> str:
    return camel(resource.table.singular) + "Routes"


def factory(resource: Resource, verb: str = "create") -> str:
    """createBookmark, newBookmark, bookmarkPayload."""
    if verb == "payload":
        return camel(resource.table.singular) + "Payload"
    return verb + pascal(resource.table.singular)


def column_ref(name: str) -> str:
    """Property access for a brief name: `row.title`, always valid since names are
    lower-case identifiers (reserved words included)."""
    return f".{name}"
