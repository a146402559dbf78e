"""The service's own fields: scopes per field, partial results, self-or-scope fields, what-can-I-do."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.graphql.conftest import codes, error_at, gql


def test_partial_results_give_allowed_fields_and_a_forbidden_error_with_its_path(
    client: TestClient, plain_token: str
) -> None:
    body = gql(client, '{ me { username } user(username: "admin") { username } }', plain_token)
    assert body["data"] == {"me": {"username": "paula"}, "user": None}
    error = error_at(body, "user")
    assert error["extensions"] == {"code": "FORBIDDEN", "missingScopes": ["users:read"]}
    assert "users:read" in error["message"]


def test_anonymous_caller_gets_unauthenticated(client: TestClient) -> None:
    body = gql(client, "{ me { username } }")
    assert body["data"] == {"me": None}
    assert error_at(body, "me")["extensions"]["code"] == "UNAUTHENTICATED"


def test_user_sees_their_own_email_and_roles(client: TestClient, plain_token: str) -> None:
    body = gql(client, "{ me { email roles { name description scopes } } }", plain_token)
    assert body["data"]["me"]["email"] == "paula@example.org"
    assert body["data"]["me"]["roles"][0]["name"] == "user"


def test_email_of_another_user_needs_users_read_and_roles_need_roles_read(
    client: TestClient, user_token: Callable[..., str], make_user: Callable[..., int]
) -> None:
    # An auditor reads users but a narrowed token lacks roles:read: the email shows, the roles do not.
    user_token("audrey", "auditor")
    from tests.conftest import PASSWORD, login

    token = login(client, "audrey", PASSWORD, scope="users:read")
    make_user("bob", "user")
    body = gql(client, '{ user(username: "bob") { username email roles { name } } }', token)
    assert body["data"]["user"] == {"username": "bob", "email": "bob@example.org", "roles": None}
    assert error_at(body, "user", "roles")["extensions"]["missingScopes"] == ["roles:read"]


def test_users_connection_pages_with_cursors(
    client: TestClient, admin_token: str, make_user: Callable[..., int]
) -> None:
    for name in ("bob", "carol", "dave"):
        make_user(name, "user")
    query = """query($after: String) {
      users(first: 2, after: $after) { edges { cursor node { username } } pageInfo { hasNextPage endCursor } }
    }"""
    first = gql(client, query, admin_token)["data"]["users"]
    assert [e["node"]["username"] for e in first["edges"]] == ["admin", "bob"]
    assert first["pageInfo"]["hasNextPage"] is True
    second = gql(client, query, admin_token, after=first["pageInfo"]["endCursor"])["data"]["users"]
    assert [e["node"]["username"] for e in second["edges"]] == ["carol", "dave"]
    assert second["pageInfo"] == {"hasNextPage": False, "endCursor": second["edges"][-1]["cursor"]}


def test_page_size_out_of_range_is_bad_user_input(client: TestClient, admin_token: str) -> None:
    body = gql(client, "{ users(first: 1000) { edges { cursor } } }", admin_token)
    assert codes(body) == ["BAD_USER_INPUT"]


def test_roles_and_policy_for_an_auditor(client: TestClient, auditor_token: str) -> None:
    body = gql(
        client,
        "{ roles { name scopes } policy { version defaultRole scopes { name description } } }",
        auditor_token,
    )
    roles = {r["name"] for r in body["data"]["roles"]}
    assert roles == {"user", "auditor", "admin", "member", "reader", "editor"}
    assert body["data"]["policy"]["version"] == client.get("/health").json()["policy"]["version"]
    assert {"name": "users:read", "description": "See user accounts and their roles"} in body["data"][
        "policy"
    ]["scopes"]


def test_documents_need_documents_read_and_create_needs_documents_write(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    editor = user_token("eddie", "editor")
    reader = user_token("rita", "reader")
    auditor = user_token("audrey", "auditor")  # no role of theirs reaches documents:write, by rule or grant
    created = gql(client, 'mutation { createDocument(title: "Plan") { id title ownerId } }', editor)
    assert created["data"]["createDocument"]["title"] == "Plan"
    denied = gql(client, 'mutation { createDocument(title: "Nope") { id } }', auditor)
    assert denied["data"] is None
    assert error_at(denied, "createDocument")["extensions"]["missingScopes"] == ["documents:write"]
    listed = gql(client, "{ documents { edges { node { title } } } }", reader)["data"]
    assert listed == {"documents": {"edges": [{"node": {"title": "Plan"}}]}}


def test_my_permissions_lists_roles_and_effective_scopes(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    token = user_token("rita", "reader")
    body = gql(client, "{ myPermissions { roles scopes } }", token)
    assert body["data"]["myPermissions"] == {
        "roles": ["reader"],
        "scopes": ["documents:read", "profile:read", "profile:write"],
    }


def test_can_answers_without_errors(client: TestClient, plain_token: str) -> None:
    body = gql(
        client,
        '{ a: can(scopes: ["profile:read"]) b: can(scopes: ["users:read"]) c: can(scopes: ["Not A Scope"]) }',
        plain_token,
    )
    assert body == {"data": {"a": True, "b": False, "c": False}}


def test_can_is_false_for_an_anonymous_caller(client: TestClient) -> None:
    assert gql(client, '{ can(scopes: ["profile:read"]) }') == {"data": {"can": False}}


def test_can_of_an_empty_list_is_true_for_every_caller(client: TestClient, plain_token: str) -> None:
    """Holding every one of no scopes is true (vacuous truth, as Python's `all([])`), anonymous or not."""
    query = "{ can(scopes: []) }"
    assert [gql(client, query, token) for token in (None, plain_token)] == [{"data": {"can": True}}] * 2


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(asked=st.lists(st.sampled_from(["profile:read", "profile:write", "users:read", "roles:assign"])))
def test_can_is_true_exactly_for_lists_of_scopes_the_caller_holds(
    client: TestClient, plain_token: str, asked: list[str]
) -> None:
    """The plain user holds profile:read and profile:write: `can` is true exactly for lists of those."""
    body = gql(client, "query($s: [String!]!) { can(scopes: $s) }", plain_token, s=asked)
    assert body == {"data": {"can": set(asked) <= {"profile:read", "profile:write"}}}


def test_admin_manages_users_through_mutations(client: TestClient, admin_token: str) -> None:
    create = """mutation {
      createUser(input: {username: "Nora", password: "a long password", roles: ["editor"]}) {
        username roles { name }
      }
    }"""
    assert gql(client, create, admin_token)["data"]["createUser"] == {
        "username": "nora",
        "roles": [{"name": "editor"}],
    }
    update = """mutation {
      updateUser(username: "nora", input: {fullName: "Nora N.", disabled: true}) { fullName disabled }
    }"""
    assert gql(client, update, admin_token)["data"]["updateUser"] == {"fullName": "Nora N.", "disabled": True}
    assign = 'mutation { assignRole(username: "nora", role: "auditor") { roles { name } } }'
    assert gql(client, assign, admin_token)["data"]["assignRole"]["roles"] == [
        {"name": "auditor"},
        {"name": "editor"},
    ]
    revoke = 'mutation { revokeRole(username: "nora", role: "editor") { roles { name } } }'
    assert gql(client, revoke, admin_token)["data"]["revokeRole"]["roles"] == [{"name": "auditor"}]
    assert gql(client, 'mutation { deleteUser(username: "nora") }', admin_token)["data"] == {
        "deleteUser": True
    }
    assert gql(client, '{ user(username: "nora") { username } }', admin_token)["data"] == {"user": None}


def test_mutation_on_an_unknown_user_is_not_found(client: TestClient, admin_token: str) -> None:
    body = gql(client, 'mutation { deleteUser(username: "nobody") }', admin_token)
    assert codes(body) == ["NOT_FOUND"]


def test_create_user_rejects_a_short_password_as_bad_user_input(client: TestClient, admin_token: str) -> None:
    body = gql(
        client, 'mutation { createUser(input: {username: "x", password: "short"}) { id } }', admin_token
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "password"}


def test_change_password_ends_the_live_token(client: TestClient, plain_token: str) -> None:
    from tests.conftest import PASSWORD

    change = "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }"
    assert gql(client, change, plain_token, old=PASSWORD, new="a fresh password")["data"] == {
        "changePassword": True
    }
    assert codes(gql(client, "{ me { username } }", plain_token)) == ["UNAUTHENTICATED"]
