"""Organizations over GraphQL: what only GraphQL has (null for what the caller may not see, connections,
pages of members) and its error codes."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, login
from tests.graphql.conftest import codes, gql

ORGANIZATION = "query($name: String!) { organization(name: $name) { name createdAt viewerRoles } }"
MEMBERS = """query($first: Int!, $after: ID) {
  organization(name: "acme") { members(first: $first, after: $after) { username userId roles } }
}"""
PAGE = """query($after: String) {
  organizations(first: 2, after: $after) { edges { cursor node { name } } pageInfo { hasNextPage endCursor } }
}"""


def test_an_organization_the_caller_may_not_see_is_null_without_an_error(
    client: TestClient,
    make_org: Callable[[str], int],
    give: Callable[..., int],
    user_token: Callable[..., str],
) -> None:
    make_org("hidden")
    give("bob", "hidden", "reader")
    token = user_token("eve", "editor")
    for name in ("hidden", "missing"):
        assert gql(client, ORGANIZATION, token, name=name) == {"data": {"organization": None}}


def test_a_member_sees_the_organization_with_their_roles_there(
    client: TestClient, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("bob", "acme", "reader", "user")
    found = gql(client, ORGANIZATION, login(client, "bob", PASSWORD), name="ACME")["data"]["organization"]
    assert (found["name"], found["viewerRoles"]) == ("acme", ["reader", "user"])


def test_organizations_page_as_a_connection(
    client: TestClient, admin_token: str, make_org: Callable[[str], int]
) -> None:
    names = [f"org-{n}" for n in range(3)]
    for name in names:
        make_org(name)
    first = gql(client, PAGE, admin_token)["data"]["organizations"]
    assert [e["node"]["name"] for e in first["edges"]] == names[:2]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}
    second = gql(client, PAGE, admin_token, after=first["pageInfo"]["endCursor"])["data"]["organizations"]
    assert [e["node"]["name"] for e in second["edges"]] == names[2:]
    assert second["pageInfo"]["hasNextPage"] is False


def test_members_page_after_the_last_user_id_of_the_previous_page(
    client: TestClient, admin_token: str, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    ids = [give(f"member-{n}", "acme", "reader") for n in range(3)]
    first = gql(client, MEMBERS, admin_token, first=2)["data"]["organization"]["members"]
    assert [int(m["userId"]) for m in first] == ids[:2]
    rest = gql(client, MEMBERS, admin_token, first=2, after=first[-1]["userId"])["data"]["organization"][
        "members"
    ]
    assert rest == [{"username": "member-2", "userId": str(ids[2]), "roles": ["reader"]}]


def test_an_after_that_is_no_user_id_is_bad_user_input_naming_it(
    client: TestClient, admin_token: str, make_org: Callable[[str], int]
) -> None:
    make_org("acme")
    body = gql(client, MEMBERS, admin_token, first=2, after="abc")
    assert codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "after"


def test_creating_an_organization_answers_it_and_a_taken_name_is_a_conflict(
    client: TestClient, admin_token: str
) -> None:
    create = "mutation($name: String!) { createOrganization(name: $name) { name viewerRoles } }"
    assert gql(client, create, admin_token, name="Acme")["data"] == {
        "createOrganization": {"name": "acme", "viewerRoles": []}
    }
    assert codes(gql(client, create, admin_token, name="ACME")) == ["CONFLICT"]
    refused = gql(client, create, admin_token, name="a b")
    assert codes(refused) == ["BAD_USER_INPUT"]
    assert refused["errors"][0]["extensions"]["field"] == "name"


def test_creating_an_organization_needs_orgs_write(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    body = gql(client, 'mutation { createOrganization(name: "acme") { name } }', user_token("uma", "user"))
    assert codes(body) == ["FORBIDDEN"]
    assert body["errors"][0]["extensions"]["missingScopes"] == ["orgs:write"]


def test_membership_mutations_need_a_token(client: TestClient) -> None:
    body = gql(client, 'mutation { removeMembership(org: "acme", username: "bob") }')
    assert codes(body) == ["UNAUTHENTICATED"]
