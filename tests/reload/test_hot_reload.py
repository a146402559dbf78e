"""Hot reload through a running `rbac-api serve` process: edit the policy, watch decisions change."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from rbac_api.policy import load_policy
from tests.conftest import ADMIN_PASSWORD, POLICY_DIR
from tests.servers import EXE, TLS, Server, wait_until


def drop_users_read_from_auditor(text: str) -> str:
    return text.replace("      - users:read\n", "", 1)


def test_an_edit_takes_effect_within_a_second_for_live_tokens(server: Server) -> None:
    token = server.add_user("audra", "auditor")
    assert server.get("/users", token).status_code == 200
    before = server.version()

    server.edit("roles.yaml", drop_users_read_from_auditor)
    took = server.wait_for(lambda health: health["policy"]["version"] != before)

    assert took < 1.0
    response = server.get("/users", token)
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["users:read"]


def test_the_new_version_is_logged_and_shown_by_get_policy(server: Server) -> None:
    before = server.version()
    server.edit("roles.yaml", lambda text: text + "# reviewed\n")
    server.wait_for(lambda health: health["policy"]["version"] != before)
    after = server.version()
    admin = server.token("admin", ADMIN_PASSWORD)
    assert server.get("/policy", admin).json()["version"] == after
    assert f"policy reloaded: version {after} (was {before}) in pid {server.health()['pid']}" in server.log()


def test_an_invalid_edit_keeps_the_last_good_policy_and_shows_the_error(server: Server) -> None:
    token = server.add_user("rhea", "reader")
    good = server.version()
    start = len(server.log())  # the server is shared: the lines of this test only

    server.edit("roles.yaml", lambda text: text.replace("documents:read", "documents:raed", 1))
    server.wait_for(lambda health: health["status"] == "degraded")
    health = server.health()

    line = server.line_of("roles.yaml", "documents:raed")
    assert health["policy"]["version"] == good
    assert health["policy"]["error"] == (
        f"{server.policy_dir / 'roles.yaml'}:{line}: "
        "role 'reader' grants unknown scope 'documents:raed' (not in any 'scopes:' catalogue)"
    )
    assert server.get("/documents", token).status_code == 200
    assert "documents:raed" in server.log()[start:]


def test_the_next_valid_save_clears_the_error(server: Server) -> None:
    good = server.version()
    server.edit("roles.yaml", lambda text: text.replace("roles:", "roles: [", 1))
    server.wait_for(lambda health: health["status"] == "degraded")

    server.edit("roles.yaml", lambda text: text.replace("roles: [", "roles:", 1) + "# fixed\n")
    server.wait_for(lambda health: health["status"] == "ok")

    health = server.health()
    assert "error" not in health["policy"]
    assert health["policy"]["version"] != good


def test_a_change_dropping_a_scope_the_code_requires_is_rejected(server: Server) -> None:
    server.edit("scopes.yaml", lambda text: text.replace("  documents:write:", "  documents:wrote:"))
    server.edit("roles.yaml", lambda text: text.replace("documents:write", "documents:wrote"))
    server.edit("objects.yaml", lambda text: text.replace("documents:write", "documents:wrote"))
    server.wait_for(lambda health: health["status"] == "degraded")
    assert "POST /documents requires scope 'documents:write'" in server.health()["policy"]["error"]


def test_a_symlinked_directory_swapped_in_one_rename_is_loaded_and_then_watched(
    tmp_path: Path, serve: Callable[..., Server]
) -> None:
    old, new = tmp_path / "v1", tmp_path / "v2"
    for release in (old, new):
        shutil.copytree(POLICY_DIR, release, ignore=shutil.ignore_patterns("tests"))
    with (new / "roles.yaml").open("a") as roles:
        roles.write("  viewer:\n    description: Views documents\n    scopes: [documents:read]\n")
    (tmp_path / "policies").symlink_to(old)
    server = serve()

    (tmp_path / "policies.tmp").symlink_to(new)  # `ln -s v2 policies.tmp && mv -T policies.tmp policies`
    os.replace(tmp_path / "policies.tmp", tmp_path / "policies")
    swapped = load_policy(new).version
    server.wait_for(lambda health: health["policy"]["version"] == swapped)

    server.edit("roles.yaml", lambda text: text + "# edited in the new release\n")  # through the link
    edited = load_policy(new).version
    assert edited != swapped
    server.wait_for(lambda health: health["policy"]["version"] == edited)


def test_requests_during_reloads_never_fail(server: Server) -> None:
    token = server.add_user("rosa", "reader")
    statuses: list[int] = []
    stop = threading.Event()

    def hammer() -> None:
        with httpx.Client(
            base_url=server.url, headers={"Authorization": f"Bearer {token}"}, verify=TLS
        ) as client:
            while not stop.is_set():
                statuses.append(client.get("/documents").status_code)

    workers = [threading.Thread(target=hammer) for _ in range(4)]
    for worker in workers:
        worker.start()
    try:
        for round_ in range(15):
            # Valid edits that keep reader's scopes, and invalid ones that must be rejected whole.
            if round_ % 3 == 2:
                server.edit("roles.yaml", lambda text: text.replace("documents:read", "documents:raed", 1))
            else:
                server.edit(
                    "roles.yaml",
                    lambda text, n=round_: text.replace("documents:raed", "documents:read") + f"# {n}\n",
                )
            time.sleep(0.15)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    assert len(statuses) > 100
    assert set(statuses) == {200}


def test_sighup_and_policy_reload_work_without_file_watching(serve: Callable[..., Server]) -> None:
    server = serve(RBAC_POLICY_WATCH="false")
    before = server.version()
    server.edit("roles.yaml", lambda text: text + "# reviewed\n")
    time.sleep(1.0)
    assert server.version() == before

    result = subprocess.run(  # noqa: S603 (our own console script)
        [EXE, "policy", "reload"],
        env=server.env,
        cwd=server.root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"pid {server.health()['pid']}: reload requested")
    server.wait_for(lambda health: health["policy"]["version"] != before)


def test_each_worker_reloads_by_itself(serve: Callable[..., Server]) -> None:
    server = serve("--workers", "2")
    wait_until(lambda: len(server.worker_pids()) == 2)
    before = server.version()

    server.edit("roles.yaml", lambda text: text + "# reviewed\n")
    after = load_policy(server.policy_dir).version

    for pid in server.worker_pids():
        wait_until(lambda pid=pid: f"version {after} (was {before}) in pid {pid}" in server.log())
    answers = {(h["pid"], h["policy"]["version"]) for h in (server.health() for _ in range(20))}
    assert {version for _pid, version in answers} == {after}
    assert {pid for pid, _version in answers} <= server.worker_pids()


def test_policy_reload_of_an_unchanged_policy_logs_one_line_in_each_worker(
    serve: Callable[..., Server],
) -> None:
    server = serve("--workers", "2", RBAC_POLICY_WATCH="false")
    wait_until(lambda: len(server.worker_pids()) == 2)
    version = server.version()

    result = subprocess.run(  # noqa: S603 (our own console script)
        [EXE, "policy", "reload"],
        env=server.env,
        cwd=server.root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    for pid in server.worker_pids():
        line = f"policy reload: version {version} unchanged in pid {pid}"
        wait_until(lambda line=line: line in server.log())
        assert server.log().count(line) == 1
    assert server.version() == version


def test_the_server_log_has_one_bare_json_line_per_denial(server: Server) -> None:
    token = server.add_user("uma", "user")
    start = len(server.log())  # the server is shared: the lines of this test only
    assert server.get("/users", token).status_code == 403
    wait_until(lambda: '"access_denied"' in server.log()[start:])
    lines = [json.loads(text) for text in server.log()[start:].splitlines() if text.startswith("{")]
    (line,) = [line for line in lines if line["event"] == "access_denied"]
    assert line["target"] == "GET /users"
    assert line["missing_scopes"] == ["users:read"]
    assert line["policy_version"] == server.version()
    assert token not in server.log()


def bulk_catalogue(scopes: int = 1500) -> str:
    """A scope catalogue of about 150 KB: past the size from which a reload is checked in a child."""
    lines = ["scopes:"]
    lines += [
        f"  bulk{n}:read: Read bulk resource number {n} of the generated catalogue, for size"
        for n in range(scopes)
    ]
    return "\n".join(lines) + "\n"


def test_a_large_policy_is_checked_in_a_child_process_and_put_in_force(serve: Callable[..., Server]) -> None:
    server = serve()
    before = server.version()
    (server.policy_dir / "bulk.yaml").write_text(bulk_catalogue())
    server.wait_for(lambda health: health["policy"]["version"] != before)
    admin = server.token("admin", ADMIN_PASSWORD)
    assert "bulk1499:read" in server.get("/policy/matrix?prefix=bulk1499", admin).text

    server.edit("roles.yaml", lambda text: text.replace("documents:read", "documents:raed", 1))
    server.wait_for(lambda health: health["status"] == "degraded")
    line = server.line_of("roles.yaml", "documents:raed")
    assert server.health()["policy"]["error"] == (
        f"{server.policy_dir / 'roles.yaml'}:{line}: "
        "role 'reader' grants unknown scope 'documents:raed' (not in any 'scopes:' catalogue)"
    )
    assert "policy check in a child process failed" not in server.log()
