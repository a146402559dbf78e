"""Creating and listing organizations, and who sees which: members see theirs, `orgs:read` sees all; an
organization the caller may not see is a 404 like one that does not exist, one they see but may not
change is a 403."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD, bearer, login


def test_creating_an_organization_answers_201_with_its_name_and_creation_time(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.post("/orgs", json={"name": "acme"}, headers=admin)
    assert response.status_code == 201, response.text
    assert set(response.json()) == {"name", "created_at"}
    assert response.json()["name"] == "acme"


@pytest.mark.parametrize("spelling", ["ACME", "Acme", "ａｃｍｅ"])
def test_names_are_normalised_like_user_names_so_another_spelling_conflicts(
    client: TestClient, admin: dict[str, str], spelling: str
) -> None:
    assert client.post("/orgs", json={"name": spelling}, headers=admin).json()["name"] == "acme"
    conflict = client.post("/orgs", json={"name": "acme"}, headers=admin)
    assert conflict.status_code == 409
    assert conflict.json()["detail"] == "organization 'acme' already exists"


@pytest.mark.parametrize(
    ("name", "fault"),
    [("a b", "space characters"), ("x" * 65, "at most 64 characters"), ("zero\u200bwidth", "invisible")],
)
def test_a_name_that_cannot_be_one_is_refused_naming_the_field(
    client: TestClient, admin: dict[str, str], name: str, fault: str
) -> None:
    response = client.post("/orgs", json={"name": name}, headers=admin)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", "name"]
    assert fault in error["msg"]


def test_creating_an_organization_needs_orgs_write(
    client: TestClient, user_token: Callable[..., str]
) -> None:
    response = client.post("/orgs", json={"name": "acme"}, headers=bearer(user_token("uma", "user")))
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["orgs:write"]


def test_a_caller_lists_only_their_organizations_with_their_roles_there(
    client: TestClient, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    for name in ("acme", "beta", "gamma"):
        make_org(name)
    give("bob", "acme", "reader", "editor")
    give("bob", "gamma", "user")
    page = client.get("/orgs", headers=bearer(login(client, "bob", PASSWORD))).json()
    assert [(item["name"], item["roles"]) for item in page["items"]] == [
        ("acme", ["editor", "reader"]),
        ("gamma", ["user"]),
    ]
    assert page["next_cursor"] is None


def test_orgs_read_lists_every_organization_with_the_callers_roles_in_each(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    for name in ("acme", "beta"):
        make_org(name)
    give("admin", "beta", "reader")
    items = client.get("/orgs", headers=admin).json()["items"]
    assert [(item["name"], item["roles"]) for item in items] == [("acme", []), ("beta", ["reader"])]


def test_a_caller_with_no_organization_lists_none(
    client: TestClient, make_org: Callable[[str], int], user_token: Callable[..., str]
) -> None:
    make_org("acme")
    assert client.get("/orgs", headers=bearer(user_token("uma", "user"))).json() == {
        "items": [],
        "next_cursor": None,
    }


def test_the_listing_pages_by_cursor_in_creation_order(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int]
) -> None:
    names = [f"org-{n}" for n in range(5)]
    for name in names:
        make_org(name)
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/orgs", params=query, headers=admin).json()
        assert len(page["items"]) <= 2
        seen += [item["name"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == names


def test_a_cursor_we_did_not_issue_is_refused_naming_the_parameter(
    client: TestClient, admin: dict[str, str]
) -> None:
    response = client.get("/orgs", params={"cursor": "not-a-cursor"}, headers=admin)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "cursor"]


def test_members_and_orgs_read_see_the_members_with_their_roles(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    bob = give("bob", "acme", "reader")
    carol = give("carol", "acme", "editor", "reader")
    expected = {
        "items": [
            {"username": "bob", "user_id": bob, "roles": ["reader"]},
            {"username": "carol", "user_id": carol, "roles": ["editor", "reader"]},
        ],
        "next_cursor": None,
    }
    as_bob = bearer(login(client, "bob", PASSWORD))
    assert client.get("/orgs/acme/members", headers=as_bob).json() == expected
    assert client.get("/orgs/acme/members", headers=admin).json() == expected


def test_the_member_list_pages_by_cursor(
    client: TestClient, admin: dict[str, str], make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    names = [f"member-{n}" for n in range(5)]
    for name in names:
        give(name, "acme", "user", "reader")
    seen, cursor = [], None
    while True:
        query = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/orgs/acme/members", params=query, headers=admin).json()
        seen += [(item["username"], item["roles"]) for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [(name, ["reader", "user"]) for name in names]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/orgs/{org}/members", None),
        ("PUT", "/orgs/{org}/members/bob", {"roles": ["reader"]}),
        ("DELETE", "/orgs/{org}/members/bob", None),
    ],
    ids=["list members", "set membership", "remove membership"],
)
def test_an_organization_the_caller_may_not_see_answers_404_like_one_that_does_not_exist(
    client: TestClient,
    make_org: Callable[[str], int],
    give: Callable[..., int],
    user_token: Callable[..., str],
    method: str,
    path: str,
    body: dict[str, list[str]] | None,
) -> None:
    make_org("hidden")
    give("bob", "hidden", "reader")
    outsider = bearer(user_token("eve", "editor"))
    answers = {
        org: client.request(method, path.format(org=org), json=body, headers=outsider)
        for org in ("hidden", "missing")
    }
    assert {org: r.status_code for org, r in answers.items()} == {"hidden": 404, "missing": 404}
    assert answers["hidden"].json() == {"detail": "organization 'hidden' not found"}
    assert answers["missing"].json() == {"detail": "organization 'missing' not found"}


def test_an_organization_a_member_sees_but_may_not_change_answers_403_naming_members_assign(
    client: TestClient, make_org: Callable[[str], int], give: Callable[..., int]
) -> None:
    make_org("acme")
    give("bob", "acme", "editor")
    response = client.put(
        "/orgs/acme/members/bob", json={"roles": ["reader"]}, headers=bearer(login(client, "bob", PASSWORD))
    )
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["members:assign"]


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/orgs"), ("POST", "/orgs"), ("GET", "/orgs/acme/members")]
)
def test_anonymous_callers_get_401(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={"name": "acme"} if method == "POST" else None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
