"""`python -m bench`: every row of issue 5, side by side in one run, written to docs/benchmarks.md.

`python -m bench scale`: the scale benchmark (a million users on PostgreSQL), its own section of that file.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench import (
    cli_startup,
    gql,
    lifecycle,
    micro,
    objects,
    overhead,
    policy_size,
    report,
    rest,
    scale_report,
    storm,
)
from bench.findings import FINDINGS
from bench.load import REPO, SERVICE
from bench.report import Section
from bench.stats import MAX_TRUSTED_SPREAD

PACKAGES = (
    "fastapi",
    "starlette",
    "pydantic",
    "pyjwt",
    "casbin",
    "uvicorn",
    "uvloop",
    "httptools",
    "strawberry-graphql",
    "graphql-core",
    "sqlmodel",
    "sqlalchemy",
    "bcrypt",
    "libpass",
    "PyYAML",
)


def _rows(args: argparse.Namespace, workdir: Path) -> dict[str, Callable[[], Section]]:
    r, s = args.rounds, args.seconds
    return {
        "1": lambda: micro.decision(workdir / "1", max(r, 7)),
        "2": lambda: micro.tokens(workdir / "2", max(r, 7)),
        "3": lambda: rest.rest_throughput(workdir / "3", r, s),
        "4": lambda: gql.graphql_throughput(workdir / "4", r, s),
        "5": lambda: gql.field_guards(workdir / "5", r, s),
        "6": lambda: storm.login_storm(workdir / "6", r, s + 1),
        "7": lambda: policy_size.section(workdir / "7", r, s),
        "9": lambda: lifecycle.lifecycle_overhead(workdir / "9", r, s),
        "8": lambda: cli_startup.section(workdir / "8", r),
        "10": lambda: objects.section(workdir / "10", r),
        "11": lambda: overhead.section(workdir / "11", r, s),
    }


def _machine() -> list[str]:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    wrk = (
        subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
        .stdout.split("[")[0]
        .strip()
    )
    versions = ", ".join(f"{name} {_version(name)}" for name in PACKAGES)
    return [
        f"- CPU: {model}, {os.cpu_count()} cores (`os.cpu_count()`); Linux {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); {versions}",
        f"- Load generator: {wrk or 'wrk'} (Debian package); server: uvicorn, 1 worker, uvloop + httptools",
    ]


def _version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def _document(sections: list[Section], command: str, started: float, loads: tuple[str, str]) -> str:
    missed = [
        f"- {s.number}. {f.name}: {f.value} vs target {f.target} ({f.ratio})"
        for s in sections
        for f in s.figures
        if f.met.startswith("**no**")
    ]
    noisy = [
        f"- {s.number}. {f.name}: {f.met.split('⚠', 1)[1].strip()}"
        for s in sections
        for f in s.figures
        if "⚠" in f.met
    ]
    minutes = (time.monotonic() - started) / 60
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/, not part of CI). Rerun it on your machine: ratios are what count; "
        "absolute figures depend on the machine and on whatever else runs on it.",
        "",
        f"- Command: `{command}` ({minutes:.1f} minutes, "
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC)",
        *_machine(),
        f"- Load average (1, 5, 15 min) at start: {loads[0]}; at end: {loads[1]}. This machine is shared: "
        "other work ran during the run, which is why pairs are interleaved and spreads reported.",
        f"- Service under test: `{SERVICE}` = `create_app(Settings(), routers=[bench router])`.",
        "",
        "How to read the table: each figure is the **median** over rounds; a ratio is computed **per round** "
        "from interleaved runs (A, B, A, B, ...) and its median and min-max range are shown; *spread* is "
        "the min-max range as % of the median. A row is flagged ⚠ when its spread exceeds "
        f"{MAX_TRUSTED_SPREAD:g}% (too wide to trust) or when its range crosses the target (the verdict "
        "could flip on another run).",
        "",
        report.table(sections),
        "",
        "## Targets not met",
        "",
        *(missed or ["- none"]),
        "",
        "## Figures too noisy to trust in this run",
        "",
        *(noisy or ["- none"]),
        "",
        "## What made each figure what it is",
        "",
        report.notes(sections),
        FINDINGS.strip(),
        "",
    ]
    return "\n".join(parts)


def _preflight(rows: set[str]) -> None:
    load_rows = rows & {"3", "4", "5", "6", "7", "9", "11", "scale"}
    missing = [tool for tool in ("wrk", "taskset") if load_rows and shutil.which(tool) is None]
    if missing:
        sys.exit(f"bench needs {' and '.join(missing)} on PATH: apt-get install -y wrk util-linux")
    try:
        import casbin  # noqa: F401
    except ImportError:
        sys.exit("bench needs pycasbin: .venv/bin/pip install -e '.[dev,bench]' (make bench does it)")


def main() -> None:
    if sys.argv[1:2] == ["scale"]:
        _preflight({"scale"})
        scale_report.main(sys.argv[2:], _machine())
        return
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per pair (default 5)")
    parser.add_argument("--seconds", type=float, default=5, help="seconds per HTTP run (default 5)")
    parser.add_argument("--rows", default="1,2,3,4,5,6,7,8,9", help="comma-separated rows (default: all)")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = parser.parse_args()
    _preflight({number.strip() for number in args.rows.split(",")})
    started = time.monotonic()
    load_start = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    sections = []
    with tempfile.TemporaryDirectory(prefix="rbac-bench-") as tmp:
        rows = _rows(args, Path(tmp))
        for number in args.rows.split(","):
            print(f"row {number} ...", file=sys.stderr, flush=True)
            begun = time.monotonic()
            sections.append(rows[number.strip()]())
            print(f"row {number}: {time.monotonic() - begun:.0f} s", file=sys.stderr, flush=True)
    load_end = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    command = (
        "make bench" if os.environ.get("BENCH_VIA_MAKE") else "python -m bench " + " ".join(sys.argv[1:])
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    kept = scale_report.kept_section(args.out.read_text()) if args.out.exists() else ""
    document = _document(sections, command.strip(), started, (load_start, load_end))
    args.out.write_text(document + ("\n" + kept + "\n" if kept else ""))
    print(report.table(sections))
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
