"""The essential structure of an OpenAPI 3.x document, validated without a dependency.

The full validators on PyPI pull in jsonschema, referencing and a compiled extension for a
file a build rarely proposes (FastAPI serves its document at run time). What breaks clients
and codegen in practice is checked here: version, info, path keys, operations with
responses, path parameters declared and required, unique operationIds and local $refs
that resolve.
"""

from __future__ import annotations

import re
from typing import Any

from ..core.checks import CheckResult

CHECK = "openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_VERSION = re.compile(r"^3\.[01]\.\d+$")
_STATUS = re.compile(r"^([1-5]\d\d|[1-5]XX|default)$")
_TEMPLATE = re.compile(r"\{([^{}]+)\}")
_LOCATIONS = ("query", "header", "path", "cookie")


def is_openapi(document: Any) -> bool:
    return isinstance(document, dict) and ("openapi" in document or "swagger" in document)


def validate(document: dict[str, Any]) -> list[CheckResult]:
    if "swagger" in document and "openapi" not in document:
        return [
            CheckResult(
                check=CHECK,
                status="warn",
                message=f"Swagger {document.get('swagger')} document: only OpenAPI 3.x is "
                "validated; convert it to 3.1",
            )
        ]
    problems = _Problems(document)
    problems.run()
    if problems.found:
        return [CheckResult(check=CHECK, status="fail", message=m) for m in problems.found]
    paths = document.get("paths") or {}
    return [
        CheckResult(
            check=CHECK,
            status="pass",
            message=f"valid OpenAPI {document['openapi']} document ({len(paths)} paths)",
        )
    ]


class _Problems:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.found: list[str] = []
        self.operation_ids: dict[str, str] = {}

    def add(self, where: str, message: str) -> None:
        self.found.append(f"{where}: {message}" if where else message)

    def run(self) -> None:
        doc = self.document
        version = doc.get("openapi")
        if not isinstance(version, str) or not _VERSION.match(version):
            self.add("openapi", f"{version!r} is not an OpenAPI 3.0.x or 3.1.x version string")
            return
        info = doc.get("info")
        if not isinstance(info, dict):
            self.add("info", "missing (an object with title and version)")
        else:
            for key in ("title", "version"):
                if not isinstance(info.get(key), str):
                    self.add(f"info.{key}", "missing or not a string")
        paths = doc.get("paths")
        if paths is None:
            if version.startswith("3.0") or not (doc.get("components") or doc.get("webhooks")):
                self.add("paths", "missing")
        elif not isinstance(paths, dict):
            self.add("paths", "is not an object")
        else:
            for template, item in paths.items():
                self._path(str(template), item, version)
        self._refs(doc, "#")

    def _path(self, template: str, item: Any, version: str) -> None:
        where = f"paths.{template}"
        if not template.startswith("/"):
            self.add(where, "path keys must start with '/'")
        if not isinstance(item, dict):
            self.add(where, "is not an object")
            return
        shared = self._parameters(item.get("parameters"), where)
        names = _TEMPLATE.findall(template)
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            at = f"{where}.{method}"
            if not isinstance(operation, dict):
                self.add(at, "is not an object")
                continue
            declared = {**shared, **self._parameters(operation.get("parameters"), at)}
            for name in names:
                if ("path", name) not in declared:
                    self.add(at, f"path parameter {name!r} is not declared in parameters")
            for (place, name), required in declared.items():
                if place == "path" and name not in names:
                    self.add(at, f"declares path parameter {name!r}, which is not in the path")
                if place == "path" and required is not True:
                    self.add(at, f"path parameter {name!r} must have required: true")
            self._operation(operation, at, version)

    def _operation(self, operation: dict[str, Any], at: str, version: str) -> None:
        op_id = operation.get("operationId")
        if op_id is not None:
            if op_id in self.operation_ids:
                self.add(at, f"operationId {op_id!r} is also used by {self.operation_ids[op_id]}")
            self.operation_ids[op_id] = at
        responses = operation.get("responses")
        if responses is None:
            if version.startswith("3.0"):
                self.add(at, "has no responses")
            return
        if not isinstance(responses, dict) or not responses:
            self.add(f"{at}.responses", "must be an object with at least one response")
            return
        for code in responses:
            if not _STATUS.match(str(code)):
                self.add(f"{at}.responses", f"{code!r} is not a status code, NXX or default")

    def _parameters(self, parameters: Any, at: str) -> dict[tuple[str, str], object]:
        """(in, name) → required, for each parameter (following local $refs)."""
        declared: dict[tuple[str, str], object] = {}
        if parameters is None:
            return declared
        if not isinstance(parameters, list):
            self.add(f"{at}.parameters", "is not a list")
            return declared
        for index, parameter in enumerate(parameters):
            if isinstance(parameter, dict) and isinstance(parameter.get("$ref"), str):
                parameter = self._resolve(parameter["$ref"])
            if not isinstance(parameter, dict):
                continue
            name, place = parameter.get("name"), parameter.get("in")
            if not isinstance(name, str) or place not in _LOCATIONS:
                self.add(
                    f"{at}.parameters[{index}]",
                    f"needs a name and an 'in' of {', '.join(_LOCATIONS)}",
                )
                continue
            declared[(place, name)] = parameter.get("required")
        return declared

    def _resolve(self, ref: str) -> Any:
        if not ref.startswith("#"):
            return None
        node: Any = self.document
        for raw in ref[1:].split("/")[1:]:
            key = raw.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                return None
        return node

    def _refs(self, node: Any, where: str) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#") and self._resolve(ref) is None:
                self.add(where, f"$ref {ref!r} points at nothing in this document")
            for key, value in node.items():
                self._refs(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, value in enumerate(node):
                self._refs(value, f"{where}/{index}")
