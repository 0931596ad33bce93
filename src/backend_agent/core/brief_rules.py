"""Rules of a brief that look at its relations as a whole, for every provider: a shape
no database could hold is refused when the brief is checked, not when a build is half
made."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol


class _Relation(Protocol):
    kind: str
    from_: str
    to: str
    required: bool


def required_cycle(relations: Sequence[_Relation]) -> tuple[int, str] | None:
    """The first required many-to-one that closes a cycle of required references (an
    entity required to point at itself included): (its index, the message), else None.
    No row of such a cycle can ever be inserted first."""
    required: dict[str, list[tuple[int, str]]] = {}
    for index, relation in enumerate(relations):
        if relation.kind == "many-to-one" and relation.required:
            required.setdefault(relation.from_, []).append((index, relation.to))

    def walk(name: str, path: list[str]) -> tuple[int, list[str]] | None:
        for index, target in required.get(name, []):
            if target == path[0]:
                return index, [*path, target]
            if target not in path and (found := walk(target, [*path, target])):
                return found
        return None

    for start in sorted(required):
        found = walk(start, [start])
        if found:
            index, cycle = found
            message = (
                "required relations form a cycle (" + " -> ".join(cycle) + "): no row could "
                "ever be inserted first; make one of them optional (required = false)"
            )
            if len(cycle) == 2:
                message = (
                    f"required relations form a cycle ({cycle[0]} -> {cycle[0]}): a required "
                    f"reference of {cycle[0]} to itself means the first {cycle[0]} could never "
                    "be inserted; make it optional (required = false)"
                )
            return index, message
    return None
