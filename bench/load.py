"""uvicorn processes pinned to CPUs, and wrk runs against them, parsed."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

REPO = Path(__file__).resolve().parent.parent
LUA = Path(__file__).resolve().parent / "lua"
#: The service's ASGI factory; BENCH_SERVICE_FACTORY swaps in a variant (see bench/variants.py).
SERVICE = os.environ.get("BENCH_SERVICE_FACTORY", "bench.apps:service")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """`uvicorn --factory <app>` in its own process, one worker, optionally pinned with `taskset`.

    The same uvicorn settings for every app: uvloop + httptools (uvicorn's `auto` with `uvicorn[standard]`),
    access log off unless `access_log` (then written to `log`), log level warning.
    """

    def __init__(
        self,
        factory: str,
        env: dict[str, str],
        *,
        cpus: str | None,
        log: Path,
        cwd: Path = REPO,
        access_log: bool = False,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        argv = [sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1"]
        argv += ["--port", str(self.port), "--workers", "1", "--log-level", "warning"]
        if not access_log:
            argv.append("--no-access-log")
        if cpus is not None:
            argv = ["taskset", "-c", cpus, *argv]
        self._log = log.open("ab")
        self._process = subprocess.Popen(
            argv, cwd=cwd, env={**os.environ, **env}, stdout=self._log, stderr=subprocess.STDOUT
        )
        self.pid = self._process.pid
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"server exited with {self._process.returncode}; see {self._log.name}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=1):  # noqa: S310 (our loopback)
                    return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start within {timeout:.0f} s; see {self._log.name}")

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, body: str | None = None
    ) -> tuple[int, bytes]:
        data = body.encode() if body is not None else None
        url = f"{self.url}{path}"
        req = urllib.request.Request(url, data=data, method=method, headers=headers or {})  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=10) as response:  # noqa: S310 (our loopback)
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def __enter__(self) -> Server:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._process.terminate()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._log.close()


@dataclass(frozen=True)
class WrkResult:
    requests_per_second: float
    p50: float
    p99: float
    max: float
    requests: int
    bad: int

    @property
    def ok(self) -> bool:
        return self.bad == 0 and self.requests > 0


_UNITS = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _seconds(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if match is None:
        raise RuntimeError(f"cannot read a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(
    url: str,
    *,
    seconds: float,
    connections: int,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    env: dict[str, str] | None = None,
    cpus: str | None = "1",
) -> WrkResult:
    """One wrk run (1 thread), `--latency`; `script` names a file in bench/lua/."""
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    if script is not None:
        argv += ["-s", str(LUA / script)]
    argv.append(url)
    if cpus is not None:
        argv = ["taskset", "-c", cpus, *argv]
    done = subprocess.run(argv, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=True)
    try:
        return parse_wrk(done.stdout)
    except RuntimeError as error:
        raise RuntimeError(f"{error}\n{' '.join(argv)}\n{done.stdout}\n{done.stderr}") from None


def parse_wrk(text: str) -> WrkResult:
    latency = re.search(r"^\s+Latency\s+(\S+)\s+(\S+)\s+(\S+)", text, re.MULTILINE)
    p50 = re.search(r"^\s+50%\s+(\S+)", text, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", text, re.MULTILINE)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    total = re.search(r"(\d+) requests in", text)
    if not (latency and p50 and p99 and rps and total):
        raise RuntimeError(f"cannot read wrk output:\n{text}")
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors:.*?(\d+).*?(\d+).*?(\d+).*?(\d+)", text)
    bad = int(non_2xx.group(1)) if non_2xx else 0
    if errors:
        bad += sum(int(n) for n in errors.groups())
    return WrkResult(
        requests_per_second=float(rps.group(1)),
        p50=_seconds(p50.group(1)),
        p99=_seconds(p99.group(1)),
        max=_seconds(latency.group(3)),
        requests=int(total.group(1)),
        bad=bad,
    )
