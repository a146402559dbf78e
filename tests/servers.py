"""Real `rbac-api serve` processes on free ports, each with its own directory, log and pid dir.

By default a server gets its own copy of the shipped policy and its own database (`tests.databases`: SQLite,
or PostgreSQL in the suite's PostgreSQL mode). Several servers share one installation by being given the
same `policy_dir` and `RBAC_DATABASE_URL`.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import ADMIN_PASSWORD, PASSWORD, POLICY_DIR, REPO, SECRET
from tests.databases import fresh_database_url

EXE = str(Path(sys.executable).parent / "rbac-api")
#: Seconds a server may take to answer its first /health: start-up imports and migrates, and a machine shared
#: with other test runs can be slow (a server that exits fails at once; only a hung one waits this long).
READY_SECONDS = 60.0
#: Give it as `verify=` to every httpx call or client aimed at a test server: unused over plain HTTP, but
#: httpx otherwise builds a context for each client it makes, loading the CA bundle (30 ms of CPU), and
#: the polling of /health alone makes hundreds of clients a run.
TLS = ssl.create_default_context()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], timeout: float = 10.0) -> float:
    """Poll `condition` until it holds, failing after `timeout` seconds; returns the seconds it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, f"timed out after {timeout} s"
        time.sleep(0.05)
    return time.monotonic() - start


#: Set (to anything) to start every server as a new interpreter instead of forking it from `tests.zygote`.
ZYGOTE_VARIABLE = "RBAC_TEST_NO_ZYGOTE"


class Forked:
    """A server forked by `tests.zygote`, answering what the tests ask of a `subprocess.Popen`."""

    def __init__(self, zygote: Zygote, pid: int, args: list[str]) -> None:
        self._zygote = zygote
        self.pid = pid
        self.args = args
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = self._zygote.ask({"poll": self.pid})["returncode"]
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(self.args, timeout or 0.0)
            time.sleep(0.02)
        return code

    def send_signal(self, number: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, number)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Zygote:
    """This test process's `tests.zygote` (see there why): started with the first server, ended at exit."""

    def __init__(self) -> None:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("RBAC_")}
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tests.zygote"],
            cwd=REPO,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self._lock = threading.Lock()
        atexit.register(self.close)

    def spawn(self, argv: list[str], env: dict[str, str], cwd: Path, log: Path) -> Forked:
        request = {"argv": argv, "env": env, "cwd": str(cwd), "log": str(log)}
        return Forked(self, int(self.ask({"spawn": request})["pid"]), argv)

    def ask(self, request: dict[str, Any]) -> dict[str, Any]:
        assert self._process.stdin is not None
        assert self._process.stdout is not None
        with self._lock:
            self._process.stdin.write(json.dumps(request).encode() + b"\n")
            self._process.stdin.flush()
            line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"tests.zygote exited with {self._process.wait()} (its error is above)")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        if self._process.stdin is not None:
            self._process.stdin.close()
        self._process.wait(timeout=30)


_zygotes: list[Zygote] = []


def zygote() -> Zygote:
    if not _zygotes:
        _zygotes.append(Zygote())
    return _zygotes[0]


@dataclass
class Server:
    """One running server; `edit` rewrites a policy file the way an admin's editor would."""

    root: Path
    url: str
    process: subprocess.Popen[str] | Forked
    policy_dir: Path
    env: dict[str, str]
    tokens: dict[str, str] = field(default_factory=dict)

    def get(self, path: str, token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.get(self.url + path, headers=headers, timeout=10, verify=TLS)

    def health(self) -> dict[str, Any]:
        body: dict[str, Any] = self.get("/health").json()
        return body

    def version(self) -> str:
        return str(self.health()["policy"]["version"])

    def login(self, username: str, password: str) -> httpx.Response:
        """The password grant, whatever its outcome."""
        form = {"grant_type": "password", "username": username, "password": password}
        return httpx.post(self.url + "/token", data=form, timeout=10, verify=TLS)

    def token(self, username: str, password: str) -> str:
        response = self.login(username, password)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    def add_user(self, username: str, *roles: str, password: str = PASSWORD) -> str:
        """Create a user through the API as admin; return a token for them."""
        admin = self.token("admin", ADMIN_PASSWORD)
        body = {"username": username, "password": password, "roles": list(roles)}
        response = httpx.post(
            self.url + "/users",
            json=body,
            headers={"Authorization": f"Bearer {admin}"},
            timeout=10,
            verify=TLS,
        )
        assert response.status_code == 201, response.text
        return self.token(username, password)

    def edit(self, name: str, change: Callable[[str], str]) -> None:
        path = self.policy_dir / name
        path.write_text(change(path.read_text()))

    def line_of(self, name: str, text: str) -> int:
        lines = (self.policy_dir / name).read_text().splitlines()
        return next(number for number, line in enumerate(lines, 1) if text in line)

    def wait_for(self, condition: Callable[[dict[str, Any]], bool], timeout: float = 5.0) -> float:
        """Poll /health until `condition` holds; returns the seconds it took."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if condition(self.health()):
                return time.monotonic() - start
            time.sleep(0.02)
        raise AssertionError(f"/health never satisfied the condition; last: {self.health()}")

    def worker_pids(self) -> set[int]:
        """Pids of the serving processes, from the files they register for `rbac-api policy reload`."""
        return {int(path.stem.rpartition("-")[2]) for path in (self.root / "run").glob("rbac-api-*.pid")}

    def log(self) -> str:
        return (self.root / "server.log").read_text()


def launch(
    root: Path,
    *args: str,
    command: Sequence[str] = (EXE, "serve"),
    policy_dir: Path | None = None,
    **env: str,
) -> Server:
    """`command --port P *args` with the `RBAC_*` settings of a test installation in `root`; not yet ready.

    `policy_dir` defaults to a copy of the shipped policy in `root`; `env` overrides any setting, such as
    `RBAC_DATABASE_URL` to share another server's database.
    """
    if policy_dir is None:
        policy_dir = root / "policies"
        if not policy_dir.exists():
            shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    port = free_port()
    database_url = env.get("RBAC_DATABASE_URL") or fresh_database_url(root)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("RBAC_")},
        "RBAC_DATABASE_URL": database_url,
        "RBAC_SECRET_KEY": SECRET,
        "RBAC_BCRYPT_ROUNDS": "4",
        "RBAC_POLICY_DIR": str(policy_dir),
        "RBAC_ADMIN_PASSWORD": ADMIN_PASSWORD,
        "RBAC_PID_DIR": str(root / "run"),
        **env,
    }
    argv = [*command, "--port", str(port), *args]
    process: subprocess.Popen[str] | Forked
    if tuple(command) == (EXE, "serve") and ZYGOTE_VARIABLE not in os.environ:
        process = zygote().spawn(argv, environment, root, root / "server.log")
    else:
        with (root / "server.log").open("w") as log:  # the child keeps its own copy of the descriptor
            process = subprocess.Popen(  # noqa: S603 (our own console script)
                argv, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT, text=True
            )
    return Server(root, f"http://127.0.0.1:{port}", process, policy_dir, environment)


def wait_ready(server: Server) -> Server:
    """Wait for the server's first 200 from /health; a server that exits or never answers fails the test."""
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise AssertionError(f"server exited with {server.process.returncode}:\n{server.log()}")
        try:
            if server.get("/health").status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.05)
    stop_server(server)
    raise AssertionError(f"server did not become ready:\n{server.log()}")


def start_server(
    root: Path,
    *args: str,
    command: Sequence[str] = (EXE, "serve"),
    policy_dir: Path | None = None,
    **env: str,
) -> Server:
    """`launch` and `wait_ready`: a server answering requests."""
    return wait_ready(launch(root, *args, command=command, policy_dir=policy_dir, **env))


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
