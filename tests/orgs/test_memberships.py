"""Setting, replacing and removing a member's roles, and who may: `members:assign` globally or in that
organization, and no escalation within it (only roles whose scopes the caller holds, there or globally)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from rbac_api.runtime import Rbac
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import PASSWORD, bearer, login


@pytest.fixture
def acme(make_org: Callable[[str], int]) -> int:
    return make_org("acme")


def members(client: TestClient, headers: dict[str, str], org: str = "acme") -> dict[str, list[str]]:
    items = client.get(f"/orgs/{org}/members", headers=headers).json()["items"]
    return {item["username"]: item["roles"] for item in items}


def test_setting_roles_makes_a_user_a_member_and_answers_the_membership(
    client: TestClient, admin: dict[str, str], acme: int, make_user: Callable[..., int]
) -> None:
    bob = make_user("bob", "user")
    response = client.put("/orgs/acme/members/bob", json={"roles": ["reader", "editor"]}, headers=admin)
    assert response.status_code == 200, response.text
    assert response.json() == {"username": "bob", "user_id": bob, "roles": ["editor", "reader"]}
    assert members(client, admin) == {"bob": ["editor", "reader"]}


def test_setting_roles_again_replaces_them_whole(
    client: TestClient, admin: dict[str, str], acme: int, make_user: Callable[..., int]
) -> None:
    make_user("bob", "user")
    client.put("/orgs/acme/members/bob", json={"roles": ["reader", "editor"]}, headers=admin)
    response = client.put("/orgs/acme/members/bob", json={"roles": ["auditor"]}, headers=admin)
    assert response.json()["roles"] == ["auditor"]
    assert members(client, admin) == {"bob": ["auditor"]}


def test_the_user_name_is_resolved_like_a_login_name(
    client: TestClient, admin: dict[str, str], acme: int, make_user: Callable[..., int]
) -> None:
    make_user("bob", "user")
    response = client.put("/orgs/ACME/members/BOB", json={"roles": ["reader"]}, headers=admin)
    assert response.json()["username"] == "bob"
    assert members(client, admin) == {"bob": ["reader"]}


def test_an_empty_set_of_roles_removes_the_membership(
    client: TestClient, admin: dict[str, str], acme: int, give: Callable[..., int]
) -> None:
    give("bob", "acme", "reader")
    response = client.put("/orgs/acme/members/bob", json={"roles": []}, headers=admin)
    assert response.status_code == 200
    assert response.json()["roles"] == []
    assert members(client, admin) == {}


def test_removing_a_member_answers_204_and_removing_a_non_member_404(
    client: TestClient, admin: dict[str, str], acme: int, give: Callable[..., int]
) -> None:
    give("bob", "acme", "reader", "editor")
    assert client.delete("/orgs/acme/members/bob", headers=admin).status_code == 204
    assert members(client, admin) == {}
    again = client.delete("/orgs/acme/members/bob", headers=admin)
    assert again.status_code == 404
    assert again.json()["detail"] == "user 'bob' is not a member of organization 'acme'"


def test_an_unknown_role_is_refused_naming_it(
    client: TestClient, admin: dict[str, str], acme: int, make_user: Callable[..., int]
) -> None:
    make_user("bob", "user")
    response = client.put("/orgs/acme/members/bob", json={"roles": ["reader", "wizard"]}, headers=admin)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "roles"]
    assert error["msg"] == "unknown role 'wizard'; GET /roles lists them"
    assert members(client, admin) == {}


def test_an_unknown_user_is_404(client: TestClient, admin: dict[str, str], acme: int) -> None:
    response = client.put("/orgs/acme/members/nobody", json={"roles": ["reader"]}, headers=admin)
    assert response.status_code == 404
    assert response.json()["detail"] == "user 'nobody' not found"


def test_members_assign_held_in_the_organization_manages_its_members(
    client: TestClient, acme: int, give: Callable[..., int], make_user: Callable[..., int]
) -> None:
    give("manny", "acme", "org-manager")
    make_user("bob", "user")
    manny = bearer(login(client, "manny", PASSWORD))
    assert client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=manny).status_code == 200
    assert client.delete("/orgs/acme/members/bob", headers=manny).status_code == 204


def test_a_manager_cannot_give_a_role_whose_scopes_they_lack_there(
    client: TestClient,
    admin: dict[str, str],
    acme: int,
    give: Callable[..., int],
    make_user: Callable[..., int],
) -> None:
    give("manny", "acme", "org-manager")
    make_user("bob", "user")
    response = client.put(
        "/orgs/acme/members/bob", json={"roles": ["editor"]}, headers=bearer(login(client, "manny", PASSWORD))
    )
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["documents:write"]
    assert response.json()["detail"] == "Missing scopes: documents:write"
    assert members(client, admin) == {"manny": ["org-manager"]}


def test_a_manager_cannot_take_away_a_role_whose_scopes_they_lack_there(
    client: TestClient, admin: dict[str, str], acme: int, give: Callable[..., int]
) -> None:
    give("manny", "acme", "org-manager")
    give("bob", "acme", "editor")
    manny = bearer(login(client, "manny", PASSWORD))
    for attempt in (
        client.delete("/orgs/acme/members/bob", headers=manny),
        client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=manny),
    ):
        assert attempt.status_code == 403
        assert attempt.json()["missing_scopes"] == ["documents:write"]
    assert members(client, admin)["bob"] == ["editor"]


def test_a_manager_may_leave_in_place_a_role_they_could_not_give(
    client: TestClient, admin: dict[str, str], acme: int, give: Callable[..., int]
) -> None:
    give("manny", "acme", "org-manager")
    give("bob", "acme", "editor")
    response = client.put(
        "/orgs/acme/members/bob",
        json={"roles": ["editor", "user"]},
        headers=bearer(login(client, "manny", PASSWORD)),
    )
    assert response.status_code == 200
    assert members(client, admin)["bob"] == ["editor", "user"]


def test_a_scope_the_manager_holds_in_the_organization_counts_as_held(
    client: TestClient, acme: int, give: Callable[..., int], make_user: Callable[..., int]
) -> None:
    give("manny", "acme", "org-manager", "editor")
    make_user("bob", "user")
    response = client.put(
        "/orgs/acme/members/bob", json={"roles": ["editor"]}, headers=bearer(login(client, "manny", PASSWORD))
    )
    assert response.status_code == 200


def test_a_scope_the_manager_holds_globally_counts_as_held(
    client: TestClient, rbac: Rbac, acme: int, give: Callable[..., int], make_user: Callable[..., int]
) -> None:
    give("manny", "acme", "org-manager")
    rbac.users.add_role(user_id=rbac.users.id_of("manny"), role="editor", rules=ChangeRules())
    make_user("bob", "user")
    response = client.put(
        "/orgs/acme/members/bob", json={"roles": ["editor"]}, headers=bearer(login(client, "manny", PASSWORD))
    )
    assert response.status_code == 200


def test_members_assign_held_in_one_organization_does_not_reach_another(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    for name in ("acme", "beta", "gamma"):
        make_org(name)
    give("manny", "acme", "org-manager")
    give("manny", "beta", "reader")
    give("bob", "beta", "user")
    give("bob", "gamma", "user")
    manny = bearer(login(client, "manny", PASSWORD))
    seen = client.put("/orgs/beta/members/bob", json={"roles": ["reader"]}, headers=manny)
    assert seen.status_code == 403
    assert seen.json()["missing_scopes"] == ["members:assign"]
    unseen = client.delete("/orgs/gamma/members/bob", headers=manny)
    assert unseen.status_code == 404
    assert (members(client, admin, "beta")["bob"], members(client, admin, "gamma")["bob"]) == (
        ["user"],
        ["user"],
    )


def test_members_assign_held_globally_reaches_every_organization(
    client: TestClient,
    make_org: Callable[[str], int],
    user_token: Callable[..., str],
    make_user: Callable[..., int],
) -> None:
    make_org("acme")
    make_user("bob", "user")
    # A global manager who is no member of acme and lacks orgs:read still reaches it through members:assign.
    manny = bearer(user_token("manny", "org-manager"))
    response = client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=manny)
    assert response.status_code == 200


def test_a_member_without_members_assign_cannot_remove_even_themself(
    client: TestClient, admin: dict[str, str], acme: int, give: Callable[..., int]
) -> None:
    give("bob", "acme", "reader")
    response = client.delete("/orgs/acme/members/bob", headers=bearer(login(client, "bob", PASSWORD)))
    assert response.status_code == 403
    assert members(client, admin) == {"bob": ["reader"]}
