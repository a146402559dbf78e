"""A policy directory is loaded as one snapshot: never some files from before a change and some after."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from rbac_api.policy import PolicyError, load_policy
from rbac_api.policy.snapshot import ATTEMPTS
from tests.conftest import POLICY_DIR

Reader = Callable[[Path], bytes]


def release(directory: Path) -> Path:
    """A copy of the shipped policy in `directory`."""
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    return directory


def save_reports_change(directory: Path) -> None:
    """An admin's change of two files: a new scope in scopes.yaml, then a role granting it in roles.yaml."""
    with (directory / "scopes.yaml").open("a") as scopes:
        scopes.write("  reports:read: Read reports\n")
    with (directory / "roles.yaml").open("a") as roles:
        roles.write("  analyst:\n    description: Reads reports\n    scopes: [reports:read]\n")


def once_after_first_read(action: Callable[[], None]) -> tuple[Reader, list[str]]:
    """A reader that runs `action` right after the first file is read, and the names it read, in order.

    Files are read by name, so roles.yaml comes before scopes.yaml: a change made then is half-read.
    """
    names: list[str] = []

    def read(path: Path) -> bytes:
        data = path.read_bytes()
        names.append(path.name)
        if len(names) == 1:
            action()
        return data

    return read, names


def test_a_change_made_while_the_files_are_read_is_read_again_whole(tmp_path: Path) -> None:
    directory = release(tmp_path / "policies")
    read, names = once_after_first_read(lambda: save_reports_change(directory))

    policy = load_policy(directory, read=read)

    assert names == ["objects.yaml", "roles.yaml", "scopes.yaml"] * 2
    assert "analyst" in policy.roles
    assert policy.version == load_policy(directory).version


def test_a_symlinked_directory_swapped_while_read_is_loaded_from_one_target(tmp_path: Path) -> None:
    old, new = release(tmp_path / "v1"), release(tmp_path / "v2")
    save_reports_change(new)
    link = tmp_path / "policies"
    link.symlink_to(old)

    def swap() -> None:
        (tmp_path / "policies.tmp").symlink_to(new)
        os.replace(tmp_path / "policies.tmp", link)

    read, _names = once_after_first_read(swap)
    assert load_policy(link, read=read).version == load_policy(new).version


def test_a_directory_that_keeps_changing_is_refused_with_the_fix(tmp_path: Path) -> None:
    directory = release(tmp_path / "policies")
    reads = 0

    def read_then_touch(path: Path) -> bytes:
        nonlocal reads
        reads += 1
        data = path.read_bytes()
        with path.open("a") as changed:
            changed.write(f"# save {reads}\n")
        return data

    with pytest.raises(PolicyError) as refused:
        load_policy(directory, read=read_then_touch)
    assert str(refused.value) == (
        f"{directory}:0: policy files kept changing while being read ({ATTEMPTS} tries); wait for the writes "
        "to finish, or deploy a change of several files as one symlinked directory swapped in a single rename"
    )
