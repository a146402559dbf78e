"""Interleaved rounds, medians and spreads: the arithmetic every row shares."""

from __future__ import annotations

import statistics
import time
import timeit
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

#: A figure whose min-max range is wider than this (as % of its median) is flagged as too noisy to trust.
MAX_TRUSTED_SPREAD = 20.0


@dataclass(frozen=True)
class Series:
    """Samples of one figure, one per round."""

    samples: tuple[float, ...]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Min-max range as % of the median."""
        med = self.median
        return 100.0 * (max(self.samples) - min(self.samples)) / med if med else 0.0

    @property
    def low(self) -> float:
        return min(self.samples)

    @property
    def high(self) -> float:
        return max(self.samples)


def ratio(numerator: Series, denominator: Series) -> Series:
    """Per-round ratios of two interleaved series (paired, so slow rounds cancel out)."""
    return Series(tuple(a / b for a, b in zip(numerator.samples, denominator.samples, strict=True)))


def interleave(cases: Mapping[str, Callable[[], float]], rounds: int) -> dict[str, Series]:
    """Run each case once per round, in turn (A, B, A, B, ...), collecting one sample per round."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, case in cases.items():
            samples[name].append(case())
    return {name: Series(tuple(values)) for name, values in samples.items()}


def per_call(function: Callable[[], object], calls: int) -> float:
    """Seconds per call of `function`, over `calls` calls."""
    start = time.perf_counter()
    for _ in range(calls):
        function()
    return (time.perf_counter() - start) / calls


def statement(code: str, names: dict[str, Any], budget: float) -> Callable[[], float]:
    """A sample function: seconds per execution of `code`, timed by `timeit` (an inlined loop, so
    sub-microsecond figures carry no call overhead of the harness). Each sample is the best of 3 repeats
    of about budget/3 seconds, as `timeit` recommends: on a shared machine the slower repeats measure the
    neighbours, not the code."""
    timer = timeit.Timer(code, globals=names)
    calls, _ = timer.autorange()
    elapsed = timer.timeit(calls)
    calls = max(1, int(calls * budget / 3 / elapsed)) if elapsed else calls
    return lambda: min(timer.repeat(3, calls)) / calls


def calibrate(function: Callable[[], object], budget: float, *, limit: int = 2_000_000) -> int:
    """How many calls of `function` take about `budget` seconds (at least one)."""
    calls = 1
    while calls < limit:
        start = time.perf_counter()
        for _ in range(calls):
            function()
        elapsed = time.perf_counter() - start
        if elapsed > budget / 10:
            return max(1, min(limit, int(calls * budget / elapsed)))
        calls *= 4
    return limit


@dataclass(frozen=True)
class Verdict:
    met: bool
    flag: str


def judge(figure: Series, *, at_most: float | None = None, at_least: float | None = None) -> Verdict:
    """Whether the median meets the target, and a flag when the spread is too wide to trust the answer."""
    if (at_most is None) == (at_least is None):
        raise ValueError("give exactly one of at_most / at_least")
    met = figure.median <= at_most if at_most is not None else figure.median >= (at_least or 0.0)
    target = at_most if at_most is not None else at_least
    assert target is not None
    flags = []
    if figure.spread > MAX_TRUSTED_SPREAD:
        flags.append(f"spread {figure.spread:.0f}% too wide to trust")
    if figure.low <= target <= figure.high:
        flags.append("range crosses target")
    return Verdict(met, "; ".join(flags))
