"""What a one-sentence request asks for: "build a backend for a dog-walking marketplace".

The verb decides how far the build goes (designing the architecture stops after phase 1)
and sometimes the shape (a microservice); the rest of the sentence is the subject, which
names the project.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .brief import Brief, Project, Stack
from .controls import strip_controls
from .usage import Usage

_FORMS: tuple[tuple[str, str, str | None], ...] = (
    # (pattern with the connecting word as its one group, scope, architecture)
    (r"design (?:the |an |a )?architecture (for|of)", "architecture", None),
    (r"create (?:a |an )?micro-?service (for|to|that)", "all", "microservices"),
    (r"build (?:the |an |a )?api(?: layer)? (for|of|that)", "all", None),
    (r"set ?up (?:the |a )?(?:server|backend) (for|of|that)", "all", None),
    (
        r"(?:build|implement|create|make|write) (?:the |a |an )?(?:backend|service|server|api)"
        r"(?: service)? (for|of|that|to)",
        "all",
        None,
    ),
)
TRIGGER_PHRASES: tuple[str, ...] = (
    "build a backend for",
    "create a service for",
    "design the architecture for",
    "implement the backend for",
    "build the API layer for",
    "create a microservice for",
    "set up the server for",
)
"""How people ask for a backend; each is one of the forms above. The agent installed into
other tools (integrations/) carries them so those tools route such requests to it."""
_STOP = {"a", "an", "the", "and", "or", "of", "for", "to", "with", "that", "which", "my", "our"}


@dataclass(frozen=True)
class Intent:
    sentence: str
    subject: str
    """What to build, as the person said it: "a dog-walking marketplace"."""
    connector: str
    """The word joining it to "a backend": for, that, to, of."""
    scope: str
    """"architecture" stops after phase 1 unless the person goes on; "all" runs six phases."""
    architecture: str | None = None

    @property
    def last_phase(self) -> int:
        return 1 if self.scope == "architecture" else 6


def read_intent(sentence: str) -> Intent:
    text = " ".join(strip_controls(sentence).split())
    if not text:
        from .errors import BadInput

        raise BadInput(
            "the sentence is empty",
            hint='say what to build, e.g. "build a backend for a dog-walking marketplace"',
        )
    for pattern, scope, architecture in _FORMS:
        match = re.match(rf"^\s*(?:please\s+)?{pattern}\s+(.+)$", text, re.IGNORECASE)
        if match:
            subject = match.group(2).strip().rstrip(".!")
            return Intent(text, subject, match.group(1).lower(), scope, architecture)
    return Intent(text, text.rstrip(".!"), "for", "all")


def slug(subject: str) -> str:
    """A project name from the subject: "a dog-walking marketplace" → dog-walking-marketplace."""
    words = [w for w in re.findall(r"[a-z0-9]+", subject.lower()) if w not in _STOP]
    name = ""
    for word in words:
        candidate = f"{name}-{word}" if name else word
        if len(candidate) > 40:
            break
        name = candidate
    if not name or not name[0].isalpha():
        name = f"app-{name}" if name else "app"
    return name[:40].rstrip("-") if len(name) > 1 else "app"


DRAFTED_FROM = "# Drafted by backend-agent from:"
"""The first line of a drafted brief; the next holds the sentence, which `build` keeps."""


def drafted_sentence(text: str) -> str | None:
    """The sentence a brief was drafted from, if it still starts with the drafted header
    (deleting the header makes it an ordinary brief)."""
    head = text.splitlines()[:2]
    if len(head) == 2 and head[0].strip() == DRAFTED_FROM and head[1].startswith("#"):
        sentence = " ".join(head[1].lstrip("#").split())
        return sentence or None
    return None


@dataclass
class BriefDraft:
    """A brief drafted from a sentence, with what the drafter assumed and wants to ask."""

    brief: Brief
    assumptions: list[str] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    note: str = ""
    """What the person must add themselves (offline: the entities)."""
    sentence: str = ""
    usage: Usage = field(default_factory=Usage)
    """What drafting cost (nothing offline)."""

    def to_toml(self) -> str:
        """The brief as a file to review, its assumptions and questions as comments."""
        said = _one_line(self.sentence or self.brief.project.requirements)
        head = [DRAFTED_FROM, f"#   {said}"]
        for title, items in (("Assumed", self.assumptions), ("Open questions", self.questions)):
            if items:
                head += ["#", f"# {title}:", *[f"#   - {_one_line(item)}" for item in items]]
        if self.note:
            head += ["#", *[f"# {_one_line(line)}" for line in self.note.splitlines()]]
        body = self.brief.to_toml()
        if not self.brief.entities:
            body += ENTITY_EXAMPLE
        return "\n".join(head) + "\n\n" + body


def _one_line(text: str) -> str:
    """Comments are one line each: a line break in drafted text must not end the comment
    and turn the rest into TOML."""
    return " ".join(strip_controls(text).split())


ENTITY_EXAMPLE = """
# Add the entities of your domain, e.g.:
# [[entities]]
# name = "Walk"
# owned_by_user = true
# fields = [
#   { name = "starts_at", type = "datetime", required = true },
#   { name = "status", type = "enum", values = ["booked", "done"], default = "booked" },
# ]
"""


def offline_draft(intent: Intent) -> BriefDraft:
    """The part of a brief a sentence gives without a model: name, summary, requirements."""
    stack = Stack(architecture=intent.architecture) if intent.architecture else Stack()
    brief = Brief(
        project=Project(
            name=slug(intent.subject),
            summary=f"A backend {intent.connector} {intent.subject}",
            requirements=intent.sentence + "\n",
        ),
        stack=stack,
    )
    return BriefDraft(
        brief=brief,
        sentence=intent.sentence,
        note="Drafting entities needs the Anthropic provider: the offline generator cannot draft "
        "entities.\nAdd [[entities]] (and [[relations]]) below, or set ANTHROPIC_API_KEY so "
        "Claude drafts the whole brief.",
    )
