"""A throwaway PostgreSQL cluster for the test suite: `python -m tests.pg_cluster start|stop DIR`.

Uses the `initdb`/`pg_ctl` binaries on PATH (Debian: `apt-get install -y postgresql`), listens on 127.0.0.1
only, trusts local connections, and keeps nothing: the data directory lives in DIR and goes with it. The
PostgreSQL server refuses to run as root, so as root the cluster belongs to the `postgres` user.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
from pathlib import Path

BINARIES = ("initdb", "pg_ctl", "postgres")
INSTALL_HINT = (
    "install PostgreSQL's server binaries (Debian: apt-get install -y postgresql) and put them on PATH"
)


class ClusterError(Exception):
    """The cluster could not start; the message says why and what to do."""


def missing_binaries() -> list[str]:
    return [name for name in BINARIES if shutil.which(name) is None]


def _as_owner(argv: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return argv
    return ["runuser", "-u", "postgres", "--", *argv]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start(directory: Path) -> str:
    """Start a cluster in `directory` and return the URL of its `postgres` database (superuser)."""
    missing = missing_binaries()
    if missing:
        raise ClusterError(f"{', '.join(missing)} not found: {INSTALL_HINT}")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(directory, user.pw_uid, user.pw_gid)
    data = directory / "data"
    _run(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"], "initdb")
    (directory / "port").write_text(str(_free_port()))
    resume(directory)
    return url(directory)


def resume(directory: Path) -> None:
    """Start the stopped cluster in `directory` again, on the port it had (as a server restarted after a
    crash: `stop` shuts it down immediately, like a power cut)."""
    data, log, port = directory / "data", directory / "log", (directory / "port").read_text().strip()
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {directory} -c fsync=off -c max_connections=300"
    _run(
        ["pg_ctl", "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"], "pg_ctl start"
    )


def url(directory: Path) -> str:
    port = (directory / "port").read_text().strip()
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"


def stop(directory: Path) -> None:
    data = directory / "data"
    if data.exists():
        _run(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"], "pg_ctl stop")


def _run(argv: list[str], what: str) -> None:
    done = subprocess.run(_as_owner(argv), capture_output=True, text=True, check=False)  # noqa: S603
    if done.returncode != 0:
        raise ClusterError(
            f"{what} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-2000:]}"
        )


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("start", "stop", "url"):
        print("usage: python -m tests.pg_cluster start|stop|url DIR", file=sys.stderr)
        return 2
    action, directory = argv[0], Path(argv[1]).resolve()
    try:
        if action == "start":
            print(start(directory))
        elif action == "url":
            print(url(directory))
        else:
            stop(directory)
    except ClusterError as exc:
        print(f"PostgreSQL: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
