"""Ownership (rule `owners-manage-their-documents`): a plain `user` creates documents of their own, reads
and changes them, and gets nothing of anyone else's; no document of theirs lands in an organization they do
not belong to."""

from __future__ import annotations

from tests.conftest import bearer
from tests.documents.conftest import FIELDS, Site
from tests.graphql.conftest import codes, error_at


def test_a_plain_user_creates_a_document_outside_any_organization(site: Site) -> None:
    token = site.user("olive")
    response = site.client.post("/documents", json={"title": "Notes", "body": "mine"}, headers=bearer(token))
    assert response.status_code == 201
    created = response.json()
    assert set(created) == {"id", "title", "body", "org", "owner_id", "status", "created_at"}
    expected = {
        "title": "Notes",
        "body": "mine",
        "org": None,
        "owner_id": site.user_id("olive"),
        "status": "draft",
    }
    assert {key: created[key] for key in expected} == expected


def test_an_owner_reads_edits_and_deletes_their_document(site: Site) -> None:
    token = site.user("oscar")
    document_id = site.create(token, "Draft")
    assert site.get(token, document_id).json()["title"] == "Draft"
    changed = site.patch(token, document_id, title="Final", status="published")
    assert (changed.status_code, changed.json()["title"], changed.json()["status"]) == (
        200,
        "Final",
        "published",
    )
    assert site.get(token, document_id).json()["title"] == "Final"
    assert site.delete(token, document_id).status_code == 204
    assert site.get(token, document_id).status_code == 404


def test_an_owner_does_the_same_over_graphql(site: Site) -> None:
    token = site.user("opal")
    create = f'mutation {{ createDocument(title: "Draft", body: "b") {{ {FIELDS} }} }}'
    created = site.gql(token, create)["data"]["createDocument"]
    assert (created["ownerId"], created["org"], created["viewerCan"]) == (
        str(site.user_id("opal")),
        None,
        {"edit": True, "delete": True},
    )
    update = 'mutation($id: ID!) { updateDocument(id: $id, title: "Final") { title } }'
    assert site.gql(token, update, id=created["id"])["data"] == {"updateDocument": {"title": "Final"}}
    delete = "mutation($id: ID!) { deleteDocument(id: $id) }"
    assert site.gql(token, delete, id=created["id"])["data"] == {"deleteDocument": True}
    assert site.gql(token, "query($id: ID!) { document(id: $id) { id } }", id=created["id"])["data"] == {
        "document": None
    }


def test_an_owner_lists_only_their_own_documents(site: Site) -> None:
    mine = site.user("ophelia")
    theirs = site.user("otto")
    own = [site.create(mine, "one"), site.create(mine, "two", status="published")]
    site.create(theirs, "not yours", status="published")
    assert site.listed(mine) == own
    connection = site.gql(mine, "{ documents { edges { node { id ownerId } } } }")["data"]["documents"]
    assert [int(edge["node"]["id"]) for edge in connection["edges"]] == own


def test_another_users_document_is_not_found(site: Site) -> None:
    owner, other = site.user("orla"), site.user("omar")
    document_id = site.create(owner, "Private", status="published")
    for response in (
        site.get(other, document_id),
        site.patch(other, document_id, title="taken"),
        site.delete(other, document_id),
    ):
        assert (response.status_code, response.json()) == (
            404,
            {"detail": f"document {document_id} not found"},
        )
    assert site.gql(other, f'{{ document(id: "{document_id}") {{ id }} }}') == {"data": {"document": None}}
    update = f'mutation {{ updateDocument(id: "{document_id}", title: "taken") {{ id }} }}'
    assert codes(site.gql(other, update)) == ["NOT_FOUND"]
    assert site.get(owner, document_id).json()["title"] == "Private"


def test_a_plain_user_cannot_create_in_an_organization_where_they_hold_nothing(site: Site) -> None:
    site.org("elsewhere")
    token = site.user("ozzie")
    response = site.client.post(
        "/documents", json={"title": "Planted", "org": "elsewhere"}, headers=bearer(token)
    )
    assert response.status_code == 403
    assert response.json() == {
        "detail": "Not allowed to create documents in organization 'elsewhere'",
        "missing_scopes": ["documents:write"],
        "required_scopes": ["documents:write"],
    }
    body = site.gql(token, 'mutation { createDocument(title: "Planted", org: "elsewhere") { id } }')
    assert error_at(body, "createDocument")["extensions"]["code"] == "FORBIDDEN"
    assert site.listed(site.admin, org="elsewhere") == []


def test_an_organization_that_does_not_exist_is_refused_alike(site: Site) -> None:
    """A stranger cannot tell an organization that exists from one that does not by creating in it."""
    site.org("hidden")
    token = site.user("oona")
    refusals = [
        site.client.post("/documents", json={"title": "T", "org": name}, headers=bearer(token))
        for name in ("hidden", "nowhere")
    ]
    assert [r.status_code for r in refusals] == [403, 403]
    assert [r.json()["detail"] for r in refusals] == [
        "Not allowed to create documents in organization 'hidden'",
        "Not allowed to create documents in organization 'nowhere'",
    ]


def test_a_global_writer_creating_in_an_unknown_organization_is_told_it_does_not_exist(site: Site) -> None:
    token = site.user("owen", "editor")
    response = site.client.post("/documents", json={"title": "T", "org": "nowhere"}, headers=bearer(token))
    assert (response.status_code, response.json()["detail"]) == (404, "organization 'nowhere' not found")


def test_a_member_places_their_own_document_in_their_organization(site: Site) -> None:
    """Membership (any role there) lets the owner rule place a document in the organization: `member`
    inherits `user`, whose rule lets owners manage what they own."""
    site.org("club")
    token = site.user("oriel")
    site.give("oriel", "club", "member")
    document_id = site.create(token, "Minutes", org="club")
    assert site.get(token, document_id).json()["org"] == "club"
    assert site.patch(token, document_id, title="Minutes, corrected").status_code == 200
