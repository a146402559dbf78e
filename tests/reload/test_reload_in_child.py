"""A large policy is checked in a child process and unpacked between requests: same verdicts, same
errors, same policy as a reload in a thread; a child that fails leaves the reload to a thread."""

from __future__ import annotations

import logging
import pickle
import shutil
import sys
import weakref
from dataclasses import replace
from pathlib import Path

import anyio
import pytest

from rbac_api import reload as reload_module
from rbac_api.guarded import service_targets
from rbac_api.policy import PolicyEngine, load_policy
from rbac_api.reload import OFFLOAD_BYTES, PolicyReloader, reload_gently
from tests.conftest import POLICY_DIR


def reloader(tmp_path: Path, *, offload_bytes: int = 0) -> PolicyReloader:
    """A reloader of a copy of the shipped policy; by default every reload goes to a child."""
    directory = tmp_path / "policies"
    shutil.copytree(POLICY_DIR, directory, ignore=shutil.ignore_patterns("tests"))
    engine = PolicyEngine(load_policy(directory))
    return PolicyReloader(engine, directory, service_targets(), offload_bytes=offload_bytes)


def add_role(directory: Path, name: str) -> None:
    with (directory / "roles.yaml").open("a") as roles:
        roles.write(f"  {name}:\n    description: Views documents\n    scopes: [documents:read]\n")


def test_a_valid_change_checked_in_a_child_is_put_in_force(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    add_role(loader.directory, "viewer")
    assert anyio.run(reload_gently, loader) is True
    served = loader.engine.policy
    assert served == replace(load_policy(loader.directory), loaded_at=served.loaded_at)
    assert loader.error is None


def test_the_replaced_policy_is_gone_before_its_entries_are_freed_a_few_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Kept alive while its entries were released, the policy freed them all at once when it went: a
    5-10 ms stall of the event loop per reload of a 1,000-role policy."""
    loader = reloader(tmp_path)
    replaced = weakref.ref(loader.engine.policy)
    roles = {id(role) for role in loader.engine.policy.roles.values()}
    seen: list[tuple[bool, bool]] = []
    release = reload_module._release_between_requests

    async def observed(pieces: list[object]) -> None:
        seen.append((replaced() is None, roles <= {id(piece) for piece in pieces}))
        await release(pieces)
        assert pieces == []

    monkeypatch.setattr(reload_module, "_release_between_requests", observed)
    add_role(loader.directory, "viewer")
    assert anyio.run(reload_gently, loader) is True
    assert seen == [(True, True)]


def test_an_unchanged_policy_checked_in_a_child_swaps_nothing(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    before = loader.engine.policy
    assert anyio.run(reload_gently, loader) is False
    assert loader.engine.policy is before


def test_a_child_rejects_with_the_errors_a_thread_gives(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    before = loader.engine.policy
    (loader.directory / "roles.yaml").write_text("default_role: nobody\n")
    assert anyio.run(reload_gently, loader) is False
    in_child = loader.error
    assert loader.engine.policy is before
    assert loader.reload() is False
    assert in_child == loader.error
    assert in_child is not None
    assert "roles.yaml:1: default_role 'nobody' is not a defined role" in in_child


def test_a_scope_the_code_requires_is_checked_in_the_child_too(tmp_path: Path) -> None:
    loader = reloader(tmp_path)
    scopes = loader.directory / "scopes.yaml"
    scopes.write_text(scopes.read_text().replace("users:read:", "users:peek:"))
    assert anyio.run(reload_gently, loader) is False
    assert loader.error is not None
    assert "users:read" in loader.error


def test_a_small_policy_is_reloaded_in_a_thread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loader = reloader(tmp_path, offload_bytes=OFFLOAD_BYTES)
    assert loader.files_size() < OFFLOAD_BYTES
    add_role(loader.directory, "viewer")
    monkeypatch.setattr(reload_module, "CHILD_CODE", "import sys; sys.exit('no child expected')")
    assert anyio.run(reload_gently, loader) is True
    assert "viewer" in loader.engine.policy.roles


def test_concurrent_reloads_end_with_the_newest_files(tmp_path: Path) -> None:
    loader = reloader(tmp_path)

    async def both() -> None:
        async with anyio.create_task_group() as tasks:
            add_role(loader.directory, "viewer")
            tasks.start_soon(reload_gently, loader)
            await anyio.sleep(0.05)
            add_role(loader.directory, "watcher")
            tasks.start_soon(reload_gently, loader)

    anyio.run(both)
    assert {"viewer", "watcher"} <= set(loader.engine.policy.roles)


def unpicklable() -> bytes:  # an application's route with a check of a type of its own
    raise pickle.PicklingError("Can't pickle <class 'app.checks.IpCheck'>")


#: Ways a child fails (what is patched in `rbac_api.reload`, or on the reloader), and the warning logged.
FAILURES = {
    "cannot start": ({"sys.executable": "/nonexistent/python"}, "policy check in a child process failed"),
    "dies": ({"CHILD_CODE": "import sys; sys.exit('out of memory')"}, "exit status 1: out of memory"),
    "too slow": (
        {"CHILD_CODE": "import time; time.sleep(30)", "CHILD_TIMEOUT_SECONDS": 0.5},
        "timed out after 0.5 seconds",
    ),
    "targets not picklable": ({"reloader.pickled_targets": unpicklable}, "cannot be sent to it"),
}


@pytest.mark.parametrize("failure", FAILURES)
def test_a_child_that_fails_leaves_the_reload_to_a_thread_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, failure: str
) -> None:
    loader = reloader(tmp_path)
    patches, warning = FAILURES[failure]
    for name, value in patches.items():
        owner, _, attribute = name.rpartition(".")
        target = {"sys": sys, "reloader": loader, "": reload_module}[owner]
        monkeypatch.setattr(target, attribute, value)
    add_role(loader.directory, "viewer")
    with caplog.at_level(logging.WARNING, "rbac_api.reload"):
        assert anyio.run(reload_gently, loader) is True
    assert "viewer" in loader.engine.policy.roles
    assert warning in caplog.text
