"""Scripted answers for whole builds through the tool loop: for each of the six phases a
few small files, written in one answer (`create` calls, then `finish_phase`), chosen by
reading which phase the request asks for, the way a model would. Quick to run: wizard and
engine tests use it. `claude.py` is the realistic simulated Claude.

`scale` multiplies the size of the code files.
"""

from __future__ import annotations

import re
from typing import Any

from .anthropic_server import FakeRequest, Reply, answer_reply

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
EDITOR = "str_replace_based_edit_tool"


def create(path: str, content: str) -> tuple:
    return ("tool", EDITOR, {"command": "create", "path": path, "file_text": content})


def replace(path: str, old: str, new: str) -> tuple:
    return (
        "tool",
        EDITOR,
        {"command": "str_replace", "path": path, "old_str": old, "new_str": new},
    )


def finish(summary: str, files: list[dict[str, Any]] = (), **more: Any) -> tuple:
    notes = [{"path": f["path"], "kind": f["kind"], "why": f.get("why", "")} for f in files]
    return ("tool", "finish_phase", {"summary": summary, "files": notes, **more})


def unique_old(text: str, line: str) -> str:
    """`line` with as many following lines as it takes to be unique in `text`."""
    lines = text.split("\n")
    at = lines.index(line)
    for end in range(at + 1, len(lines) + 1):
        piece = "\n".join(lines[at:end])
        if text.count(piece) == 1:
            return piece
    return text


def rework_answer(ask: str) -> list[tuple]:
    """What a model would do for a rework: in each file's current content, mark every line
    a rejected hunk removed as reworked (one str_replace each), then finish."""
    blocks: list[tuple] = [("text", "Reworking the rejected hunks. ")]
    for section in ask.split("\n## ")[1:]:
        files = FILE_BLOCK.findall(section)
        if not files:
            continue
        path, content = files[0]
        for diff in DIFF_BLOCK.findall(section):
            for removed in (ln[1:] for ln in diff.splitlines() if ln.startswith("-")):
                if removed in content.split("\n"):
                    old = unique_old(content, removed)
                    new = old.replace(removed, f"{removed} (reworked)", 1)
                    content = content.replace(old, new, 1)
                    blocks.append(replace(path, old, new))
    blocks.append(finish("Reworked the rejected hunks as commented."))
    return blocks


def user_texts_of_last_turn(request: FakeRequest) -> list[str]:
    last = request.body["messages"][-1]
    content = (
        last["content"]
        if isinstance(last["content"], list)
        else [{"type": "text", "text": last["content"]}]
    )
    return [b["text"] for b in content if b.get("type") == "text"]


def answered(request: FakeRequest) -> bool:
    """Whether the model has answered in this conversation already."""
    return any(m["role"] == "assistant" for m in request.body["messages"])


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


def phase_blocks(phase_id: str, scale: int = 1) -> list[tuple]:
    """A phase written in one answer: a sentence, a `create` per file, `finish_phase`."""
    files = phase_files(phase_id, scale)
    blocks: list[tuple] = [("text", f"Proposing {phase_id}. ")]
    blocks += [create(f["path"], f["content"]) for f in files]
    blocks.append(finish(f"## {phase_id}\n\nThe plan for {phase_id}.", files))
    return blocks


def build_handler(scale: int = 1, chunk: int = 40):
    """A handler answering a drafting request with a brief, a phase with its files in one
    answer, a rework with the rejected lines reworked, and anything after the model's own
    answer (a revision, a fix round, refused calls) by finishing again."""

    def handle(request: FakeRequest) -> Reply:
        if request.body["tools"][0].get("name") == "submit_brief":
            answer = draft_answer(request.user_texts()[0])
            return answer_reply([("tool", "submit_brief", answer)], chunk=chunk)
        said = user_texts_of_last_turn(request)
        rework = next((t for t in said if t.startswith(REWORK_HEADING)), None)
        if rework is not None:
            return answer_reply(rework_answer(rework), chunk=chunk)
        if answered(request):
            return answer_reply(
                [("text", "Done. "), finish("Nothing more to change.")], chunk=chunk
            )
        return answer_reply(phase_blocks(asked_phase(request), scale), chunk=chunk)

    return handle
