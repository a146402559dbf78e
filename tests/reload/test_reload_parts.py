"""The pieces of hot reload that need no server: the reloader, the change filter, the pid registry."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from watchfiles import Change

from rbac_api.guarded import service_targets
from rbac_api.pidfiles import registered, servers
from rbac_api.policy import PolicyEngine, load_policy
from rbac_api.reload import PolicyReloader, is_policy_change, watched_paths
from tests.cli.runner import run
from tests.conftest import POLICY_DIR


def reloader(tmp_path: Path) -> PolicyReloader:
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    return PolicyReloader(PolicyEngine(load_policy(directory)), directory, service_targets())


def test_an_unchanged_directory_swaps_nothing(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    before = loader.engine.policy
    assert loader.reload() is False
    assert loader.engine.policy is before


def test_a_valid_change_is_swapped_in_whole(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    with (loader.directory / "roles.yaml").open("a") as roles:
        roles.write("  viewer:\n    description: Views documents\n    scopes: [documents:read]\n")
    assert loader.reload() is True
    assert "viewer" in loader.engine.policy.roles
    assert loader.error is None


def test_an_invalid_change_keeps_the_policy_and_records_every_problem(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    before = loader.engine.policy
    (loader.directory / "roles.yaml").write_text("default_role: nobody\n")
    assert loader.reload() is False
    assert loader.engine.policy is before
    assert loader.error is not None
    assert f"{loader.directory / 'roles.yaml'}:1: default_role 'nobody' is not a defined role" in loader.error


def test_changes_directly_in_the_directory_count_but_editor_scratch_files_do_not(tmp_path: Path) -> None:
    accept = is_policy_change(tmp_path)
    assert accept(Change.modified, str(tmp_path / "roles.yaml"))
    assert accept(Change.added, str(tmp_path / "..data"))  # a Kubernetes ConfigMap swap
    assert not accept(Change.modified, str(tmp_path / ".roles.yaml.swp"))
    assert not accept(Change.modified, str(tmp_path / "roles.yaml~"))
    assert not accept(Change.modified, str(tmp_path / "tests" / "default.yaml"))


def test_a_symlinked_directory_is_watched_from_its_parent_for_a_swap(tmp_path: Path) -> None:
    (tmp_path / "v1").mkdir()
    link = tmp_path / "policies"
    link.symlink_to(tmp_path / "v1")
    accept = is_policy_change(link)
    assert watched_paths(link) == [link, tmp_path]
    assert accept(Change.added, str(tmp_path / "." / "policies"))  # `mv -T policies.tmp policies`
    assert accept(Change.modified, str(link / "roles.yaml"))
    assert not accept(Change.added, str(tmp_path / "policies.tmp"))
    assert not accept(Change.modified, str(tmp_path / "other.yaml"))


def test_a_plain_directory_is_watched_alone(tmp_path: Path) -> None:
    assert watched_paths(tmp_path) == [tmp_path]


def test_a_registered_process_is_found_until_it_leaves(tmp_path: Path) -> None:
    with registered(tmp_path, POLICY_DIR):
        assert [server.pid for server in servers(tmp_path)] == [os.getpid()]
    assert servers(tmp_path) == []


def test_a_stale_pid_file_is_removed_never_signalled(tmp_path: Path) -> None:
    stale = tmp_path / "rbac-api-999999.pid"
    stale.write_text(json.dumps({"pid": 999_999, "started": "1", "policy_dir": "/x"}))
    reused = tmp_path / f"rbac-api-{os.getpid()}.pid"  # our pid, but another process's start time
    reused.write_text(json.dumps({"pid": os.getpid(), "started": "1", "policy_dir": "/x"}))
    assert servers(tmp_path) == []
    assert not stale.exists()
    assert not reused.exists()


def test_policy_reload_without_a_running_server_says_how_to_start_one(tmp_path: Path) -> None:
    result = run(tmp_path, "policy", "reload", "--pid-dir", str(tmp_path / "run"))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"rbac-api: no running rbac-api server is registered in {tmp_path / 'run'}; "
        "start one with 'rbac-api serve'"
    )
