"""Row 9: what the token lifecycle (sessions, the revocation set, throttling) costs `GET /users/me`.

The same request against the service as it was before that work (commit bb5b93c, tagged
`before-token-lifecycle`; or BENCH_BASELINE_REV) and as it is now: two uvicorn processes with identical
settings on one database, the same repeated token, interleaved wrk rounds. Target: within 5% (issue 9).
"""

from __future__ import annotations

import io
import os
import subprocess
import tarfile
from pathlib import Path

from bench import report
from bench.fixtures import environment, install, settings_values
from bench.load import REPO, SERVICE, Server, WrkResult, wrk
from bench.report import Figure, Section
from bench.stats import Series, judge, ratio

CONNECTIONS = 64
#: main just before issue 9, by hash: a clone need not carry the tag.
BASELINE = os.environ.get("BENCH_BASELINE_REV", "bb5b93c")


def checkout(revision: str, into: Path) -> Path:
    """The tree of `revision`, unpacked (no worktree to clean up); the baseline runs from there."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", revision], cwd=REPO, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def _baseline_env(env: dict[str, str], before: Path) -> dict[str, str]:
    """The baseline's own code and its own shipped policy: today's policy files use keys (object rules,
    resource types) that the code of then refuses."""
    return {**env, "PYTHONPATH": str(before), "RBAC_POLICY_DIR": str(before / "policies")}


def lifecycle_overhead(workdir: Path, rounds: int, seconds: float) -> Section:
    values = settings_values(workdir)
    installation = install(values)
    auth = {"Authorization": f"Bearer {installation.mint(1)[0]}"}
    before = checkout(BASELINE, workdir / "baseline")
    env = environment(values)
    with (
        Server(SERVICE, env, cpus="0", log=workdir / "now.log") as now,
        Server(SERVICE, _baseline_env(env, before), cpus="0", log=workdir / "before.log", cwd=before) as then,
    ):
        for server in (now, then):
            status, body = server.request("GET", "/users/me", auth)
            if status != 200:
                raise RuntimeError(f"GET /users/me answered {status}: {body[:200]!r}")
        runs: dict[str, list[WrkResult]] = {"now": [], "before": []}
        urls = {"now": now.url + "/users/me", "before": then.url + "/users/me"}
        for url in urls.values():  # warm-up
            wrk(url, seconds=1, connections=CONNECTIONS, headers=auth)
        for _ in range(rounds):
            for name, url in urls.items():
                result = wrk(url, seconds=seconds, connections=CONNECTIONS, headers=auth)
                if not result.ok:
                    raise RuntimeError(f"{name}: {result.bad} bad responses or errors")
                runs[name].append(result)
    return _section(runs, rounds, seconds)


def _section(runs: dict[str, list[WrkResult]], rounds: int, seconds: float) -> Section:
    rps = {name: Series(tuple(r.requests_per_second for r in results)) for name, results in runs.items()}
    r = ratio(rps["now"], rps["before"])
    section = Section(
        "9", "Token lifecycle: `GET /users/me` (repeated token) now vs before sessions/revocation"
    )
    section.figures.append(
        Figure(
            "repeated token: /users/me now vs before the token lifecycle",
            report.rate(rps["now"].median),
            f"{BASELINE}: {report.rate(rps['before'].median)}",
            report.times(r),
            report.spread(r),
            "≥ 0.95x",
            report.verdict(judge(r, at_least=0.95)),
        )
    )
    section.notes += [
        f"{rounds} rounds of {seconds:g} s, interleaved (now, before), after a 1 s warm-up of each; wrk "
        f"with {CONNECTIONS} connections pinned to core 1, each server pinned to core 0, idle while the "
        "other runs.",
        f"Baseline: the tree of `{BASELINE}` (`git archive`), run from its own directory with the same venv, "
        "settings, database and token (the old code ignores the `sid` claim it does not know).",
        "What the lifecycle adds per request with a repeated token: a monotonic-clock freshness check of the "
        "ended-session set and one set look-up of the token's `sid`; the set is re-read at most every "
        "`RBAC_USER_CACHE_SECONDS` (5 s). Login throttling and refresh rotation touch only `/token`.",
    ]
    return section
