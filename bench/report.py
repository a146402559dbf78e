"""The figures of a run, and `docs/benchmarks.md` written from them."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.stats import Series, Verdict


@dataclass(frozen=True)
class Figure:
    """One line of the results table."""

    name: str
    value: str
    baseline: str = "-"
    ratio: str = "-"
    spread: str = "-"
    target: str = "-"
    met: str = "-"


@dataclass
class Section:
    """The figures of one row of issue 5, and what made them what they are."""

    number: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def seconds(value: float) -> str:
    if value < 1e-6:
        return f"{value * 1e9:.0f} ns"
    if value < 1e-3:
        return f"{value * 1e6:.2f} µs"
    if value < 1:
        return f"{value * 1e3:.2f} ms"
    return f"{value:.2f} s"


def rate(value: float) -> str:
    return f"{value:,.0f}/s" if value >= 100 else f"{value:.2f}/s"


def spread(series: Series) -> str:
    return f"{series.spread:.0f}%"


def times(series: Series) -> str:
    """A ratio, with its per-round range."""
    return f"{series.median:.2f}x ({series.low:.2f}-{series.high:.2f})"


def verdict(result: Verdict) -> str:
    text = "yes" if result.met else "**no**"
    return f"{text} ⚠ {result.flag}" if result.flag else text


def median_of(series: Series, unit: str = "s") -> str:
    return seconds(series.median) if unit == "s" else rate(series.median)


def table(sections: list[Section]) -> str:
    lines = [
        "| # | Figure | Value (median) | Baseline (median) | Ratio (per-round range) | Spread | Target "
        "| Met? |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for section in sections:
        for fig in section.figures:
            lines.append(
                f"| {section.number} | {fig.name} | {fig.value} | {fig.baseline} | {fig.ratio} | "
                f"{fig.spread} | {fig.target} | {fig.met} |"
            )
    return "\n".join(lines)


def notes(sections: list[Section]) -> str:
    parts = []
    for section in sections:
        parts.append(f"### {section.number}. {section.title}\n")
        parts.extend(f"- {note}" for note in section.notes)
        parts.append("")
    return "\n".join(parts)


def compare(
    name: str,
    value: Series,
    baseline: Series,
    baseline_label: str,
    *,
    at_most: float | None = None,
    at_least: float | None = None,
    unit: str = "s",
) -> Figure:
    """`value` against `baseline` (per-round ratio value / baseline), judged when a target is given."""
    from bench.stats import judge, ratio

    r = ratio(value, baseline)
    if at_most is not None:
        target, met = f"≤ {at_most:g}x", verdict(judge(r, at_most=at_most))
    elif at_least is not None:
        target, met = f"≥ {at_least:g}x", verdict(judge(r, at_least=at_least))
    else:
        target, met = "-", "-"
    return Figure(
        name,
        median_of(value, unit),
        f"{baseline_label} {median_of(baseline, unit)}",
        times(r),
        spread(r),
        target,
        met,
    )
