"""`make bench`: run every benchmarks/bench_*.py and print its figures.

Each module has `run() -> list[Figure]`. Pass module names to run only some:
`python -m benchmarks engine`.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main(selected: list[str]) -> int:
    folder = Path(__file__).parent
    names = sorted(
        m.name for m in pkgutil.iter_modules([str(folder)]) if m.name.startswith("bench_")
    )
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected or n in selected]
    missed = 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"== {name.removeprefix('bench_')}", flush=True)
        for figure in module.run():
            print("  " + figure.line(), flush=True)
            missed += figure.ok is False
    print(f"{missed} target(s) missed" if missed else "all targets met")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
