"""Secrets in a proposed file: keys, tokens and hard-coded passwords, each with its line.

A model can paste a credential it saw in context, or invent a "default" password; either
must stop the file until a person looks at it. Findings name the kind and the line but
never repeat the secret: results are saved with the build and printed in reports.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..core.checks import CheckResult

CHECK = "secrets"

_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        (
            "a private key",
            r"-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----",
        ),
        ("an AWS access key id", r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        (
            "an AWS secret access key",
            r"(?i)aws_?secret_?(access_?)?key\W{0,4}[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b",
        ),
        ("a Google Cloud service account key", r"\"type\"\s*:\s*\"service_account\""),
        ("a Google API key", r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        ("a GitHub token", r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b"),
        ("a Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("an Anthropic API key", r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
        ("a Stripe live key", r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    )
)
_EXAMPLE_KEYS = re.compile(r"EXAMPLE|X{8,}|0{8,}")
"""Documented sample values (AWS's AKIAIOSFODNN7EXAMPLE and friends) are not secrets."""

_PASSWORD = re.compile(
    r"""(?ix)
    (?<!\w)["']?(?P<name>[a-z0-9_]*?(password|passwd|passphrase|secret|secret_key|api_?key
        |auth_?token|access_?token|private_key))["']?
    \s*(:\s*[a-z_][\w\[\], |.]*\s*=|=|:)\s*
    [rbu]?(?P<quote>["'])(?P<value>[^"'\n]*)(?P=quote)
    """
)
_PLACEHOLDER = re.compile(
    r"""(?ix)^(
        | \W* | [*x.#-]+ | <[^>]*> | \$\{[^}]*\}? | \{\{?[^}]*\}?\} | %\(?\w*\)?s | \$\w+
        | .*(change[-_ ]?me|changeit|placeholder|example|your[-_ ]|redacted|dummy|fake|
             sample|xxx|todo|replace|insert|secret[-_ ]?here|not[-_ ]?set|dev[-_ ]?only).*
        | (password|passwd|secret|token|none|null|test|testing|string|str|bearer|basic|
           hunter2|admin|postgres)
    )$"""
)
_DOCS = {".md", ".rst", ".txt", ".adoc"}


def _is_test(path: str) -> bool:
    pure = PurePosixPath(path)
    return "tests" in pure.parts[:-1] or pure.name.startswith("test_") or pure.stem == "conftest"


def scan(path: str, content: str) -> list[CheckResult]:
    """Failures for every secret found; empty when the file is clean."""
    found: list[CheckResult] = []
    for kind, pattern in _TOKENS:
        for match in pattern.finditer(content):
            if _EXAMPLE_KEYS.search(match.group(0)):
                continue
            found.append(
                CheckResult.at_offset(
                    CHECK,
                    "fail",
                    f"{kind}: remove it and load it from the environment or a secret store",
                    content,
                    match.start(),
                )
            )
    if PurePosixPath(path).suffix.lower() not in _DOCS and not _is_test(path):
        for match in _PASSWORD.finditer(content):
            value = match.group("value")
            if _PLACEHOLDER.match(value) or len(value) < 4:
                continue
            found.append(
                CheckResult.at_offset(
                    CHECK,
                    "fail",
                    f"a hard-coded {match.group('name')}: read it from the environment "
                    "(os.environ / settings) instead",
                    content,
                    match.start("value") - 1,
                )
            )
    found.sort(key=lambda r: (r.line or 0, r.column or 0))
    return found


def check(path: str, content: str) -> list[CheckResult]:
    return scan(path, content) or [CheckResult(check=CHECK, status="pass", message="no secrets")]
