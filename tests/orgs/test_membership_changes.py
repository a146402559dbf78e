"""What a membership change does to live tokens: the principal's memberships follow at its next request on
this instance, and deleting a user or an organization deletes its memberships."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import text

from rbac_api.runtime import Rbac
from tests.conftest import PASSWORD, bearer, login
from tests.graphql.conftest import gql

VIEWER = "query($name: String!) { organization(name: $name) { viewerRoles } }"


def viewer_roles(client: TestClient, token: str, name: str = "acme") -> list[str] | None:
    body = gql(client, VIEWER, token, name=name)
    assert "errors" not in body, body
    found = body["data"]["organization"]
    return None if found is None else list(found["viewerRoles"])


def membership_rows(rbac: Rbac) -> int:
    with rbac.db.connect() as connection:
        return int(connection.execute(text("SELECT count(*) FROM memberships")).scalar_one())


def test_a_membership_given_applies_at_the_members_next_request(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], user_token: Callable[..., str]
) -> None:
    make_org("acme")
    token = user_token("bob", "user")
    assert viewer_roles(client, token) is None
    client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=admin)
    assert viewer_roles(client, token) == ["reader"]
    assert client.get("/orgs", headers=bearer(token)).json()["items"][0]["roles"] == ["reader"]


def test_a_membership_replaced_applies_at_the_members_next_request(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("bob", "acme", "reader")
    token = login(client, "bob", PASSWORD)
    assert viewer_roles(client, token) == ["reader"]
    client.put("/orgs/acme/members/bob", json={"roles": ["editor", "user"]}, headers=admin)
    assert viewer_roles(client, token) == ["editor", "user"]


def test_a_removed_membership_stops_granting_at_once(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("manny", "acme", "org-manager")
    give("bob", "acme", "user")
    manny = login(client, "manny", PASSWORD)
    assert (
        client.put("/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=bearer(manny)).status_code
        == 200
    )
    assert client.delete("/orgs/acme/members/manny", headers=admin).status_code == 204
    again = client.put("/orgs/acme/members/bob", json={"roles": ["user"]}, headers=bearer(manny))
    assert again.status_code == 404  # no longer a member: acme is not even visible to manny
    assert viewer_roles(client, manny) is None


def test_a_membership_change_through_graphql_applies_at_the_members_next_request(
    client: TestClient, admin_token: str, make_org: Callable[[str], int], user_token: Callable[..., str]
) -> None:
    make_org("acme")
    token = user_token("bob", "user")
    change = 'mutation { setMembership(org: "acme", username: "bob", roles: ["auditor"]) { roles } }'
    assert gql(client, change, admin_token)["data"]["setMembership"]["roles"] == ["auditor"]
    assert viewer_roles(client, token) == ["auditor"]
    assert gql(client, 'mutation { removeMembership(org: "acme", username: "bob") }', admin_token)[
        "data"
    ] == {"removeMembership": True}
    assert viewer_roles(client, token) is None


def test_deleting_a_user_deletes_their_memberships(
    client: TestClient,
    rbac: Rbac,
    admin: dict[str, str],
    make_org: Callable[[str], int],
    give: Callable[..., int],
) -> None:
    for name in ("acme", "beta"):
        make_org(name)
    give("bob", "acme", "reader", "editor")
    give("bob", "beta", "user")
    give("carol", "acme", "reader")
    assert client.delete("/users/bob", headers=admin).status_code == 204
    assert membership_rows(rbac) == 1
    assert client.get("/orgs/acme/members", headers=admin).json()["items"][0]["username"] == "carol"


def test_deleting_an_organization_deletes_its_memberships(
    client: TestClient,
    rbac: Rbac,
    admin: dict[str, str],
    make_org: Callable[[str], int],
    give: Callable[..., int],
) -> None:
    acme, _beta = make_org("acme"), make_org("beta")
    give("bob", "acme", "reader")
    give("bob", "beta", "user")
    rbac.organizations.delete(organization_id=acme)
    assert membership_rows(rbac) == 1
    assert rbac.users.state(rbac.users.id_of("bob")).memberships == {"beta": frozenset({"user"})}  # type: ignore[union-attr]
    assert client.get("/orgs/acme/members", headers=admin).status_code == 404


def test_the_user_state_carries_the_memberships_read_with_it(
    rbac: Rbac, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    make_org("beta")
    bob = give("bob", "acme", "reader", "editor")
    give("bob", "beta", "user")
    give("carol", "beta", "auditor")
    state = rbac.users.state(bob)
    assert state is not None
    assert dict(state.memberships) == {"acme": {"reader", "editor"}, "beta": {"user"}}


def test_a_user_without_memberships_has_none_in_their_state(
    rbac: Rbac, make_user: Callable[..., int]
) -> None:
    state = rbac.users.state(make_user("uma", "user"))
    assert state is not None
    assert dict(state.memberships) == {}
