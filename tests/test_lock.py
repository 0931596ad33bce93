"""The dev/test lock (`constraints-dev.txt`) pins every dependency pyproject.toml declares.

`make test` and `.ci/run` install through it, so an upstream release cannot turn a fresh
clone red. A dependency added to pyproject.toml without `make lock` fails here, by name.
"""

from __future__ import annotations

import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .conftest import ROOT

LOCK = ROOT / "constraints-dev.txt"


def locked() -> dict[str, str]:
    pins: dict[str, str] = {}
    for line in LOCK.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            (spec,) = req.specifier
            assert spec.operator == "==", f"{line!r} in {LOCK.name} is not a pin"
            pins[canonicalize_name(req.name)] = spec.version
    return pins


def declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {}).values()
    return [Requirement(r) for r in [*project["dependencies"], *(r for e in extras for r in e)]]


def test_every_declared_dependency_is_pinned_within_its_range():
    pins = locked()
    assert {"anthropic", "pytest", "textual"} <= pins.keys()
    stale = [
        f"{req} (locked: {pins.get(canonicalize_name(req.name), 'missing')})"
        for req in declared()
        if canonicalize_name(req.name) not in pins
        or not req.specifier.contains(pins[canonicalize_name(req.name)], prereleases=True)
    ]
    assert not stale, f"{LOCK.name} is stale, run `make lock`: {stale}"
