"""The Brief screen's model: form fields plus the entities part as TOML text.

The form edits `[project]`, `[stack]` and `[targets]`; roles, entities and relations stay
TOML (a table of tables is clearer as text than as nested forms), kept verbatim from the
file so its comments survive. The brief is always the composed text, so validating it gives
exactly the errors `backend-agent brief check` gives for the saved file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, get_args

from ..core.brief import Brief, Stack, Targets, parse_brief
from ..core.errors import BadInput

SOURCE = "backend-brief.toml"
_TABLES_START = re.compile(r"^\s*\[\[\s*(roles|entities|relations)\s*\]\]", re.MULTILINE)
TABLES = ("roles", "entities", "relations")
TARGET_KEYS = tuple(Targets.model_fields)
STACK_CHOICES: dict[str, tuple[str, ...]] = {
    key: get_args(info.annotation) for key, info in Stack.model_fields.items()
}
STACK_DEFAULTS: dict[str, str] = {key: info.default for key, info in Stack.model_fields.items()}


@dataclass
class BriefForm:
    name: str = ""
    summary: str = ""
    requirements: str = ""
    stack: dict[str, str] = field(default_factory=lambda: dict(STACK_DEFAULTS))
    targets: dict[str, str] = field(default_factory=dict)
    """Target values as typed; numbers are converted when the brief is composed."""
    entities: str = ""

    @classmethod
    def from_text(cls, text: str) -> BriefForm:
        """Fill the form from a file's text; raises BadInput if it is not TOML at all."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise BadInput(f"{SOURCE}: not valid TOML: {exc}") from None
        project = data.get("project") if isinstance(data.get("project"), dict) else {}
        stack = data.get("stack") if isinstance(data.get("stack"), dict) else {}
        targets = data.get("targets") if isinstance(data.get("targets"), dict) else {}
        return cls(
            name=str(project.get("name", "")),
            summary=str(project.get("summary", "")),
            requirements=str(project.get("requirements", "")),
            stack={**STACK_DEFAULTS, **{k: str(v) for k, v in stack.items()}},
            targets={k: str(v) for k, v in targets.items()},
            entities=_entities_text(text, data) or BLANK_ENTITIES,
        )

    def compose(self) -> str:
        """The whole brief as TOML: what is validated, saved and built."""
        import tomli_w

        project = {"name": self.name.strip()}
        if self.summary.strip():
            project["summary"] = self.summary.strip()
        if self.requirements.strip():
            project["requirements"] = self.requirements.strip() + "\n"
        head: dict[str, Any] = {"project": project, "stack": dict(self.stack)}
        targets = {k: _number(v) for k, v in self.targets.items() if v.strip()}
        if targets:
            head["targets"] = targets
        text = tomli_w.dumps(head, multiline_strings=True)
        entities = self.entities.strip("\n")
        return text + ("\n" + entities + "\n" if entities else "")

    def entities_offset(self) -> int:
        """Line number (1-based) in `compose()` where the entities text begins, minus one."""
        text = self.compose()
        entities = self.entities.strip("\n")
        if not entities:
            return text.count("\n")
        return text[: text.rindex(entities)].count("\n")

    def validate(self) -> tuple[Brief | None, list[str]]:
        """The brief, or the problems exactly as the CLI reports them (one per line)."""
        try:
            return parse_brief(self.compose(), SOURCE), []
        except BadInput as error:
            lines = error.message.splitlines()
            problems = [ln.strip() for ln in lines[1:]] if len(lines) > 1 else [error.message]
            return None, problems


def _number(value: str) -> Any:
    text = value.strip()
    try:
        return int(text)
    except ValueError:
        return text


def _entities_text(text: str, data: dict[str, Any]) -> str:
    """The file's own roles/entities/relations text when they end the file; else re-written."""
    wanted = {k: data[k] for k in TABLES if k in data}
    if not wanted:
        return ""
    match = _TABLES_START.search(text)
    if match:
        tail = text[match.start() :]
        try:
            if tomllib.loads(tail) == wanted:
                return tail.strip("\n") + "\n"
        except tomllib.TOMLDecodeError:
            pass
    import tomli_w

    return tomli_w.dumps(wanted)


BLANK_ENTITIES = """\
# Roles, entities and relations; the offline generator needs at least one entity.
# [[roles]]
# name = "staff"
# [[entities]]
# name = "Bookmark"
# owned_by_user = true
# access = { read = "owner|staff" }
# fields = [
#   { name = "url", type = "url", required = true },
#   { name = "title", type = "string", max_length = 200 },
# ]
"""
