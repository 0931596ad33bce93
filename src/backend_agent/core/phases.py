"""The six phases of a build, in order, and what each one is for."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BadInput


@dataclass(frozen=True)
class Phase:
    number: int
    id: str
    title: str
    goal: str
    skills: tuple[str, ...]
    kinds: tuple[str, ...]
    """Artifact kinds the phase is expected to propose (see `FileChange.kind`)."""


PHASES: tuple[Phase, ...] = (
    Phase(
        1,
        "architecture",
        "Architecture",
        "Summarise the requirements, choose the architecture pattern (monolith, modular "
        "monolith, microservices or serverless) with its reasons, and record the decisions "
        "as ADRs.",
        ("architecture-patterns", "production-readiness"),
        ("doc", "adr"),
    ),
    Phase(
        2,
        "data-model",
        "Data model",
        "Design the schema — keys, constraints, indexes — as numbered SQL migrations, with an "
        "ER overview and ADRs for the choices.",
        ("supabase-postgres",),
        ("schema", "doc", "adr"),
    ),
    Phase(
        3,
        "service-layer",
        "Service layer",
        "Write the domain services, validation, error handling (RFC 9457 problem+json), "
        "authentication and authorization, with tests.",
        ("python-fastapi-patterns", "nodejs-patterns", "error-handling", "auth-patterns"),
        ("code", "test", "config"),
    ),
    Phase(
        4,
        "infrastructure",
        "Infrastructure",
        "Add structured logging with request ids, caching with invalidation, rate limiting, "
        "and health and readiness checks, with tests.",
        ("logging-observability", "caching", "rate-limiting"),
        ("code", "test", "config"),
    ),
    Phase(
        5,
        "hardening",
        "Production hardening",
        "Review security, add graceful shutdown, timeouts, metrics and monitoring, and "
        "configuration validation; write the security review.",
        ("production-readiness", "auth-patterns", "logging-observability"),
        ("code", "test", "config", "doc"),
    ),
    Phase(
        6,
        "documentation",
        "Documentation",
        "Write the README, the operations guide and the runbooks a team on call needs.",
        ("production-readiness", "logging-observability"),
        ("doc",),
    ),
)

PHASE_IDS = tuple(p.id for p in PHASES)

STACK_SKILLS = {"python": "python-fastapi-patterns", "typescript": "nodejs-patterns"}
"""Skills that only make sense for one language: a build in the other leaves them out."""


def phase(key: str | int) -> Phase:
    """A phase by number (1-6, or "3") or id ("data-model")."""
    for candidate in PHASES:
        if key == candidate.number or str(key) == str(candidate.number) or key == candidate.id:
            return candidate
    raise BadInput(
        f"there is no phase {key!r}",
        hint="phases are 1-6: " + ", ".join(f"{p.number} {p.id}" for p in PHASES),
    )


def parse_phase_range(text: str) -> list[Phase]:
    """Parse `--phases`: "1-6", "2", "1,3-4" or phase ids, in build order without repeats."""
    numbers: set[int] = set()
    for part in (p.strip() for p in text.split(",")):
        if not part:
            raise BadInput(f"--phases {text!r}: an empty item", hint="write e.g. --phases 1-6")
        if "-" in part and part[0].isdigit():
            low, _, high = part.partition("-")
            if not (low.isdigit() and high.isdigit()):
                raise BadInput(f"--phases {text!r}: {part!r} is not a range like 1-6")
            first, last = phase(int(low)).number, phase(int(high)).number
            if first > last:
                raise BadInput(f"--phases {text!r}: the range {part} runs backwards")
            numbers.update(range(first, last + 1))
        else:
            numbers.add(phase(int(part) if part.isdigit() else part).number)
    return [p for p in PHASES if p.number in numbers]
