"""Row 6: latency of a protected GET while password logins (bcrypt) run flat out on other connections."""

from __future__ import annotations

import os
import statistics
import time
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import report
from bench.fixtures import PASSWORD, USERNAME, environment, install, settings_values
from bench.load import SERVICE, Server, WrkResult, wrk
from bench.report import Figure, Section
from bench.stats import Series, judge, ratio

PROBE_CONNECTIONS = 2
PROBE_DELAY_MS = 10
LOGIN_CONNECTIONS = 4
#: Logins start this long before the probe, and only completions after it count.
WARMUP = 1.0


def _bcrypt_seconds(hasher_verify: object, stored: str) -> float:
    """Median time of one bcrypt verification, single-threaded, in this process."""
    verify = hasher_verify
    times = []
    for _ in range(3):
        start = time.perf_counter()
        verify(PASSWORD, stored)  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _login_load(url: str, *, connections: int, seconds: float, warmup: float) -> tuple[float, int]:
    """Password logins on `connections` threads back to back; logins completed per second within the
    window [warmup, warmup + seconds] (no ramp-up or in-flight bias), and the number of failures."""
    body = urllib.parse.urlencode({"grant_type": "password", "username": USERNAME, "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    start = time.monotonic()
    stop = start + warmup + seconds + 1.0
    done: list[float] = []
    failures = [0]

    def worker() -> None:
        while time.monotonic() < stop:
            req = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")  # noqa: S310
            try:
                with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 (our loopback)
                    response.read()
                done.append(time.monotonic())
            except OSError:
                failures[0] += 1

    with ThreadPoolExecutor(connections) as pool:
        for _ in range(connections):
            pool.submit(worker)
    window = [t for t in done if start + warmup <= t < start + warmup + seconds]
    return len(window) / seconds, failures[0]


def login_storm(workdir: Path, rounds: int, seconds: float) -> Section:
    values = settings_values(workdir)  # bcrypt rounds 12, the default
    installation = install(values)
    rbac = installation.rbac
    found = rbac.users.credentials(USERNAME)
    assert found is not None
    stored = found.password_hash
    auth = {"Authorization": f"Bearer {installation.mint(1)[0]}"}
    probe_env = {"BENCH_DELAY_MS": str(PROBE_DELAY_MS)}
    cores = os.cpu_count() or 1
    samples: dict[str, list[float]] = {"idle p99": [], "storm p99": [], "logins": [], "bcrypt": []}
    storm_max: list[float] = []
    # Not pinned: the service may use both cores (bcrypt runs in worker threads, at most one per core).
    with Server(SERVICE, environment(values), cpus=None, log=workdir / "service.log") as server:
        probe_url, login_url = server.url + "/users/me", server.url + "/token"

        def probe() -> WrkResult:
            return wrk(
                probe_url,
                seconds=seconds,
                connections=PROBE_CONNECTIONS,
                script="paced.lua",
                headers=auth,
                env=probe_env,
                cpus=None,
            )

        def logins() -> tuple[float, int]:
            return _login_load(login_url, connections=LOGIN_CONNECTIONS, seconds=seconds, warmup=WARMUP)

        probe()  # warm-up
        with ThreadPoolExecutor(2) as pool:
            for _ in range(rounds):
                samples["bcrypt"].append(_bcrypt_seconds(rbac.hasher.verify_sync, stored))
                idle = probe()
                storm_logins = pool.submit(logins)
                time.sleep(WARMUP)  # the logins saturate the hashing threads first
                storm = probe()
                login_rate, failures = storm_logins.result()
                for result, name in ((idle, "idle"), (storm, "storm")):
                    if not result.ok:
                        raise RuntimeError(f"login storm, {name}: {result.bad} bad responses or errors")
                if failures:
                    raise RuntimeError(f"login storm: {failures} logins failed")
                samples["idle p99"].append(idle.p99)
                samples["storm p99"].append(storm.p99)
                storm_max.append(storm.max)
                samples["logins"].append(login_rate)
    s = {name: Series(tuple(values)) for name, values in samples.items()}
    slowdown = ratio(s["storm p99"], s["idle p99"])
    expected = Series(tuple(cores / b for b in s["bcrypt"].samples))
    throughput = ratio(s["logins"], expected)
    section = Section("6", "Login storm: protected GET latency while bcrypt logins run flat out")
    section.figures += [
        Figure(
            "p99 of GET /users/me during a login storm vs idle",
            report.seconds(s["storm p99"].median),
            f"idle p99 {report.seconds(s['idle p99'].median)}",
            report.times(slowdown),
            report.spread(slowdown),
            "≤ 4x",
            report.verdict(judge(slowdown, at_most=4)),
        ),
        Figure(
            "login throughput vs cores / bcrypt time",
            report.rate(s["logins"].median),
            f"{cores} / {report.seconds(s['bcrypt'].median)} = {report.rate(expected.median)}",
            report.times(throughput),
            report.spread(throughput),
            "≥ 0.9x",
            report.verdict(judge(throughput, at_least=0.9)),
        ),
        Figure(
            "slowest GET during the storm (max)",
            report.seconds(statistics.median(storm_max)),
        ),
    ]
    section.notes += [
        f"{rounds} rounds, each: time one bcrypt verification (rounds 12, median of 3, in the runner "
        f"process), then {seconds:g} s of the probe alone (idle), then {seconds:g} s of the probe while "
        f"{LOGIN_CONNECTIONS} client threads send password logins (`POST /token`, correct password) back "
        f"to back, started {WARMUP:g} s earlier.",
        f"Probe: wrk, {PROBE_CONNECTIONS} connections, each waiting {PROBE_DELAY_MS} ms between requests "
        "(a Lua `delay()`), so its latency is the service's, not queueing behind its own load; "
        "`GET /users/me` with a repeated token.",
        "The service is not pinned (both cores); wrk is not pinned either. bcrypt runs in worker threads "
        "through a CapacityLimiter of one per core (rbac_api/core/passwords.py), so the event loop stays "
        "free; bcrypt releases the GIL while hashing.",
        "Login throughput: logins completed per second inside the probe's window (completion times "
        "recorded by the client), so neither the ramp-up nor the logins in flight at the end bias it.",
    ]
    return section
