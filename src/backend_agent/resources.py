"""Files shipped with the app (skills, styles, example briefs), found the same way whether
running from a source checkout or from an installed wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def data_dir(name: str) -> Path:
    """`skills`, `styles`, `examples` or `docs` (the brief format, for drafting prompts):
    inside the wheel they live under `_data/`, in a checkout at the repository's top level."""
    for candidate in (_PACKAGE / "_data" / name, _PACKAGE.parents[1] / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"backend-agent is installed without its {name}/ folder")


def stylesheet(name: str) -> Path:
    """A screen's own stylesheet (`styles/NAME.tcss`), loaded when the screen first opens."""
    return data_dir("styles") / f"{name}.tcss"


def example_brief(name: str) -> Path:
    path = data_dir("examples") / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in data_dir("examples").glob("*.toml"))
        from .core.errors import BadInput

        raise BadInput(
            f"there is no example brief {name!r}", hint=f"choose one of {', '.join(known)}"
        )
    return path
