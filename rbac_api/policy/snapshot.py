"""A policy directory read as one snapshot: every file's bytes as they all were at one moment.

An admin saving `scopes.yaml` and then `roles.yaml`, or a deploy swapping a symlinked directory, changes
files while they are being read; a load that took some files from before the change and some from after
would put in force a policy nobody wrote (wildcards expanded against the new catalogue, say). So the
directory is resolved once (a symlink swapped meanwhile does not mix two targets), every file is listed and
read, and the listing with each file's inode, size and modification time is taken again afterwards: when
anything differs, the directory is read again after a short pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rbac_api.policy.model import Location
from rbac_api.policy.parse import policy_files
from rbac_api.policy.problems import PolicyError, Problem

#: How a file's bytes are read; a parameter so a test can change the directory between two reads.
Reader = Callable[[Path], bytes]
#: Reads of a directory that keeps changing before the change is refused, and the pause between them.
ATTEMPTS = 5
PAUSE_SECONDS = 0.1

_Stamps = dict[str, tuple[int, int, int]]


@dataclass(frozen=True, slots=True)
class SnapshotFile:
    """One policy file: the path to show in messages (under the directory as named), and its bytes or
    why they could not be read."""

    shown: Path
    data: bytes | None
    error: str | None = None


def read_snapshot(directory: Path, *, read: Reader = Path.read_bytes) -> list[SnapshotFile]:
    """Every policy file directly in `directory`, by name, all as they were at one moment.

    Raises:
        PolicyError: when the files were still changing after `ATTEMPTS` reads.
    """
    for attempt in range(ATTEMPTS):
        if attempt:
            time.sleep(PAUSE_SECONDS)
        files = _read_once(directory, read)
        if files is not None:
            return files
    message = (
        f"policy files kept changing while being read ({ATTEMPTS} tries); wait for the writes to finish, "
        "or deploy a change of several files as one symlinked directory swapped in a single rename"
    )
    raise PolicyError([Problem(Location(str(directory), 0), message)])


def _read_once(directory: Path, read: Reader) -> list[SnapshotFile] | None:
    """The files, or None when the directory changed while they were read."""
    target = directory.resolve()
    before = _stamps(target)
    if before is None:
        return None
    files = []
    for name in before:
        try:
            files.append(SnapshotFile(directory / name, read(target / name)))
        except FileNotFoundError:
            return None
        except OSError as error:
            files.append(SnapshotFile(directory / name, None, error.strerror or str(error)))
    if _stamps(target) != before or directory.resolve() != target:
        return None
    return files


def _stamps(target: Path) -> _Stamps | None:
    """Each policy file's name with its (inode, size, mtime in ns); None when one vanished meanwhile.

    `stat` follows symlinks, so a file that is a link into a swapped directory counts as changed too.
    """
    stamps: _Stamps = {}
    try:
        paths = policy_files(target)
    except FileNotFoundError:  # a directory swapped out and removed
        return None
    for path in paths:
        try:
            status = path.stat()
        except FileNotFoundError:
            return None
        stamps[path.name] = (status.st_ino, status.st_size, status.st_mtime_ns)
    return stamps
