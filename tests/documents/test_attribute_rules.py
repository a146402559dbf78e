"""Attribute rules (rule `members-read-published-documents`): a `member` of a reads a's published
documents, not its drafts, and changes neither: 404 for a draft, 403 for a published one."""

from __future__ import annotations

from tests.documents.conftest import FIELDS, Cast, Site
from tests.graphql.conftest import codes, error_at

DOCUMENT = "query($id: ID!) { document(id: $id) { " + FIELDS + " } }"
UPDATE = 'mutation($id: ID!) { updateDocument(id: $id, title: "changed") { id } }'
DELETE = "mutation($id: ID!) { deleteDocument(id: $id) }"


def test_a_member_reads_a_published_document_of_their_organization(site: Site, cast: Cast) -> None:
    published = cast.documents["published_a"]
    assert site.get(cast["member_a"], published).json()["status"] == "published"
    found = site.gql(cast["member_a"], DOCUMENT, id=published)["data"]["document"]
    assert (found["org"], found["viewerCan"]) == ("a", {"edit": False, "delete": False})


def test_a_member_does_not_read_a_draft_of_their_organization(site: Site, cast: Cast) -> None:
    draft = cast.documents["draft_a"]
    assert site.get(cast["member_a"], draft).status_code == 404
    assert site.gql(cast["member_a"], DOCUMENT, id=draft) == {"data": {"document": None}}


def test_a_member_cannot_change_a_draft_which_is_not_found(site: Site, cast: Cast) -> None:
    draft = cast.documents["draft_a"]
    assert site.patch(cast["member_a"], draft, title="changed").status_code == 404
    assert site.delete(cast["member_a"], draft).status_code == 404
    assert codes(site.gql(cast["member_a"], UPDATE, id=draft)) == ["NOT_FOUND"]
    assert codes(site.gql(cast["member_a"], DELETE, id=draft)) == ["NOT_FOUND"]


def test_a_member_cannot_change_a_published_document_which_is_forbidden(site: Site, cast: Cast) -> None:
    published = cast.documents["published_a"]
    for response in (
        site.patch(cast["member_a"], published, title="changed"),
        site.delete(cast["member_a"], published),
    ):
        assert (response.status_code, response.json()["missing_scopes"]) == (403, ["documents:write"])
    for mutation, field in ((UPDATE, "updateDocument"), (DELETE, "deleteDocument")):
        error = error_at(site.gql(cast["member_a"], mutation, id=published), field)
        assert error["extensions"]["code"] == "FORBIDDEN"
        assert error["extensions"]["missingScopes"] == ["documents:write"]
    assert site.get(cast["admin"], published).json()["title"] == "published in a"


def test_a_member_lists_the_published_documents_only(site: Site, cast: Cast) -> None:
    assert site.listed(cast["member_a"], org="a") == [cast.documents["published_a"]]


def test_publishing_makes_a_draft_readable_and_archiving_hides_it_again(site: Site, cast: Cast) -> None:
    """The rule reads the status the document has now: each change applies at the member's next request."""
    document_id = site.create(cast["editor_a"], "soon", org="a")
    member = cast["member_a"]
    assert site.get(member, document_id).status_code == 404
    assert site.patch(cast["editor_a"], document_id, status="published").status_code == 200
    assert site.get(member, document_id).status_code == 200
    assert document_id in site.listed(member)
    assert site.patch(cast["editor_a"], document_id, status="archived").status_code == 200
    assert site.get(member, document_id).status_code == 404
    assert document_id not in site.listed(member)
