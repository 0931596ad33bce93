"""A simulated Claude: answers each phase through the tool loop with realistic content.

What it writes is what the offline generator writes for the same brief on the same branch
(the brief and the build's start day are read from the system prompt, the branch from the
repository): new files as `create` calls, files an earlier phase wrote as `str_replace`
edits of the lines that change (a `create` when most of the file changes), deletions with
`delete_files`. The calls are spread over several answers, each opening with a thinking
block and a sentence of text; `view` reads a file before it is edited; `finish_phase`
closes the phase with the generator's summary. The simulation is stateless: every request
carries the whole conversation, and the calls already answered without an error are done.

Faults, one per phase on request (`faults={"data-model": "sql", ...}`):
- `cut`: an answer stops at max_tokens inside a `create` (the call is cut off; so does any
  answer that would pass the request's own max_tokens),
- `sql`: a type error in the migration (a boolean column defaulting to 'maybe'),
- `name`: an undefined name in a Python module (ruff F821),
- `test`: a failing test,
- `duplicate`: the same `create` twice in one answer,
- `stale`: a `str_replace` whose old text is not in the file (refused, then corrected),
- `refusal`: the first answer of the phase is a refusal.
The checks find `sql`, `name` and `test`; a fix round ("# The checks found problems")
makes the simulated model correct them with `str_replace`.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .anthropic_protocol import FakeRequest, Reply, answer_reply
from .builds import EDITOR, REWORK_HEADING, asked_phase, draft_answer, rework_answer

BUILD = re.compile(r"Build `([a-z][a-z0-9-]*)`, started (\d{4}-\d\d-\d\d)")
TOML = re.compile(r"```toml\n(.*?)\n```", re.DOTALL)
FIX_HEADING = "# The checks found problems"
CUT_NOTE = "reached the output limit"
CHARS_PER_TOKEN = 4
MAX_HUNKS = 6
"""More changed regions than this and the file is written whole."""


@dataclass
class Op:
    id: str
    name: str
    input: dict[str, Any]
    path: str = ""
    kind: str = "code"
    why: str = ""

    def block(self, op_id: str | None = None) -> tuple:
        return ("tool", self.name, self.input, op_id or self.id)


@dataclass
class Fault:
    kind: str
    op: Op | None = None
    fixes: list[Op] = field(default_factory=list)
    """The edits a fix round sends."""


def _history(request: FakeRequest) -> tuple[dict[str, bool], list[str]]:
    """Every tool call of the conversation with whether it was answered without an error,
    and every text a user turn said."""
    results: dict[str, bool] = {}
    said: list[str] = []
    calls: list[str] = []
    for message in request.body["messages"]:
        content = message["content"]
        blocks = content if isinstance(content, list) else [{"type": "text", "text": content}]
        for block in blocks:
            if block["type"] == "tool_use":
                calls.append(block["id"])
            elif block["type"] == "tool_result":
                results[block["tool_use_id"]] = not block.get("is_error", False)
            elif block["type"] == "text" and message["role"] == "user":
                said.append(block["text"])
    return {c: results.get(c, False) for c in calls}, said


class SimulatedClaude:
    """A handler for FakeAnthropic. `repo`: the user's repository (its build branch is where
    earlier phases' files are read, as the model reads them in its context)."""

    def __init__(
        self,
        repo: Path,
        *,
        faults: dict[str, str] | None = None,
        per_answer: int = 8,
        cut_after: dict[str, int] | None = None,
    ) -> None:
        self.repo = Path(repo)
        self.faults = dict(faults or {})
        self.per_answer = per_answer
        self.cut_after = dict(cut_after or {})
        self.answers = 0

    # ------------------------------------------------------------------ handler
    def __call__(self, request: FakeRequest) -> Reply:
        self.answers += 1
        tools = request.body.get("tools") or []
        if tools and tools[0].get("name") == "submit_brief":
            return answer_reply(
                [
                    ("thinking", "Who uses it, what they store, what must hold."),
                    ("text", "Here is the brief I would start from."),
                    ("tool", "submit_brief", draft_answer(request.user_texts()[0])),
                ]
            )
        phase = asked_phase(request)
        done, said = _history(request)
        last = said[-1] if said else ""
        if self.faults.get(phase) == "refusal" and not done:
            return answer_reply(
                [("text", "I can't help with writing this part of the service.")],
                stop_reason="refusal",
                stop_details={"type": "refusal", "category": None, "explanation": None},
            )
        reworks = [t for t in said if t.startswith(REWORK_HEADING)]
        if reworks and last == reworks[-1]:
            prefix = f"toolu_rework{len(reworks)}_"
            if not any(k.startswith(prefix) for k in done):
                blocks = [
                    (*b[:3], f"{prefix}{i}") if b[0] == "tool" else b
                    for i, b in enumerate(rework_answer(reworks[-1]))
                ]
                return answer_reply([("thinking", "Only the rejected lines change."), *blocks])
        ops, faults, summary = self._plan(request, phase)
        limit = int(request.body["max_tokens"])
        if FIX_HEADING in last:
            fixes = [f for f in faults if f.op is not None and f.op.path in last]
            pending = [op for f in fixes for op in f.fixes if not done.get(op.id)]
            if pending:
                return self._answer(phase, pending, limit, "Fixing what the checks found.")
            return self._finish(ops, summary, note="Fixed what the checks found.")
        pending = self._pending(ops, done)
        if not pending:
            return self._finish(ops, summary)
        size = 1000 if phase in self.cut_after else self.per_answer
        return self._answer(
            phase,
            pending[:size],
            limit,
            _sentence(pending[:size]),
            faults,
            done,
            self._cut(phase, said),
        )

    # -------------------------------------------------------------------- plans
    def _plan(self, request: FakeRequest, phase: str) -> tuple[list[Op], list[Fault], str]:
        from backend_agent.core.brief import parse_brief
        from backend_agent.providers.offline import GENERATORS
        from backend_agent.providers.offline.plan import build_plan
        from backend_agent.providers.offline.target import target_for
        from backend_agent.workspace.git import Repository
        from backend_agent.workspace.worktree import Worktree

        system = "\n".join(b["text"] for b in request.body["system"])
        name, day = BUILD.search(system).groups()
        brief = parse_brief(TOML.search(system).group(1))
        repository = Repository.open(self.repo)
        branch = Worktree(
            repository, f"backend-agent/{name}", repository.data_dir / "worktrees" / name
        )
        proposal = GENERATORS[target_for(brief).id][phase](
            brief, build_plan(brief), branch.files(), date.fromisoformat(day), branch
        )
        ops: list[Op] = []
        for number, change in enumerate(proposal.changes):
            op_id = f"toolu_{phase}_{number:03d}"
            if change.action == "delete":
                ops.append(
                    Op(
                        op_id,
                        "delete_files",
                        {"paths": [change.path], "why": change.why},
                        change.path,
                        change.kind,
                        change.why,
                    )
                )
                continue
            before = branch.read(change.path) if change.action == "modify" else None
            ops += _writes(op_id, change.path, before, change.content, change.kind, change.why)
        return ops, self._faults(phase, ops), proposal.summary

    def _faults(self, phase: str, ops: list[Op]) -> list[Fault]:
        kind = self.faults.get(phase)
        if kind == "sql":
            return [_sql_fault(ops)]
        if kind == "name":
            return [_name_fault(ops)]
        if kind == "test":
            return [_test_fault(ops)]
        if kind in ("duplicate", "stale", "cut"):
            return [Fault(kind)]
        return []

    def _pending(self, ops: list[Op], done: dict[str, bool]) -> list[Op]:
        pending: list[Op] = []
        first_edit = next((op for op in ops if op.input.get("command") == "str_replace"), None)
        for op in ops:
            if done.get(op.id):
                continue
            if op.input.get("command") == "str_replace" and f"{op.id}_view" not in done:
                if op is first_edit:
                    pending.append(
                        Op(f"{op.id}_view", EDITOR, {"command": "view", "path": op.path})
                    )
            pending.append(op)
        return pending

    def _cut(self, phase: str, said: list[str]) -> int | None:
        if any(CUT_NOTE in t for t in said):
            return None
        if phase in self.cut_after:
            return self.cut_after[phase]
        return 2 if self.faults.get(phase) == "cut" else None

    # ------------------------------------------------------------------ answers
    def _answer(
        self,
        phase: str,
        batch: list[Op],
        limit: int,
        sentence: str,
        faults: list[Fault] = (),
        done: dict[str, bool] | None = None,
        cut: int | None = None,
    ) -> Reply:
        done = done or {}
        kinds = {f.kind for f in faults}
        if any(k.endswith("_dup") for k in done):
            kinds.discard("duplicate")
        blocks: list[tuple] = [
            (
                "thinking",
                f"Phase {phase}: {sentence} Keep each file complete and consistent "
                "with what the earlier phases committed.",
            ),
            ("text", sentence),
        ]
        budget = limit * CHARS_PER_TOKEN - sum(len(b[1]) for b in blocks)
        cut_at: int | None = None
        for count, op in enumerate(batch):
            stale = f"{op.id}_stale"
            if "stale" in kinds and op.input.get("command") == "str_replace" and stale not in done:
                wrong = {**op.input, "old_str": op.input["old_str"] + "\n# (as I remembered it)"}
                blocks.append(("tool", EDITOR, wrong, stale))
                kinds.discard("stale")
                continue
            size = len(str(op.input))
            if (cut is not None and count == cut) or size > budget:
                cut_at = max(min(budget, size // 2), 10)
                blocks.append(op.block())
                break
            blocks.append(op.block())
            budget -= size
            if "duplicate" in kinds and op.input.get("command") == "create":
                blocks.append(op.block(f"{op.id}_dup"))
                kinds.discard("duplicate")
        return answer_reply(blocks, cut_last_tool_at=cut_at)

    def _finish(self, ops: list[Op], summary: str, note: str = "") -> Reply:
        files = {
            op.path: {"path": op.path, "kind": op.kind, "why": op.why} for op in ops if op.path
        }
        finish = {
            "summary": (note + "\n\n" if note else "") + summary,
            "assumptions": ["The service runs behind a TLS-terminating proxy"],
            "questions": [],
            "files": list(files.values()),
        }
        return answer_reply(
            [
                ("thinking", "Every deliverable of the phase is written; time to hand over."),
                ("text", "That completes the phase."),
                ("tool", "finish_phase", finish, f"toolu_finish_{self.answers}"),
            ]
        )


def _sentence(batch: list[Op]) -> str:
    paths = [op.path for op in batch if op.path][:3]
    return f"Next: {', '.join(paths)}{' and more' if len(batch) > 3 else ''}."


def _writes(op_id: str, path: str, before: str | None, after: str, kind: str, why: str) -> list[Op]:
    """A new file as `create`; a changed one as `str_replace` edits, unless most of it
    changes (then `create` writes it whole)."""
    create = Op(
        op_id, EDITOR, {"command": "create", "path": path, "file_text": after}, path, kind, why
    )
    if before is None or before == after:
        return [create] if before is None else []
    old, new = before.split("\n"), after.split("\n")
    regions = [
        o
        for o in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes()
        if o[0] != "equal"
    ]
    if len(regions) > MAX_HUNKS or difflib.SequenceMatcher(None, before, after).quick_ratio() < 0.5:
        return [create]
    ops: list[Op] = []
    text = before
    for number, (_, i1, i2, j1, j2) in enumerate(reversed(regions)):
        lo, hi = i1, i2
        while True:
            if lo == hi:  # an insertion: anchor on the line before (or after)
                lo, hi = (lo - 1, hi) if lo > 0 else (lo, hi + 1)
            piece = "\n".join(old[lo:hi])
            if piece and text.count(piece) == 1:
                break
            lo, hi = max(lo - 1, 0), min(hi + 1, len(old))
            if lo == 0 and hi == len(old):
                return [create]
        replacement = "\n".join(old[lo:i1] + new[j1:j2] + old[i2:hi])
        ops.append(
            Op(
                f"{op_id}_{number}",
                EDITOR,
                {"command": "str_replace", "path": path, "old_str": piece, "new_str": replacement},
                path,
                kind,
                why,
            )
        )
        text = text.replace(piece, replacement, 1)
    if text != after:
        return [create]
    return ops


def _first(ops: list[Op], test) -> Op:
    return next(op for op in ops if op.input.get("command") == "create" and test(op.path))


def _edit(op: Op, old: str, new: str, suffix: str) -> Op:
    return Op(
        f"{op.id}_{suffix}",
        EDITOR,
        {"command": "str_replace", "path": op.path, "old_str": old, "new_str": new},
        op.path,
        op.kind,
        op.why,
    )


def _sql_fault(ops: list[Op]) -> Fault:
    op = _first(ops, lambda p: p.endswith(".sql"))
    text = op.input["file_text"]
    match = re.search(r"^(\s+\w+ boolean NOT NULL DEFAULT )false", text, re.MULTILINE)
    if match:
        good, bad = match.group(0), match.group(1) + "'maybe'"
    else:
        table = re.search(r"CREATE TABLE (\w+)", text).group(1)
        good = text.rstrip("\n").split("\n")[-1]
        bad = f"{good}\nALTER TABLE {table} ADD COLUMN rank integer NOT NULL DEFAULT 'high';"
    op.input["file_text"] = text.replace(good, bad, 1)
    return Fault("sql", op, [_edit(op, bad, good, "fix")])


def _name_fault(ops: list[Op]) -> Fault:
    op = _first(
        ops,
        lambda p: p.endswith(".py") and not p.startswith("tests/") and "__init__" not in p,
    )
    bad = "\n\ndef _display_name(value: str) -> str:\n    return titlecase(value)\n"
    good = "\n\ndef _display_name(value: str) -> str:\n    return value.strip().title()\n"
    op.input["file_text"] = op.input["file_text"].rstrip("\n") + bad
    return Fault("name", op, [_edit(op, bad, good, "fix")])


def _test_fault(ops: list[Op]) -> Fault:
    op = _first(ops, lambda p: p.startswith("tests/test_") and p.endswith(".py"))
    bad = "\n\ndef test_pages_count_from_one() -> None:\n    assert len([1, 2]) == 3\n"
    good = "\n\ndef test_pages_count_from_one() -> None:\n    assert len([1, 2]) == 2\n"
    op.input["file_text"] = op.input["file_text"].rstrip("\n") + bad
    return Fault("test", op, [_edit(op, bad, good, "fix")])
