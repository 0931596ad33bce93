"""The shape of a benchmark figure and the helpers every bench module uses.

A figure is a measurement next to a baseline taken in the same run on the same machine,
so the ratio means something even on a noisy CI box; absolute targets are reported too.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    target: str = ""
    """What good looks like, e.g. "< 1 s and <= 3x baseline"."""
    ok: bool | None = None

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline

    def line(self) -> str:
        text = f"{self.name:<58} {self.value:>10.3f} {self.unit:<3}"
        if self.baseline is not None:
            text += f"  baseline {self.baseline_name}: {self.baseline:.3f} {self.unit}"
            text += f"  ratio {self.ratio:.2f}x"
        if self.target:
            verdict = {True: "ok", False: "MISSED", None: ""}[self.ok]
            text += f"  target {self.target} {verdict}"
        return text


def best_of(fn: Callable[[], object], repeat: int = 3) -> float:
    """Seconds of the fastest of `repeat` runs: the least disturbed by the machine."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(fn: Callable[[], object], repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
