"""Documents through real HTTP on the app, one app per test module: a cast of principals in two
organizations, and helpers named for what they do.

Organizations and memberships are set up over REST, as an administrator would; users are created straight
in the store (their roles are not what these tests are about) and log in through `POST /token`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.core.principal import Principal
from rbac_api.runtime import Rbac
from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer, login, make_settings
from tests.graphql.conftest import gql

#: Every field a document has over GraphQL, for the queries of these tests.
FIELDS = "id title body org ownerId status createdAt viewerCan { edit delete }"


@dataclass
class Site:
    """One running app and the calls these tests make on it, each through HTTP unless it says otherwise."""

    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def rbac(self) -> Rbac:
        runtime: Rbac = self.client.app.state.rbac  # type: ignore[attr-defined]
        return runtime

    @property
    def admin(self) -> str:
        if "admin" not in self.tokens:
            self.tokens["admin"] = login(self.client, "admin", ADMIN_PASSWORD)
        return self.tokens["admin"]

    def user(self, username: str, *roles: str, scope: str | None = None) -> str:
        """A new user holding the global `roles` (`user` when none), logged in: their token."""
        self.rbac.users.create(
            username=username,
            password_hash=self.rbac.hasher.hash_sync(PASSWORD),
            email=None,
            full_name=None,
            roles=roles or ("user",),
        )
        return self.login(username, scope)

    def login(self, username: str, scope: str | None = None) -> str:
        self.tokens[username] = login(self.client, username, PASSWORD, scope)
        return self.tokens[username]

    def user_id(self, username: str) -> int:
        return self.rbac.users.id_of(username)

    def principal(self, token: str) -> Principal:
        """The principal the app builds for `token`, as every request does."""
        found: Principal = self.client.portal.call(self.rbac.authenticator.authenticate, token)  # type: ignore[union-attr]
        return found

    def org(self, name: str) -> None:
        response = self.client.post("/orgs", json={"name": name}, headers=bearer(self.admin))
        assert response.status_code == 201, response.text

    def give(self, username: str, org: str, *roles: str) -> None:
        """`username` holds exactly `roles` in `org` from their next request on."""
        path = f"/orgs/{org}/members/{username}"
        response = self.client.put(path, json={"roles": list(roles)}, headers=bearer(self.admin))
        assert response.status_code == 200, response.text

    def remove(self, username: str, org: str) -> None:
        response = self.client.delete(f"/orgs/{org}/members/{username}", headers=bearer(self.admin))
        assert response.status_code == 204, response.text

    def create(self, token: str, title: str, *, org: str | None = None, status: str = "draft") -> int:
        """A document created by the token's user through `POST /documents`: its id."""
        body: dict[str, Any] = {"title": title, "body": f"body of {title}", "status": status}
        if org is not None:
            body["org"] = org
        response = self.client.post("/documents", json=body, headers=bearer(token))
        assert response.status_code == 201, response.text
        created: int = response.json()["id"]
        return created

    def get(self, token: str, document_id: int) -> Any:
        return self.client.get(f"/documents/{document_id}", headers=bearer(token))

    def patch(self, token: str, document_id: int, **changes: Any) -> Any:
        return self.client.patch(f"/documents/{document_id}", json=changes, headers=bearer(token))

    def delete(self, token: str, document_id: int) -> Any:
        return self.client.delete(f"/documents/{document_id}", headers=bearer(token))

    def listed(self, token: str, **params: Any) -> list[int]:
        """The ids of every document `GET /documents` lists for the token, following every cursor."""
        ids: list[int] = []
        cursor = None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            response = self.client.get("/documents", params=query, headers=bearer(token))
            assert response.status_code == 200, response.text
            page = response.json()
            ids += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                return ids

    def gql(self, token: str | None, query: str, **variables: Any) -> dict[str, Any]:
        return gql(self.client, query, token, **variables)


def app_site(tmp_path_factory: pytest.TempPathFactory, **app: Any) -> Iterator[Site]:
    """A `Site` on the service, or on an application's own app (`app`: `create_app`'s keywords)."""
    directory = tmp_path_factory.mktemp("documents")
    with TestClient(create_app(make_settings(directory), **app)) as client:
        yield Site(client)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One app for the whole module: tests that change documents make their own."""
    yield from app_site(tmp_path_factory)


@dataclass(frozen=True)
class Cast:
    """The standard principals (name -> token) and documents (name -> id) of two organizations, a and b.

    Principals: `admin`; `reader` and `editor` (global roles); `owner` and `stranger` (plain users);
    `member_a` (`member` in a); `editor_a` and `editor_b` (`editor` in their organization only).
    Documents: `own` (owner's draft, no organization), `draft_a` and `published_a` (editor_a's, in a),
    `draft_b` and `published_b` (editor_b's, in b), `others` (the admin's draft, no organization).
    """

    tokens: dict[str, str]
    documents: dict[str, int]

    def __getitem__(self, name: str) -> str:
        return self.tokens[name]


PRINCIPALS = ("admin", "reader", "editor", "owner", "stranger", "member_a", "editor_a", "editor_b")


def build_cast(site: Site) -> Cast:
    """The cast, made through the API. Documents of a and b are created interleaved, so that a cursor taken
    from b's listing points between a's documents."""
    site.org("a")
    site.org("b")
    site.user("reader", "reader")
    site.user("editor", "editor")
    for name in ("owner", "stranger", "member_a", "editor_a", "editor_b"):
        site.user(name)
    site.give("member_a", "a", "member")
    site.give("editor_a", "a", "editor")
    site.give("editor_b", "b", "editor")
    tokens = {name: site.admin if name == "admin" else site.tokens[name] for name in PRINCIPALS}
    documents = {
        "own": site.create(tokens["owner"], "own"),
        "draft_b": site.create(tokens["editor_b"], "draft in b", org="b"),
        "draft_a": site.create(tokens["editor_a"], "draft in a", org="a"),
        "published_b": site.create(tokens["editor_b"], "published in b", org="b", status="published"),
        "published_a": site.create(tokens["editor_a"], "published in a", org="a", status="published"),
        "others": site.create(tokens["admin"], "the admin's"),
    }
    return Cast(tokens, documents)


@pytest.fixture(scope="module")
def cast(site: Site) -> Cast:
    return build_cast(site)
