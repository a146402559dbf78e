"""A member of organization a never sees or changes b's documents: not in lists, not by id, not through
nested fields or aliases, and not with a cursor taken from b's listing or crafted to point into it."""

from __future__ import annotations

from typing import Any

import pytest

from rbac_api.store.users import encode_cursor
from tests.conftest import bearer
from tests.documents.conftest import Cast, Site
from tests.graphql.conftest import codes

MEMBERS_OF_A = ("member_a", "editor_a")
#: What each member of a may read: published_a for a `member`, everything in a for an `editor` there.
READABLE = {"member_a": ["published_a"], "editor_a": ["draft_a", "published_a"]}
IN_B = ("draft_b", "published_b")
#: Small pages: the default ones (50 x 50) are over the complexity limit.
NESTED = (
    "{ organizations(first: 5) { edges { node { name "
    "documents(first: 10) { edges { node { id org } } } } } } }"
)


def ids(cast: Cast, *names: str) -> list[int]:
    return sorted(cast.documents[name] for name in names)


def edge_ids(connection: dict[str, Any]) -> list[int]:
    return [int(edge["node"]["id"]) for edge in connection["edges"]]


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_a_members_list_holds_only_what_they_may_read_in_a(site: Site, cast: Cast, member: str) -> None:
    assert site.listed(cast[member]) == ids(cast, *READABLE[member])
    connection = site.gql(cast[member], "{ documents { edges { node { id } } } }")["data"]["documents"]
    assert edge_ids(connection) == ids(cast, *READABLE[member])


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_asking_for_b_by_name_lists_nothing(site: Site, cast: Cast, member: str) -> None:
    assert site.listed(cast[member], org="b") == []
    body = site.gql(cast[member], '{ documents(org: "b") { edges { node { id } } } }')
    assert body == {"data": {"documents": {"edges": []}}}


@pytest.mark.parametrize("member", MEMBERS_OF_A)
@pytest.mark.parametrize("document", IN_B)
def test_b_documents_by_id_answer_as_missing_ones_do(
    site: Site, cast: Cast, member: str, document: str
) -> None:
    found = site.get(cast[member], cast.documents[document])
    assert (found.status_code, found.json()) == (
        404,
        {"detail": f"document {cast.documents[document]} not found"},
    )
    body = site.gql(cast[member], "query($id: ID!) { document(id: $id) { id } }", id=cast.documents[document])
    assert body == {"data": {"document": None}}


@pytest.mark.parametrize("member", MEMBERS_OF_A)
@pytest.mark.parametrize("document", IN_B)
def test_changing_b_documents_is_not_found_and_changes_nothing(
    site: Site, cast: Cast, member: str, document: str
) -> None:
    document_id = cast.documents[document]
    before = site.get(cast["admin"], document_id).json()
    assert site.patch(cast[member], document_id, title="mine now").status_code == 404
    assert site.delete(cast[member], document_id).status_code == 404
    update = 'mutation($id: ID!) { updateDocument(id: $id, title: "mine now") { id } }'
    assert codes(site.gql(cast[member], update, id=document_id)) == ["NOT_FOUND"]
    assert codes(
        site.gql(cast[member], "mutation($id: ID!) { deleteDocument(id: $id) }", id=document_id)
    ) == ["NOT_FOUND"]
    assert site.get(cast["admin"], document_id).json() == before


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_creating_in_b_is_forbidden(site: Site, cast: Cast, member: str) -> None:
    response = site.client.post(
        "/documents", json={"title": "planted", "org": "b"}, headers=bearer(cast[member])
    )
    assert (response.status_code, response.json()["missing_scopes"]) == (403, ["documents:write"])
    body = site.gql(cast[member], 'mutation { createDocument(title: "planted", org: "b") { id } }')
    assert codes(body) == ["FORBIDDEN"]
    assert "planted" not in {
        item["title"]
        for item in site.client.get("/documents", params={"org": "b"}, headers=bearer(cast["admin"])).json()[
            "items"
        ]
    }


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_organization_b_is_null_for_a_member_of_a(site: Site, cast: Cast, member: str) -> None:
    body = site.gql(cast[member], '{ organization(name: "b") { name documents { edges { node { id } } } } }')
    assert body == {"data": {"organization": None}}


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_nested_documents_of_their_organizations_hold_only_a(site: Site, cast: Cast, member: str) -> None:
    query = NESTED
    (edge,) = site.gql(cast[member], query)["data"]["organizations"]["edges"]
    assert edge["node"]["name"] == "a"
    assert edge_ids(edge["node"]["documents"]) == ids(cast, *READABLE[member])


def test_nested_documents_of_every_organization_keep_each_to_its_own(site: Site, cast: Cast) -> None:
    """The admin sees every organization: each one's `documents` holds that organization's only."""
    query = NESTED
    edges = site.gql(cast["admin"], query)["data"]["organizations"]["edges"]
    nested = {edge["node"]["name"]: edge_ids(edge["node"]["documents"]) for edge in edges}
    assert nested == {
        "a": ids(cast, "draft_a", "published_a"),
        "b": ids(cast, "draft_b", "published_b"),
    }


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_aliases_reach_nothing_more_than_one_field_does(site: Site, cast: Cast, member: str) -> None:
    aliased = " ".join(f'{name}: document(id: "{cast.documents[name]}") {{ id }}' for name in cast.documents)
    data = site.gql(cast[member], "{ " + aliased + " }")["data"]
    readable = {name for name, found in data.items() if found is not None}
    assert readable == set(READABLE[member])


@pytest.mark.parametrize("member", MEMBERS_OF_A)
def test_a_cursor_from_bs_listing_pages_only_through_a(site: Site, cast: Cast, member: str) -> None:
    """editor_b's first page of one ends at draft_b, created before a's documents: after it, a member of
    a still gets only what they may read in a."""
    first = site.client.get("/documents", params={"limit": 1}, headers=bearer(cast["editor_b"])).json()
    assert [item["id"] for item in first["items"]] == [cast.documents["draft_b"]]
    after_b = first["next_cursor"]
    page = site.client.get("/documents", params={"cursor": after_b}, headers=bearer(cast[member])).json()
    assert [item["id"] for item in page["items"]] == ids(cast, *READABLE[member])
    query = "query($after: String) { documents(after: $after) { edges { node { id } } } }"
    connection = site.gql(cast[member], query, after=after_b)["data"]["documents"]
    assert edge_ids(connection) == ids(cast, *READABLE[member])


@pytest.mark.parametrize("member", MEMBERS_OF_A)
@pytest.mark.parametrize("document", IN_B)
def test_a_cursor_crafted_at_a_b_document_yields_only_a_documents(
    site: Site, cast: Cast, member: str, document: str
) -> None:
    crafted = encode_cursor(cast.documents[document])
    expected = [i for i in ids(cast, *READABLE[member]) if i > cast.documents[document]]
    for limit in (1, 50):
        params = {"cursor": crafted, "limit": limit}
        page = site.client.get("/documents", params=params, headers=bearer(cast[member])).json()
        assert [item["id"] for item in page["items"]] == expected[:limit]
    nested = (
        'query($after: String) { organization(name: "a") { '
        "documents(after: $after) { edges { node { id } } } } }"
    )
    connection = site.gql(cast[member], nested, after=crafted)["data"]["organization"]["documents"]
    assert edge_ids(connection) == expected
    query = 'query($after: String) { documents(after: $after, org: "b") { edges { node { id } } } }'
    assert edge_ids(site.gql(cast[member], query, after=crafted)["data"]["documents"]) == []
