"""JSON, YAML and TOML files parse; an OpenAPI document among them also validates."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import PurePosixPath
from typing import Any

from ..core.checks import CheckResult
from . import openapi

FORMATS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".toml": "toml"}
_TOML_AT = re.compile(r"\(at (?:line (\d+), column (\d+)|end of document)\)")


def kind_of(path: str) -> str | None:
    return FORMATS.get(PurePosixPath(path).suffix.lower())


def check(path: str, content: str) -> list[CheckResult]:
    kind = kind_of(path)
    if kind is None:
        return []
    try:
        documents = _parse(kind, content)
    except _Unparsable as error:
        return [error.result]
    results = [CheckResult(check=kind, status="pass", message=f"valid {kind.upper()}")]
    for document in documents:
        if openapi.is_openapi(document):
            results += openapi.validate(document)
    return results


class _Unparsable(Exception):
    def __init__(self, result: CheckResult) -> None:
        self.result = result


def _parse(kind: str, content: str) -> list[Any]:
    if kind == "json":
        try:
            return [json.loads(content)]
        except json.JSONDecodeError as error:
            raise _Unparsable(
                CheckResult(
                    check="json",
                    status="fail",
                    message=f"not valid JSON: {error.msg}",
                    line=error.lineno,
                    column=error.colno,
                )
            ) from None
    if kind == "toml":
        try:
            return [tomllib.loads(content)]
        except tomllib.TOMLDecodeError as error:
            text = str(error)
            at = _TOML_AT.search(text)
            line = column = None
            if at and at.group(1):
                line, column = int(at.group(1)), int(at.group(2))
            elif at:
                line = content.count("\n") + 1
            message = _TOML_AT.sub("", text).strip()
            raise _Unparsable(
                CheckResult(
                    check="toml",
                    status="fail",
                    message=f"not valid TOML: {message}",
                    line=line,
                    column=column,
                )
            ) from None
    import yaml

    try:
        return list(yaml.safe_load_all(content))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or str(error)
        context = getattr(error, "context", None)
        raise _Unparsable(
            CheckResult(
                check="yaml",
                status="fail",
                message=f"not valid YAML: {problem}" + (f" ({context})" if context else ""),
                line=mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ) from None
