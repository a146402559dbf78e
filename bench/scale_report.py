"""`python -m bench scale`: the scale benchmark on its own (loading a million users takes minutes), written
as one section of docs/benchmarks.md between markers, so that `make bench` and this command each rewrite only
their own part of the file."""

from __future__ import annotations

import argparse
import datetime
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import report, scale_figures
from bench.load import REPO
from bench.report import Section
from tests import pg_cluster

BEGIN = "<!-- scale: written by `python -m bench scale`; make bench keeps it -->"
END = "<!-- /scale -->"


def main(argv: list[str], machine: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__)
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (default 7)")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per HTTP run (default 5)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args(argv)
    if pg_cluster.missing_binaries():
        sys.exit(f"bench scale needs {', '.join(pg_cluster.missing_binaries())}: {pg_cluster.INSTALL_HINT}")
    from bench import scale

    started, load_start = time.monotonic(), _load_average()
    with tempfile.TemporaryDirectory(prefix="rbac-bench-scale-") as tmp:
        section = scale.user_scale(Path(tmp), args.rounds, args.seconds)
    heading = _heading(argv, started, (load_start, _load_average()), machine)
    text = args.out.read_text() if args.out.exists() else "# Benchmarks\n"
    args.out.write_text(replace_section(text, _render(section, heading, list(scale.SIZES))))
    print(report.table([section]))
    print(f"written to {args.out}", file=sys.stderr)


def kept_section(text: str) -> str:
    """The scale section of an existing document ('' when it has none), for `make bench` to carry over."""
    if BEGIN not in text or END not in text:
        return ""
    return text[text.index(BEGIN) : text.index(END) + len(END)]


def replace_section(text: str, section: str) -> str:
    old = kept_section(text)
    if old:
        return text.replace(old, section)
    return text.rstrip("\n") + "\n\n" + section + "\n"


def _render(section: Section, heading: list[str], users: list[int]) -> str:
    return "\n".join(
        [
            BEGIN,
            "",
            "## Scale: a million users on PostgreSQL",
            "",
            *heading,
            "",
            "The headline ratios (1.00x: no change; times lower is cheaper, throughput higher is faster), "
            "from the full table below:",
            "",
            *scale_figures.summary(section, users),
            "",
            report.table([section]),
            "",
            report.notes([section]).replace("### ", "### What made the figures what they are: ", 1),
            END,
        ]
    )


def _heading(argv: list[str], started: float, loads: tuple[str, str], machine: list[str]) -> list[str]:
    minutes = (time.monotonic() - started) / 60
    command = ".venv/bin/python -m bench scale " + " ".join(argv)
    if os.environ.get("BENCH_VIA_MAKE"):
        command = "make bench-scale" + (f' BENCH_ARGS="{" ".join(argv)}"' if argv else "")
    return [
        f"- Command: `{command.strip()}` ({minutes:.1f} minutes, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC); it starts and removes its own "
        "PostgreSQL cluster (tests/pg_cluster.py; needs `initdb`, `pg_ctl`, `postgres`, `wrk`, `taskset`).",
        *machine,
        f"- Load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[1]}. The machine (2 cores) "
        "was shared with other sessions running test suites during the run.",
    ]


def _load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])
