"""Each permission class, allowing and denying, on an application's own schema (the framework face)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import strawberry
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.core.principal import Principal
from rbac_api.graphql import (
    HasAnyScope,
    HasRole,
    HasScopes,
    IsAuthenticated,
    IsMemberOr,
    IsSelfOr,
    RbacSchema,
)
from rbac_api.graphql.context import GraphQLContext
from rbac_api.graphql.permissions import RbacPermission
from rbac_api.store.change_rules import ChangeRules
from tests.conftest import PASSWORD, login, make_settings
from tests.graphql.conftest import error_at, gql


@strawberry.type
class Person:
    id: strawberry.ID
    name: str
    email: str | None = strawberry.field(permission_classes=[IsSelfOr("users:read")])


@strawberry.type
class Team:
    org: str
    plans: str | None = strawberry.field(permission_classes=[IsMemberOr("orgs:read", organization="org")])


@strawberry.type
class AppQuery:
    @strawberry.field(permission_classes=[IsAuthenticated])
    def whoami(self, info: strawberry.Info) -> str:
        return str(info.context.principal.username)

    @strawberry.field(permission_classes=[HasScopes("documents:read", "documents:write")])
    def both(self) -> str:
        return "both"

    @strawberry.field(permission_classes=[HasAnyScope("documents:write", "users:write")])
    def either(self) -> str:
        return "either"

    @strawberry.field(permission_classes=[HasRole("editor", "admin")])
    def editors_only(self) -> str:
        return "editors"

    @strawberry.field(permission_classes=[HasScopes("profile:read")])
    def people(self) -> list[Person]:
        return [
            Person(id=strawberry.ID("1"), name="admin", email="admin@x"),
            Person(id=strawberry.ID("2"), name="eddie", email="e@x"),
        ]

    @strawberry.field(permission_classes=[HasScopes("profile:read")])
    def teams(self) -> list[Team]:
        return [Team(org="acme", plans="acme's plans"), Team(org="beta", plans="beta's plans")]


@pytest.fixture
def app_client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(make_settings(tmp_path), graphql_schema=RbacSchema(query=AppQuery))
    with TestClient(app) as client:
        rbac = client.app.state.rbac  # type: ignore[attr-defined]
        for name, roles in (("eddie", ["editor"]), ("rita", ["reader"])):
            rbac.users.create(
                username=name,
                password_hash=rbac.hasher.hash_sync(PASSWORD),
                email=None,
                full_name=None,
                roles=roles,
            )
        for org in ("acme", "beta"):
            rbac.organizations.create(name=org)
        eddie, acme = rbac.users.id_of("eddie"), rbac.organizations.get("acme").id
        rbac.organizations.replace_roles(
            organization_id=acme, user_id=eddie, roles=["user"], rules=ChangeRules()
        )
        yield client


@pytest.fixture
def token(app_client: TestClient) -> Callable[[str], str]:
    return lambda name: login(app_client, name, "admin-password-1" if name == "admin" else PASSWORD)


@pytest.mark.parametrize(
    ("field", "user", "allowed"),
    [
        ("whoami", "rita", True),
        ("both", "eddie", True),
        ("both", "rita", False),
        ("either", "eddie", True),
        ("either", "admin", True),
        ("either", "rita", False),
        ("editorsOnly", "eddie", True),
        ("editorsOnly", "rita", False),
    ],
)
def test_permission_class_decides_through_the_policy(
    app_client: TestClient, token: Callable[[str], str], field: str, user: str, allowed: bool
) -> None:
    body = gql(app_client, f"{{ {field} }}", token(user))
    if allowed:
        assert "errors" not in body
    else:
        assert error_at(body, field)["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("field", ["whoami", "both", "either", "editorsOnly"])
def test_every_permission_class_refuses_an_anonymous_caller(app_client: TestClient, field: str) -> None:
    assert error_at(gql(app_client, f"{{ {field} }}"), field)["extensions"]["code"] == "UNAUTHENTICATED"


def test_denials_name_what_was_missing(app_client: TestClient, token: Callable[[str], str]) -> None:
    rita = token("rita")
    both = error_at(gql(app_client, "{ both }", rita), "both")
    assert both["extensions"]["missingScopes"] == ["documents:write"]
    either = error_at(gql(app_client, "{ either }", rita), "either")
    assert "documents:write" in either["message"]
    assert "users:write" in either["message"]
    role = error_at(gql(app_client, "{ editorsOnly }", rita), "editorsOnly")
    assert "admin, editor" in role["message"]


def test_is_self_or_shows_own_field_and_hides_others(
    app_client: TestClient, token: Callable[[str], str]
) -> None:
    body = gql(app_client, "{ people { name email } }", token("eddie"))
    # eddie is user 2: sees their own email, and null with an error for admin's.
    assert body["data"]["people"] == [{"name": "admin", "email": None}, {"name": "eddie", "email": "e@x"}]
    assert error_at(body, "people", 0, "email")["extensions"]["missingScopes"] == ["users:read"]


def test_is_self_or_allows_everything_with_the_scopes(
    app_client: TestClient, token: Callable[[str], str]
) -> None:
    body = gql(app_client, "{ people { email } }", token("admin"))
    assert body == {"data": {"people": [{"email": "admin@x"}, {"email": "e@x"}]}}


def test_is_member_or_shows_the_field_of_the_callers_organizations_and_hides_others(
    app_client: TestClient, token: Callable[[str], str]
) -> None:
    body = gql(app_client, "{ teams { org plans } }", token("eddie"))
    assert body["data"]["teams"] == [{"org": "acme", "plans": "acme's plans"}, {"org": "beta", "plans": None}]
    assert error_at(body, "teams", 1, "plans")["extensions"]["missingScopes"] == ["orgs:read"]


def test_is_member_or_allows_every_organization_with_the_scopes(
    app_client: TestClient, token: Callable[[str], str]
) -> None:
    body = gql(app_client, "{ teams { plans } }", token("admin"))
    assert body == {"data": {"teams": [{"plans": "acme's plans"}, {"plans": "beta's plans"}]}}


@pytest.mark.parametrize(
    "factory",
    [
        IsAuthenticated,
        HasScopes("users:read"),
        HasAnyScope("users:read"),
        HasRole("admin"),
        IsSelfOr("users:read"),
        IsMemberOr("users:read"),
    ],
)
def test_has_permission_never_returns_an_awaitable(factory: type[RbacPermission], tmp_path: Path) -> None:
    rbac = create_app(make_settings(tmp_path)).state.rbac
    admin = Principal(
        subject="1",
        username="admin",
        roles=frozenset({"admin"}),
        scopes=frozenset({"users:read"}),
        token_id="t",
        expires_at=0,
    )
    info: Any = type("Info", (), {"context": GraphQLContext(rbac, admin)})()
    result = factory().has_permission(type("Source", (), {"id": "1"})(), info)
    assert result is True
    assert not inspect.isawaitable(result)
    assert not inspect.iscoroutinefunction(factory.has_permission)
