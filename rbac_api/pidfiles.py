"""Serving processes register here, so `rbac-api policy reload` knows whom to send SIGHUP.

One file per process (`rbac-api-<pid>.pid`), so several workers and several servers can share a
directory. Each file also records the process's start time: a stale file whose pid was reused by another
program is recognised and removed, never signalled.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

#: Where `rbac-api serve` registers its processes unless RBAC_PID_DIR says otherwise.
DEFAULT_PID_DIR = Path("var/run")


@dataclass(frozen=True, slots=True)
class Server:
    pid: int
    policy_dir: str
    path: Path


@contextmanager
def registered(pid_dir: Path, policy_dir: Path) -> Iterator[Path]:
    """Register this process for as long as the block runs."""
    pid_dir.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    path = pid_dir / f"rbac-api-{pid}.pid"
    record = {"pid": pid, "started": _start_time(pid), "policy_dir": str(policy_dir.resolve())}
    path.write_text(json.dumps(record) + "\n")
    try:
        yield path
    finally:
        with suppress(OSError):
            path.unlink()


def servers(pid_dir: Path) -> list[Server]:
    """Registered processes still running; stale files are removed on the way."""
    found = []
    for path in sorted(pid_dir.glob("rbac-api-*.pid")) if pid_dir.is_dir() else []:
        try:
            record = json.loads(path.read_text())
            pid, started, policy_dir = int(record["pid"]), record["started"], str(record["policy_dir"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if _alive(pid) and _start_time(pid) == started:
            found.append(Server(pid, policy_dir, path))
        else:
            with suppress(OSError):
                path.unlink()
    return found


def send_reload(server: Server) -> bool:
    """SIGHUP to one server; False when it has gone in the meantime."""
    try:
        os.kill(server.pid, signal.SIGHUP)
    except ProcessLookupError:
        return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _start_time(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux /proc), to tell a reused pid from ours; None elsewhere."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22, counted after the command name, which is in parentheses and may itself hold spaces.
    return stat.rpartition(")")[2].split()[19]
