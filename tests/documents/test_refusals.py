"""How a refusal reads: a document the caller may not read is indistinguishable from a missing one (REST
404, GraphQL null or NOT_FOUND); one they may read but not change is a 403 / FORBIDDEN naming the scope;
and a token issued without a documents scope is under-scoped (403) whatever the rules would allow."""

from __future__ import annotations

import pytest

from tests.conftest import bearer
from tests.documents.conftest import Cast, Site
from tests.graphql.conftest import error_at

MISSING = 999_999
UPDATE = 'mutation($id: ID!) { updateDocument(id: $id, title: "x") { id } }'
DELETE = "mutation($id: ID!) { deleteDocument(id: $id) }"


def without_id(text: str, document_id: int) -> str:
    return text.replace(str(document_id), "N")


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_unreadable_document_answers_exactly_as_a_missing_one(site: Site, cast: Cast, method: str) -> None:
    hidden = cast.documents["draft_b"]
    body = {"title": "x"} if method == "PATCH" else None
    answers = [
        site.client.request(method, f"/documents/{i}", json=body, headers=bearer(cast["member_a"]))
        for i in (hidden, MISSING)
    ]
    assert [a.status_code for a in answers] == [404, 404]
    assert (
        without_id(answers[0].text, hidden)
        == without_id(answers[1].text, MISSING)
        == '{"detail":"document N not found"}'
    )
    headers = [{k: v for k, v in a.headers.items() if k not in ("content-length", "date")} for a in answers]
    assert headers[0] == headers[1]


def test_graphql_answers_an_unreadable_document_as_a_missing_one(site: Site, cast: Cast) -> None:
    hidden = cast.documents["draft_b"]
    for document_id in (hidden, MISSING):
        found = site.gql(cast["member_a"], "query($id: ID!) { document(id: $id) { id } }", id=document_id)
        assert found == {"data": {"document": None}}
    for mutation, field in ((UPDATE, "updateDocument"), (DELETE, "deleteDocument")):
        errors = [error_at(site.gql(cast["member_a"], mutation, id=i), field) for i in (hidden, MISSING)]
        assert [e["extensions"] for e in errors] == [{"code": "NOT_FOUND"}] * 2
        assert without_id(errors[0]["message"], hidden) == without_id(errors[1]["message"], MISSING)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
def test_a_readable_document_that_may_not_be_changed_is_forbidden(
    site: Site, cast: Cast, method: str
) -> None:
    published = cast.documents["published_a"]
    body = {"title": "x"} if method == "PATCH" else None
    response = site.client.request(
        method, f"/documents/{published}", json=body, headers=bearer(cast["reader"])
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": f"Not allowed to change document {published}",
        "missing_scopes": ["documents:write"],
        "required_scopes": ["documents:write"],
    }
    assert (
        response.headers["www-authenticate"] == 'Bearer error="insufficient_scope", scope="documents:write"'
    )


def test_graphql_forbids_the_same_change_naming_the_scope(site: Site, cast: Cast) -> None:
    published = cast.documents["published_a"]
    for mutation, field in ((UPDATE, "updateDocument"), (DELETE, "deleteDocument")):
        error = error_at(site.gql(cast["reader"], mutation, id=published), field)
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["extensions"]["missingScopes"] == ["documents:write"]
        assert error["message"] == f"Not allowed to change document {published}"


@pytest.fixture(scope="module")
def narrow(site: Site, cast: Cast) -> dict[str, str]:
    """Tokens issued for `profile:read` only, for principals whose rules would match documents."""
    return {name: site.login(name, scope="profile:read") for name in ("owner", "member_a")}


@pytest.mark.parametrize("name", ["owner", "member_a"])
def test_an_under_scoped_token_may_not_list_documents(site: Site, narrow: dict[str, str], name: str) -> None:
    response = site.client.get("/documents", headers=bearer(narrow[name]))
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["documents:read"])
    error = error_at(site.gql(narrow[name], "{ documents { edges { node { id } } } }"), "documents")
    assert (error["extensions"]["code"], error["extensions"]["missingScopes"]) == (
        "FORBIDDEN",
        ["documents:read"],
    )


def test_an_under_scoped_token_may_not_create_documents(site: Site, narrow: dict[str, str]) -> None:
    response = site.client.post("/documents", json={"title": "x"}, headers=bearer(narrow["owner"]))
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["documents:write"])


def test_an_under_scoped_token_reads_no_document_not_even_its_own(
    site: Site, cast: Cast, narrow: dict[str, str]
) -> None:
    """The rules stay within the token's scopes: the owner's own document is as missing as any other."""
    own = cast.documents["own"]
    assert site.get(cast["owner"], own).status_code == 200
    assert site.get(narrow["owner"], own).status_code == 404
    assert site.patch(narrow["owner"], own, title="x").status_code == 404
    assert site.get(narrow["member_a"], cast.documents["published_a"]).status_code == 404


def test_anonymous_callers_are_unauthenticated(site: Site, cast: Cast) -> None:
    assert site.client.get("/documents").status_code == 401
    assert site.client.get(f"/documents/{cast.documents['published_a']}").status_code == 401
    error = error_at(site.gql(None, "{ documents { edges { node { id } } } }"), "documents")
    assert error["extensions"]["code"] == "UNAUTHENTICATED"
