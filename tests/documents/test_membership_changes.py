"""A membership given or taken applies to the member's very next request on this instance, with the token
they already hold: no new login, no wait."""

from __future__ import annotations

import pytest

from tests.documents.conftest import Site

READ = "query($id: ID!) { document(id: $id) { id } }"


@pytest.fixture(scope="module")
def drafts(site: Site) -> dict[str, int]:
    """A draft in each of two organizations, written by their editor."""
    token = site.user("ed")
    ids = {}
    for org in ("north", "south"):
        site.org(org)
        site.give("ed", org, "editor")
        ids[org] = site.create(token, f"draft in {org}", org=org)
    return ids


def visible(site: Site, token: str, document_id: int) -> tuple[int, bool, bool]:
    """What REST (status; listed?) and GraphQL (readable?) say about the document, on this token."""
    readable = site.gql(token, READ, id=document_id)["data"]["document"] is not None
    return site.get(token, document_id).status_code, document_id in site.listed(token), readable


def test_a_role_given_in_an_organization_shows_its_documents_at_once(
    site: Site, drafts: dict[str, int]
) -> None:
    token = site.user("nina")
    assert visible(site, token, drafts["north"]) == (404, False, False)
    site.give("nina", "north", "reader")
    assert visible(site, token, drafts["north"]) == (200, True, True)
    assert visible(site, token, drafts["south"]) == (404, False, False)


def test_a_membership_removed_hides_them_again(site: Site, drafts: dict[str, int]) -> None:
    token = site.user("noel")
    site.give("noel", "north", "reader")
    assert visible(site, token, drafts["north"]) == (200, True, True)
    site.remove("noel", "north")
    assert visible(site, token, drafts["north"]) == (404, False, False)


def test_roles_replaced_in_an_organization_change_what_may_be_written(
    site: Site, drafts: dict[str, int]
) -> None:
    token = site.user("nora")
    site.give("nora", "north", "editor")
    assert site.patch(token, drafts["north"], body="edited by nora").status_code == 200
    site.give("nora", "north", "reader")
    assert site.patch(token, drafts["north"], body="again").status_code == 403
    site.give("nora", "north", "member")  # a member reads published documents only: the draft is gone
    assert site.patch(token, drafts["north"], body="again").status_code == 404


def test_a_membership_set_over_graphql_applies_at_once_too(site: Site, drafts: dict[str, int]) -> None:
    token = site.user("nils")
    give = 'mutation { setMembership(org: "south", username: "nils", roles: ["reader"]) { roles } }'
    assert site.gql(site.admin, give)["data"] == {"setMembership": {"roles": ["reader"]}}
    assert visible(site, token, drafts["south"]) == (200, True, True)
    take = 'mutation { removeMembership(org: "south", username: "nils") }'
    assert site.gql(site.admin, take)["data"] == {"removeMembership": True}
    assert visible(site, token, drafts["south"]) == (404, False, False)
