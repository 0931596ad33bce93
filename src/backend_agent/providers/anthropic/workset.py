"""The files of a phase as the model writes them: every tool call applied as it arrives,
or refused with a reason the model reads in its `tool_result`.

The working set is the proposal in the making: the full content of every file written
(or None for a file deleted), over the build branch as it is. `create` writes a whole file,
`str_replace` and `insert` edit one already written in this phase or on the branch, `view`
reads one (never a secret, ignored or binary file) or a skill's reference, `delete_files`
removes one. A file the model never mentions is not touched: leaving it out keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ...core.proposal import FileChange, Kind
from ...skills import SkillSet
from ...workspace.paths import Limits, UnsafePath, check_content, check_relative
from ..base import BranchReader
from .context import is_binary_name, is_secret, is_text, private_key
from .tools import VIEW_CHARACTERS, BadCall, DeleteFiles, EditorCall, FileNote, parse

SNIPPET_LINES = 6
"""Lines around an edit shown back to the model, so it sees what the file now says."""
LISTING_LIMIT = 300


@dataclass
class Outcome:
    """What one call did: the text of its tool_result, and the file it wrote if any."""

    text: str
    ok: bool = True
    path: str | None = None
    action: str = ""
    """created, edited, deleted (empty for a view or a refusal)."""


def refused(text: str) -> Outcome:
    return Outcome(text, ok=False)


def infer_kind(path: str) -> Kind:
    """A file's kind from its path, for files `finish_phase` did not describe."""
    pure = PurePosixPath(path)
    name, parts = pure.name.lower(), [p.lower() for p in pure.parts]
    if "adr" in parts and pure.suffix == ".md":
        return "adr"
    if pure.suffix == ".sql":
        return "schema"
    if "tests" in parts or name.startswith("test_") or name.endswith(("_test.py", ".test.ts")):
        return "test"
    if pure.suffix in (".md", ".rst", ".txt"):
        return "doc"
    if pure.suffix in (".toml", ".yaml", ".yml", ".json", ".ini", ".cfg", ".env") or name in (
        "dockerfile",
        "makefile",
        ".env.example",
        ".gitignore",
        ".dockerignore",
    ):
        return "config"
    return "code"


@dataclass
class WorkingSet:
    branch: BranchReader
    limits: Limits
    skills: SkillSet
    view_budget: int
    """Characters `view` may still return in this conversation."""
    files: dict[str, str | None] = field(default_factory=dict)
    """path → full content written in this phase (None: deleted)."""
    touched: set[str] = field(default_factory=set)
    """Files a call of this conversation wrote or deleted (not those it started with)."""
    _on_branch: set[str] | None = None
    _ignored: set[str] | None = None
    _cache: dict[str, str | None] = field(default_factory=dict)

    # ----------------------------------------------------------------- reading
    @property
    def on_branch(self) -> set[str]:
        if self._on_branch is None:
            self._on_branch = set(self.branch.files())
        return self._on_branch

    def branch_text(self, path: str) -> str | None:
        if path not in self.on_branch:
            return None
        if path not in self._cache:
            self._cache[path] = self.branch.read_many([path]).get(path)
        return self._cache[path]

    def current(self, path: str) -> str | None:
        """The file as the proposal has it now (None: absent or deleted)."""
        if path in self.files:
            return self.files[path]
        return self.branch_text(path)

    def withheld(self, path: str) -> str | None:
        """Why the model may not see or edit this file (None: it may)."""
        if is_secret(path):
            return "it is withheld from the model (a secret or credential file name)"
        if is_binary_name(path):
            return "it is a binary file"
        if path in self.on_branch and path not in self.files and path in self.ignored:
            return "it is withheld from the model (.gitignore matches it)"
        return None

    @property
    def ignored(self) -> set[str]:
        """Files on the branch that .gitignore matches (one git call, when first asked)."""
        if self._ignored is None:
            self._ignored = set(self.branch.ignored(sorted(self.on_branch)))
        return self._ignored

    def written(self) -> list[str]:
        return list(self.files)

    def snapshot(self) -> tuple[dict[str, str | None], set[str]]:
        return dict(self.files), set(self.touched)

    def restore(self, snapshot: tuple[dict[str, str | None], set[str]]) -> None:
        self.files, self.touched = dict(snapshot[0]), set(snapshot[1])

    # ---------------------------------------------------------------- applying
    def editor(self, raw: Any) -> Outcome:
        try:
            call = parse(EditorCall, raw)
        except BadCall as bad:
            return refused(f"not done: {bad}")
        if call.command == "view":
            return self._view(call)
        try:
            path = self._path(call.path)
        except UnsafePath as reason:
            return refused(f"not done: {call.path!r}: {reason}")
        if call.command == "create":
            return self._write(path, call.file_text or "", "created")
        why = self.withheld(path)
        if why:
            return refused(f"not done: {path} cannot be edited: {why}")
        text = self.current(path)
        if text is None:
            gone = path in self.files
            return refused(
                f"not done: {path} {'was deleted in this phase' if gone else 'does not exist'}"
                "; write it whole with `create`"
            )
        if call.command == "str_replace":
            return self._replace(path, text, call.old_str or "", call.new_str or "")
        return self._insert(path, text, call.insert_line or 0, call.insert_text or "")

    def delete(self, raw: Any) -> Outcome:
        try:
            call = parse(DeleteFiles, raw)
        except BadCall as bad:
            return refused(f"not done: {bad}")
        done, problems = [], []
        for given in call.paths:
            try:
                path = check_relative(given)
            except UnsafePath as reason:
                problems.append(f"{given!r}: {reason}")
                continue
            if path in self.on_branch and self.files.get(path, "") is not None:
                self.files[path] = None
            elif path in self.files and self.files[path] is not None:
                del self.files[path]
            else:
                problems.append(f"{path}: no such file (on the branch or written in this phase)")
                continue
            self.touched.add(path)
            done.append(path)
        text = f"deleted {', '.join(done)}" if done else "nothing deleted"
        if problems:
            text += "; not deleted: " + "; ".join(problems)
        return Outcome(text, ok=not problems, path=done[0] if done else None, action="deleted")

    def _path(self, given: str) -> str:
        path = check_relative(given)
        clash = next(
            (p for p in (*self.files, *self.on_branch) if p.lower() == path.lower() and p != path),
            None,
        )
        if clash:
            raise UnsafePath(
                f"differs only in case from {clash!r}, which breaks on case-insensitive file "
                "systems"
            )
        return path

    def _write(self, path: str, text: str, action: str, note: str = "") -> Outcome:
        try:
            data = check_content(text, self.limits)
        except UnsafePath as reason:
            return refused(f"not done: {path}: {reason}")
        others = [p for p in self.files if p != path]
        if path not in self.files and len(others) >= self.limits.max_files:
            return refused(f"not done: the phase already has {len(others)} files, the limit")
        total = sum(len((self.files[p] or "").encode()) for p in others) + len(data)
        if total > self.limits.max_proposal_bytes:
            return refused(
                f"not done: {path} would take the phase past "
                f"{self.limits.max_proposal_bytes:,} bytes"
            )
        before = path in self.files and self.files[path] is not None
        self.files[path] = text
        self.touched.add(path)
        lines = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if action == "created":
            if before:
                note = " (it replaces the version you wrote earlier in this phase)"
            elif path in self.on_branch:
                note = " (it replaces the file on the branch)"
        return Outcome(f"{action} {path} ({lines} lines){note}", path=path, action=action)

    def _replace(self, path: str, text: str, old: str, new: str) -> Outcome:
        if not old:
            return refused("not done: old_str is empty; give the exact text to replace")
        count = text.count(old)
        if count == 0:
            hint = (
                " (it matches if whitespace is ignored: copy the exact indentation and line ends)"
                if " ".join(old.split()) in " ".join(text.split())
                else ""
            )
            return refused(
                f"not done: old_str was not found in {path}{hint}; view the file and copy "
                "the text exactly"
            )
        if count > 1:
            lines = _lines_of(text, old)
            return refused(
                f"not done: old_str appears {count} times in {path} (at lines "
                f"{', '.join(map(str, lines))}); include more of the surrounding lines so "
                "it is unique"
            )
        at = text.index(old)
        outcome = self._write(path, text[:at] + new + text[at + len(old) :], "edited")
        if outcome.ok:
            first = text.count("\n", 0, at) + 1
            outcome.text += "\n" + _snippet(self.files[path] or "", first, new.count("\n") + 1)
        return outcome

    def _insert(self, path: str, text: str, after: int, insert: str) -> Outcome:
        lines = text.splitlines(keepends=True)
        if not 0 <= after <= len(lines):
            return refused(
                f"not done: insert_line {after} is outside {path}, which has {len(lines)} "
                "lines (0 inserts at the top)"
            )
        if lines and not lines[-1].endswith("\n") and after == len(lines):
            lines[-1] += "\n"
        piece = insert if insert.endswith("\n") or not insert else insert + "\n"
        updated = "".join(lines[:after]) + piece + "".join(lines[after:])
        outcome = self._write(path, updated, "edited")
        if outcome.ok:
            outcome.text += "\n" + _snippet(updated, after + 1, piece.count("\n"))
        return outcome

    # ------------------------------------------------------------------ viewing
    def _view(self, call: EditorCall) -> Outcome:
        given = call.path.strip().rstrip("/")
        if given in ("", "."):
            return self._listing("")
        reference = self._skill_file(given)
        if reference is not None:
            return self._show(given, reference, call.view_range)
        try:
            path = check_relative(given)
        except UnsafePath as reason:
            return refused(f"not viewed: {given!r}: {reason}")
        why = self.withheld(path)
        if why:
            return refused(f"not viewed: {path}: {why}")
        text = self.current(path)
        if text is None:
            if any(p.startswith(path + "/") for p in (*self.files, *self.on_branch)):
                return self._listing(path)
            return refused(f"not viewed: {path} does not exist")
        if not is_text(text) or private_key(text):
            return refused(f"not viewed: {path} is withheld (binary, or holds a private key)")
        return self._show(path, text, call.view_range)

    def _show(self, path: str, text: str, view_range: list[int] | None) -> Outcome:
        lines = text.splitlines()
        first, last = 1, len(lines)
        if view_range:
            first = max(view_range[0], 1)
            last = len(lines) if view_range[1] == -1 else min(view_range[1], len(lines))
            if first > last:
                return refused(f"not viewed: view_range {view_range} is outside {path}")
        body = "\n".join(f"{n}: {lines[n - 1]}" for n in range(first, last + 1))
        if len(body) > VIEW_CHARACTERS:
            body = body[:VIEW_CHARACTERS] + "\n[... cut at the view limit: use view_range]"
        if len(body) > self.view_budget:
            return refused(
                f"not viewed: {path} is {len(body):,} characters and the view budget of this "
                f"phase has {self.view_budget:,} left; view a smaller view_range"
            )
        self.view_budget -= len(body)
        return Outcome(f"{path}, lines {first}-{last} of {len(lines)}:\n{body}")

    def _listing(self, folder: str) -> Outcome:
        prefix = folder + "/" if folder else ""
        present = {p for p in self.on_branch if not self.withheld(p)}
        present |= {p for p, text in self.files.items() if text is not None}
        present -= {p for p, text in self.files.items() if text is None}
        entries = sorted(p for p in present if p.startswith(prefix))
        shown = entries[:LISTING_LIMIT]
        more = f"\n... and {len(entries) - len(shown)} more" if len(entries) > len(shown) else ""
        where = folder or "the repository"
        return Outcome(f"files in {where}:\n" + "\n".join(shown) + more)

    def _skill_file(self, path: str) -> str | None:
        """A skill's SKILL.md or one of its references, by `skills/NAME/...`; None when the
        path is not one (a file of the repository by that path wins)."""
        parts = path.split("/")
        if len(parts) < 3 or parts[0] != "skills" or path in self.on_branch or path in self.files:
            return None
        skill = self.skills.get(parts[1])
        if skill is None or not path.endswith(".md"):
            return None
        folder = skill.folder.resolve()
        target = (folder / "/".join(parts[2:])).resolve()
        if folder not in target.parents or not target.is_file():
            return None
        return Path(target).read_text(encoding="utf-8", errors="replace")

    # ---------------------------------------------------------------- proposal
    def changes(self, notes: dict[str, FileNote], only: set[str] | None = None) -> list[FileChange]:
        """The working set as the proposal's changes (in the order first written)."""
        out = []
        for path, text in self.files.items():
            if only is not None and path not in only:
                continue
            note = notes.get(path)
            if text is None:
                if path not in self.on_branch:
                    continue
                action, content = "delete", ""
            else:
                action, content = ("modify" if path in self.on_branch else "create"), text
            out.append(
                FileChange(
                    path=path,
                    action=action,
                    content=content,
                    kind=note.kind if note else infer_kind(path),
                    why=note.why if note else "",
                )
            )
        return out


def _lines_of(text: str, piece: str) -> list[int]:
    found, at = [], text.find(piece)
    while at != -1 and len(found) < 10:
        found.append(text.count("\n", 0, at) + 1)
        at = text.find(piece, at + 1)
    return found


def _snippet(text: str, first: int, count: int) -> str:
    lines = text.splitlines()
    start = max(first - 2, 1)
    end = min(first + max(count, 1) + 1, len(lines), start + SNIPPET_LINES + count)
    shown = [f"{n}: {lines[n - 1]}" for n in range(start, end + 1)]
    if len(shown) > 2 * SNIPPET_LINES:
        shown = shown[:SNIPPET_LINES] + ["..."] + shown[-SNIPPET_LINES:]
    return "\n".join(shown)
