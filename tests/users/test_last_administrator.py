"""No change may leave nobody able to administer accounts: some enabled account must keep roles that grant
both roles:assign and users:write. Checked in the change's own transaction, so concurrent demotions cannot
both pass."""

from __future__ import annotations

import contextlib
import dataclasses
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api.core.errors import LastAdministrator
from rbac_api.runtime import Rbac
from rbac_api.services.administration import operator_rules
from tests.conftest import bearer
from tests.graphql.conftest import gql

# Each way an administrator can stop being one, over REST and over GraphQL.
REST: dict[str, tuple[str, str, dict[str, Any] | None]] = {
    "delete": ("DELETE", "/users/admin", None),
    "disable": ("PATCH", "/users/admin", {"disabled": True}),
    "demote": ("DELETE", "/users/admin/roles/admin", None),
}
GRAPHQL = {
    "delete": 'mutation { deleteUser(username: "admin") }',
    "disable": 'mutation { updateUser(username: "admin", input: {disabled: true}) { id } }',
    "demote": 'mutation { revokeRole(username: "admin", role: "admin") { id } }',
}


def rest_status(client: TestClient, token: str, change: str) -> tuple[int, Any]:
    method, path, body = REST[change]
    response = client.request(method, path, json=body, headers=bearer(token))
    return response.status_code, response.json() if response.content else None


@pytest.mark.parametrize("change", REST)
def test_the_only_administrator_cannot_remove_themself_over_rest(
    client: TestClient, rbac: Rbac, admin_token: str, change: str
) -> None:
    status, body = rest_status(client, admin_token, change)
    assert status == 409
    assert "roles:assign and users:write" in body["detail"]
    assert "give another account a role that grants both" in body["detail"]
    admin = rbac.users.get("admin")
    assert (admin.disabled, admin.roles) == (False, ("admin",))


@pytest.mark.parametrize("change", GRAPHQL)
def test_the_only_administrator_cannot_remove_themself_over_graphql(
    client: TestClient, rbac: Rbac, admin_token: str, change: str
) -> None:
    error = gql(client, GRAPHQL[change], admin_token)["errors"][0]
    assert error["extensions"]["code"] == "CONFLICT"
    assert "roles:assign and users:write" in error["message"]
    assert rbac.users.get("admin").roles == ("admin",)


@pytest.mark.parametrize("change", REST)
def test_an_administrator_may_remove_themself_while_another_remains(
    client: TestClient, admin_token: str, make_user: Callable[..., int], change: str
) -> None:
    make_user("root", "admin")
    assert rest_status(client, admin_token, change)[0] in (200, 204)


@pytest.mark.parametrize("change", GRAPHQL)
def test_an_administrator_may_remove_themself_over_graphql_while_another_remains(
    client: TestClient, admin_token: str, make_user: Callable[..., int], change: str
) -> None:
    make_user("root", "admin")
    assert "errors" not in gql(client, GRAPHQL[change], admin_token)


def test_a_disabled_administrator_does_not_count(
    client: TestClient, admin_token: str, make_user: Callable[..., int]
) -> None:
    make_user("root", "admin", disabled=True)
    assert rest_status(client, admin_token, "delete")[0] == 409


def test_an_administrator_may_still_edit_their_own_profile(client: TestClient, admin_token: str) -> None:
    response = client.patch("/users/admin", json={"full_name": "Ada"}, headers=bearer(admin_token))
    assert response.status_code == 200


def test_two_administrators_demoting_each_other_at_once_cannot_both_succeed(
    rbac: Rbac, make_user: Callable[..., int]
) -> None:
    admin, root = rbac.users.id_of("admin"), make_user("root", "admin")
    start = threading.Barrier(2)
    # Inside each change, after its first write: waits for the other change to get that far too. Only a
    # change that does not hold the write lock from its first statement lets both through together.
    inside = threading.Barrier(2, timeout=0.5)

    def wait_for_the_other(_roles: frozenset[str]) -> None:
        with contextlib.suppress(threading.BrokenBarrierError):
            inside.wait()

    rules = dataclasses.replace(operator_rules(rbac.engine.policy), may_change=wait_for_the_other)
    outcomes: dict[int, str] = {}

    def demote(user_id: int) -> None:
        start.wait()
        try:
            rbac.users.remove_role(user_id=user_id, role="admin", rules=rules)
            outcomes[user_id] = "demoted"
        except LastAdministrator:
            outcomes[user_id] = "refused"

    threads = [threading.Thread(target=demote, args=(user_id,)) for user_id in (admin, root)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes.values()) == ["demoted", "refused"]
    remaining = [name for name in ("admin", "root") if "admin" in rbac.users.get(name).roles]
    assert len(remaining) == 1
