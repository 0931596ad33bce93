"""Fixed modules of the generated service live as template files beside this module.

A template is the module's text with `{{name}}` holes; filling one that is missing, or
leaving one unfilled, is a bug in the generator, so both fail loudly.
"""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files

_HOLE = re.compile(r"\{\{([a-z][a-z0-9_]*)\}\}")


@cache
def _template(package: str, name: str) -> str:
    return (files(package) / "templates" / name).read_text(encoding="utf-8")


def fill(package: str, name: str, **values: str) -> str:
    """The template `name` of `package` with every `{{key}}` replaced by `values[key]`."""
    text = _template(package, name)
    wanted = set(_HOLE.findall(text))
    if wanted != set(values):
        raise KeyError(f"template {name}: holes {sorted(wanted)} but values {sorted(values)}")
    return _HOLE.sub(lambda m: values[m.group(1)], text)


def render(name: str, **values: str) -> str:
    """A template of the Python service (beside this module)."""
    return fill(__package__, name, **values)
