"""Escalation: asking for more than one's roles grant, at login, at refresh, or by handing out roles.

A row names the attempt and the exact refusal. Nothing is granted on the way: a refused role assignment
leaves the account's roles as they were, and a login asking for more gets only what the roles grant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest

from tests.conftest import PASSWORD, bearer
from tests.security.conftest import attacked
from tests.security.forge import Forge
from tests.security.refusals import (
    LACKS_USERS_READ,
    Refusal,
    assert_refused,
    forbidden,
    graphql_error,
    oauth_error,
)

ADMIN_SCOPES = (
    "documents:read documents:write members:assign orgs:read orgs:write policy:read profile:read "
    "profile:write roles:assign roles:read users:read users:write"
)
#: What the `admin` role grants beyond `role-manager` (roles:assign, roles:read, documents:read).
BEYOND_MANAGER = (
    "documents:write members:assign orgs:read orgs:write policy:read profile:read profile:write users:read "
    "users:write"
)
NONE_GRANTED = (
    "this account's roles grant none of the requested scopes (users:write); ask for scopes your roles grant, "
    "or leave scope empty for all of them"
)


@dataclass(frozen=True)
class Escalation:
    id: str
    attempt: Callable[[Forge], httpx.Response]
    refusal: Refusal


@pytest.fixture(scope="module")
def forge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forge]:
    """A service that lets anonymous callers sign up (with the default role only)."""
    with attacked(tmp_path_factory.mktemp("open"), allow_signup=True) as service:
        yield service


def password_grant(scope: str) -> Callable[[Forge], httpx.Response]:
    form = {"grant_type": "password", "username": "victim", "password": PASSWORD, "scope": scope}
    return lambda f: f.client.post("/token", data=form)


def graphql(query: str, token: str | None = None) -> Callable[[Forge], httpx.Response]:
    headers = {} if token is None else bearer(token)
    return lambda f: f.client.post("/graphql", json={"query": query}, headers=headers)


def widened_refresh(forge: Forge) -> httpx.Response:
    """A refresh asking for a scope the login it continues did not ask for."""
    refresh = forge.login("victim", scope="profile:read")["refresh_token"]
    form = {"grant_type": "refresh_token", "refresh_token": refresh, "scope": "profile:read profile:write"}
    return forge.client.post("/token", data=form)


def as_role_manager(send: Callable[[Forge, str, str], httpx.Response]) -> Callable[[Forge], httpx.Response]:
    """`send(forge, manager_token, target)` by a `role-manager` at an account with no role; the target's
    roles are checked to be unchanged afterwards."""

    def attempt(forge: Forge) -> httpx.Response:
        manager, target = forge.user("role-manager"), forge.user()
        response = send(forge, forge.login(manager)["access_token"], target)
        assert forge.rbac.users.get(target).roles == ()
        return response

    return attempt


def assign_admin(forge: Forge, token: str, target: str) -> httpx.Response:
    return forge.client.put(f"/users/{target}/roles/admin", headers=bearer(token))


def assign_admin_over_graphql(forge: Forge, token: str, target: str) -> httpx.Response:
    query = f'mutation {{ assignRole(username: "{target}", role: "admin") {{ username }} }}'
    return graphql(query, token)(forge)


def take_admins_role(forge: Forge, token: str, _target: str) -> httpx.Response:
    return forge.client.delete("/users/admin/roles/admin", headers=bearer(token))


def assign_oneself_admin(forge: Forge) -> httpx.Response:
    token = forge.login("victim")["access_token"]
    return forge.client.put("/users/victim/roles/admin", headers=bearer(token))


def sign_up_as_admin(forge: Forge) -> httpx.Response:
    body = {"username": "mallory", "password": PASSWORD, "roles": ["admin"]}
    return forge.client.post("/users", json=body)


def profile_update(**changes: object) -> Callable[[Forge], httpx.Response]:
    def attempt(forge: Forge) -> httpx.Response:
        token = forge.login("victim")["access_token"]
        return forge.client.patch("/users/me", json=changes, headers=bearer(token))

    return attempt


def invalid_scope(description: str) -> Refusal:
    return oauth_error("invalid_scope", description)


def malformed(scope: str) -> Refusal:
    message = (
        f"malformed scope {scope!r}: scopes are lower-case names like 'users:read', separated by one space"
    )
    return invalid_scope(message)


def extra_field(name: str) -> Refusal:
    error = {"type": "extra_forbidden", "loc": ["body", name], "msg": "Extra inputs are not permitted"}
    return Refusal(422, {"detail": [error]})


LOGIN_FOR_USERS_WRITE = (
    f'mutation {{ login(username: "victim", password: "{PASSWORD}", scopes: ["users:write"]) {{ scopes }} }}'
)
SIGN_UP_AS_ADMIN = (
    f'mutation {{ createUser(input: {{username: "mallory2", password: "{PASSWORD}", roles: ["admin"]}}) '
    "{ username } }"
)
NOT_GRANTED_AT_LOGIN = invalid_scope("a refresh cannot add scopes the login did not grant: profile:write")
MANAGER_LACKS = forbidden(ADMIN_SCOPES, BEYOND_MANAGER)
MANAGER_LACKS_GRAPHQL = graphql_error(
    f"Missing scopes: {BEYOND_MANAGER}", "FORBIDDEN", "assignRole", 12, missingScopes=BEYOND_MANAGER.split()
)
SIGN_UP_ROLES = "roles can only be set by a caller with users:write"
SIGN_UP_WITH_ROLES = Refusal(
    422, {"detail": [{"loc": ["body", "roles"], "msg": SIGN_UP_ROLES, "type": "value_error"}]}
)
SIGN_UP_WITH_ROLES_GRAPHQL = graphql_error(SIGN_UP_ROLES, "BAD_USER_INPUT", "createUser", 12, field="roles")

ESCALATIONS = [
    # Asking for scopes
    Escalation(
        "token-scope-the-roles-do-not-grant", password_grant("users:write"), invalid_scope(NONE_GRANTED)
    ),
    Escalation("token-wildcard-scope", password_grant("users:*"), malformed("users:*")),
    Escalation("token-role-name-as-scope", password_grant("admin"), malformed("admin")),
    Escalation(
        "graphql-login-scope-the-roles-do-not-grant",
        graphql(LOGIN_FOR_USERS_WRITE),
        graphql_error(NONE_GRANTED, "BAD_USER_INPUT", "login", 12),
    ),
    Escalation("refresh-widening-the-logins-scopes", widened_refresh, NOT_GRANTED_AT_LOGIN),
    # Handing out roles
    Escalation("assign-a-role-granting-more-than-ones-own", as_role_manager(assign_admin), MANAGER_LACKS),
    Escalation("assign-it-over-graphql", as_role_manager(assign_admin_over_graphql), MANAGER_LACKS_GRAPHQL),
    Escalation("take-a-role-from-a-superior", as_role_manager(take_admins_role), MANAGER_LACKS),
    Escalation("assign-oneself-a-role", assign_oneself_admin, forbidden("roles:assign", "roles:assign")),
    Escalation("sign-up-with-roles", sign_up_as_admin, SIGN_UP_WITH_ROLES),
    Escalation("sign-up-with-roles-over-graphql", graphql(SIGN_UP_AS_ADMIN), SIGN_UP_WITH_ROLES_GRAPHQL),
    Escalation("profile-update-setting-roles", profile_update(roles=["admin"]), extra_field("roles")),
    Escalation(
        "profile-update-setting-the-token-version",
        profile_update(token_version=0),
        extra_field("token_version"),
    ),
]


@pytest.mark.parametrize("escalation", [pytest.param(e, id=e.id) for e in ESCALATIONS])
def test_the_escalation_is_refused_exactly(escalation: Escalation, forge: Forge) -> None:
    assert_refused(escalation.attempt(forge), escalation.refusal)


def test_a_login_asking_for_more_than_the_roles_grant_gets_only_what_they_grant(forge: Forge) -> None:
    answer = forge.login("victim", scope="profile:read users:read")
    assert answer["scope"] == "profile:read"
    for channel, refusal in LACKS_USERS_READ:
        assert_refused(channel.send(forge.client, answer["access_token"]), refusal, where=channel.name)
