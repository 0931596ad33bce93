"""Scripted answers for whole builds: a plausible proposal for each of the six phases,
chosen by reading which phase the request asks for, the way a model would.

`scale` multiplies the size of the code files, so benchmarks can send realistic volumes
(phase 3 of a real build is tens of kilobytes of code and tests).
"""

from __future__ import annotations

import re
from typing import Any

from .anthropic_server import FakeRequest, Reply, proposal_reply

PHASE_HEADING = re.compile(r"^# Phase (\d) of 6: .*\(`([a-z-]+)`\)$", re.MULTILINE)


def asked_phase(request: FakeRequest) -> str:
    """The phase id the request's task names (the first user turn's last block)."""
    for text in request.user_texts():
        match = PHASE_HEADING.search(text)
        if match:
            return match.group(2)
    raise AssertionError("the request names no phase")


def _code(name: str, scale: int) -> str:
    body = [
        f'"""{name}: generated for the test build."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    for i in range(12 * scale):
        body += [
            "",
            f"def {name}_step_{i}(value: int) -> int:",
            f'    """Step {i} of {name}: validate, then transform."""',
            "    if value < 0:",
            f'        raise ValueError("{name} step {i} needs a non-negative value")',
            f"    return value * {i + 2} + {i}",
            "",
        ]
    return "\n".join(body) + "\n"


def _tests(name: str, scale: int) -> str:
    body = [f'"""Tests of {name}."""', ""]
    for i in range(12 * scale):
        body += ["", f"def test_{name}_{i}() -> None:", f"    assert {i} + 1 > {i}", ""]
    return "\n".join(body) + "\n"


def _adr(number: int, title: str, scale: int) -> str:
    para = f"{title}: the forces, the choice and its cost, in a few sentences.\n\n" * scale
    return (
        f"---\nstatus: accepted\n---\n\n# {number}. {title}\n\n## Context\n\n{para}"
        f"## Considered Options\n\n- this one\n- the other one\n\n"
        f"## Decision Outcome\n\n{para}## Consequences\n\n{para}"
    )


def _doc(title: str, scale: int) -> str:
    para = (
        f"{title} explains the decision, the forces behind it, and what it costs. It keeps "
        "the service simple to run and leaves room to grow when the targets demand it.\n\n"
    )
    return f"# {title}\n\n" + para * (3 * scale)


def phase_files(phase_id: str, scale: int = 1) -> list[dict[str, Any]]:
    def f(path: str, kind: str, content: str, action: str = "create") -> dict[str, Any]:
        return {
            "path": path,
            "action": action,
            "kind": kind,
            "content": content,
            "why": f"{kind} of {phase_id}",
        }

    if phase_id == "architecture":
        return [
            f("docs/requirements.md", "doc", _doc("Requirements", scale)),
            f("docs/architecture.md", "doc", _doc("Architecture: a modular monolith", scale)),
            f("docs/adr/0001-modular-monolith.md", "adr", _adr(1, "Modular monolith", scale)),
        ]
    if phase_id == "data-model":
        sql = "".join(
            f"CREATE TABLE table_{i} (\n  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n"
            f"  name text NOT NULL,\n  created_at timestamptz NOT NULL DEFAULT now()\n);\n"
            f"CREATE INDEX table_{i}_name_idx ON table_{i} (name);\n\n"
            for i in range(4 * scale)
        )
        return [
            f("migrations/0001_initial.sql", "schema", sql),
            f("docs/data-model.md", "doc", _doc("Data model", scale)),
            f("docs/adr/0002-postgres-identity-keys.md", "adr", _adr(2, "Identity keys", scale)),
        ]
    if phase_id == "service-layer":
        return [
            f("src/app/services.py", "code", _code("services", 2 * scale)),
            f("src/app/errors.py", "code", _code("errors", scale)),
            f("src/app/auth.py", "code", _code("auth", scale)),
            f("tests/test_services.py", "test", _tests("services", scale)),
        ]
    if phase_id == "infrastructure":
        return [
            f("src/app/logging.py", "code", _code("logging", scale)),
            f("src/app/cache.py", "code", _code("cache", scale)),
            f("tests/test_health.py", "test", _tests("health", scale)),
        ]
    if phase_id == "hardening":
        return [
            f("src/app/shutdown.py", "code", _code("shutdown", scale)),
            f("docs/security-review.md", "doc", _doc("Security review", scale)),
        ]
    if phase_id == "documentation":
        return [
            f("README.md", "doc", _doc("bookmarks", scale), action="modify"),
            f("docs/operations.md", "doc", _doc("Operations", scale)),
            f("docs/runbooks/database-down.md", "doc", _doc("Runbook: database down", scale)),
        ]
    raise AssertionError(f"unknown phase {phase_id}")


REWORK_HEADING = "# Rework the rejected hunks"
FILE_BLOCK = re.compile(r'<file path="([^"]+)">\n(.*?)\n</file>', re.DOTALL)
DIFF_BLOCK = re.compile(r"```diff\n(.*?)\n```", re.DOTALL)


def rework_answer(ask: str) -> dict[str, Any]:
    """What a model would send for a rework: each file's current content with every line a
    rejected hunk removed marked as reworked, nothing else touched."""
    changes = []
    for section in ask.split("\n## ")[1:]:
        files = FILE_BLOCK.findall(section)
        if not files:
            continue
        path, content = files[0]
        lines = content.split("\n")
        for diff in DIFF_BLOCK.findall(section):
            for removed in (ln[1:] for ln in diff.splitlines() if ln.startswith("-")):
                if removed in lines:
                    lines[lines.index(removed)] = f"{removed} (reworked)"
        changes.append(
            {"path": path, "action": "modify", "kind": "doc", "content": "\n".join(lines)}
        )
    return {"summary": "Reworked the rejected hunks as commented.", "changes": changes}


ASKED_FOR = re.compile(r"^What it asks for: a backend \w+ (.+)\.$", re.MULTILINE)


def draft_answer(ask: str) -> dict[str, Any]:
    """A brief as a model would draft it for the sentence: named after its subject, with
    two entities, a relation, an assumption and a question."""
    match = ASKED_FOR.search(ask)
    subject = match.group(1) if match else "an app"
    words = [w for w in re.findall(r"[a-z0-9]+", subject.lower()) if w not in ("a", "an", "the")]
    name = "-".join(words)[:40].strip("-") or "app"
    return {
        "project": {
            "name": name if name[0].isalpha() else f"app-{name}"[:40],
            "summary": f"A backend for {subject}",
            "requirements": f"People sign in and keep track of {subject}.\n",
        },
        "stack": {"architecture": "auto"},
        "targets": {"requests_per_second": 100, "p99_latency_ms": 200},
        "entities": [
            {
                "name": "Item",
                "owned_by_user": True,
                "fields": [
                    {"name": "title", "type": "string", "required": True, "max_length": 200},
                    {
                        "name": "status",
                        "type": "enum",
                        "values": ["open", "done"],
                        "default": "open",
                    },
                ],
            },
            {"name": "Tag", "fields": [{"name": "label", "type": "string", "required": True}]},
        ],
        "relations": [{"kind": "many-to-many", "from": "Item", "to": "Tag"}],
        "assumptions": ["Each person sees only their own items"],
        "questions": ["Should items be shareable?"],
    }


def build_handler(scale: int = 1, chunk: int = 40):
    """A handler answering every request with the files of the phase it asks for, a
    rework request with the rejected lines reworked, and a drafting request with a brief."""

    def handle(request: FakeRequest) -> Reply:
        last = request.user_texts()[-1]
        if request.body["tools"][0]["name"] == "submit_brief":
            answer = draft_answer(request.user_texts()[0])
            return proposal_reply(answer, tool_name="submit_brief", text="", chunk=chunk)
        if last.startswith(REWORK_HEADING):
            return proposal_reply(rework_answer(last), text="Reworking. ", chunk=chunk)
        phase_id = asked_phase(request)
        return proposal_reply(
            {
                "summary": f"## {phase_id}\n\nThe plan for {phase_id}.",
                "changes": phase_files(phase_id, scale),
                "questions": [],
            },
            text=f"Proposing {phase_id}. ",
            chunk=chunk,
        )

    return handle
