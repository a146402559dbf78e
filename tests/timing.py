"""Comparing how long two requests take, on a busy machine."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def median_ratio(first: Callable[[], object], second: Callable[[], object], *, rounds: int = 200) -> float:
    """The median time of `first` over the median time of `second`, run alternately `rounds` times each, so
    drift on a busy machine hits both alike."""
    timings: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for call, spent in zip((first, second), timings, strict=True):
            start = time.perf_counter()
            call()
            spent.append(time.perf_counter() - start)
    return statistics.median(timings[0]) / statistics.median(timings[1])
