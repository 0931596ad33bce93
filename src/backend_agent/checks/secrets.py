"""Secrets in a proposed file: keys, tokens and hard-coded passwords, each with its line.

A model can paste a credential it saw in context, or invent a "default" password; either
must stop the file until a person looks at it. Findings name the kind and the line but
never repeat the secret: results are saved with the build and printed in reports.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePosixPath

from ..core.checks import CheckResult

CHECK = "secrets"

# kind: (what it is, literals one of which it contains, pattern). The literals are found
# with plain substring search, so a clean file costs a few scans, not a regex per kind.
_TOKENS: dict[str, tuple[str, tuple[str, ...], re.Pattern[str]]] = {
    kind: (what, literals, re.compile(pattern))
    for kind, what, literals, pattern in (
        (
            "pem",
            "a private key",
            ("-----BEGIN",),
            r"-----BEGIN ((RSA|DSA|EC|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----",
        ),
        ("aws_id", "an AWS access key id", ("AKIA", "ASIA"), r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
        (
            "aws_secret",
            "an AWS secret access key",
            ("secret", "SECRET", "Secret"),
            r"(?i)aws_?secret_?(access_?)?key\W{0,4}[:=]\s*[\"']?[A-Za-z0-9/+=]{40}\b",
        ),
        (
            "gcp",
            "a Google Cloud service account key",
            ("service_account",),
            r"\"type\"\s*:\s*\"service_account\"",
        ),
        ("google", "a Google API key", ("AIza",), r"\bAIza[0-9A-Za-z_\-]{35}\b"),
        (
            "github",
            "a GitHub token",
            ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"),
            r"\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})\b",
        ),
        ("slack", "a Slack token", ("xox",), r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
        ("anthropic", "an Anthropic API key", ("sk-ant-",), r"\bsk-ant-[A-Za-z0-9_\-]{20,}"),
        ("stripe", "a Stripe live key", ("k_live_",), r"\b[sr]k_live_[0-9A-Za-z]{16,}"),
    )
}
_EXAMPLE_KEYS = re.compile(r"EXAMPLE|X{8,}|0{8,}")
"""Documented sample values (AWS's AKIAIOSFODNN7EXAMPLE and friends) are not secrets."""

_PASSWORD = re.compile(
    r"""(?ix)
    (password|passwd|passphrase|secret_?key|secret|api_?key|auth_?token|access_?token|private_key)["']?
    \s*(:\s*[a-z_][\w\[\], |.]*\s*=|=|:)\s*
    [rbu]?(?P<quote>["'])(?P<value>[^"'\n]*)(?P=quote)
    """
)
"""Starts at the keyword; the full name is the word it ends."""
_PASSWORD_WORDS = ("pass", "secret", "key", "token")
_NAME_START = re.compile(r"[\w]*$")
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


_JS_TEST = re.compile(r"\.(test|spec)\.[cm]?[jt]sx?$")


def _is_test(path: str) -> bool:
    """Python's and JavaScript's conventions: tests/, test/, __tests__/, test_*.py,
    conftest.py, *.test.ts, *.spec.js."""
    pure = PurePosixPath(path)
    folders = {"tests", "test", "__tests__"} & set(pure.parts[:-1])
    return bool(
        folders
        or pure.name.startswith("test_")
        or pure.stem == "conftest"
        or _JS_TEST.search(pure.name)
    )


def scan(path: str, content: str) -> list[CheckResult]:
    """Failures for every secret found; empty when the file is clean."""
    found: list[CheckResult] = []
    for what, literals, pattern in _TOKENS.values():
        if not any(literal in content for literal in literals):
            continue
        for match in pattern.finditer(content):
            if _EXAMPLE_KEYS.search(match.group(0)):
                continue
            found.append(
                CheckResult.at_offset(
                    CHECK,
                    "fail",
                    f"{what}: remove it and load it from the environment or a secret store",
                    content,
                    match.start(),
                )
            )
    if PurePosixPath(path).suffix.lower() not in _DOCS and not _is_test(path):
        for match in _password_matches(content):
            value = match.group("value")
            if _PLACEHOLDER.match(value) or len(value) < 4:
                continue
            line_start = content.rfind("\n", 0, match.start()) + 1
            prefix = _NAME_START.search(content, line_start, match.start())
            name = (prefix.group(0) if prefix else "") + match.group(1)
            found.append(
                CheckResult.at_offset(
                    CHECK,
                    "fail",
                    f"a hard-coded {name}: read it from the environment (os.environ / settings) "
                    "instead",
                    content,
                    match.start("value") - 1,
                )
            )
    found.sort(key=lambda r: (r.line or 0, r.column or 0))
    return found


def _password_matches(content: str) -> Iterator[re.Match[str]]:
    """`_PASSWORD` run only over the lines that name a credential at all."""
    lowered = content.lower()
    if not any(word in lowered for word in _PASSWORD_WORDS):
        return
    offset = 0
    for line in content.splitlines(keepends=True):
        lowered = line.lower()  # per line: lower() may change a text's length
        if any(word in lowered for word in _PASSWORD_WORDS):
            yield from _PASSWORD.finditer(content, offset, offset + len(line))
        offset += len(line)


def check(path: str, content: str) -> list[CheckResult]:
    return scan(path, content) or [CheckResult(check=CHECK, status="pass", message="no secrets")]
