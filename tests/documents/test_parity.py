"""REST, GraphQL and the policy engine give the same answer for every principal, document and operation.

The table: eight principals (global roles, plain users, members and editors of one organization) x five
documents (the owner's draft, someone's draft in a, published documents of a and of b, the admin's
document outside any organization) x read, update, delete. Each cell's outcome is `allowed`, `hidden`
(REST 404, GraphQL null or NOT_FOUND, not readable by the engine) or `forbidden` (REST 403, GraphQL
FORBIDDEN, readable but not writable). The users, organizations and documents are made once; deletions
work on copies of each document made up front (same owner, organization and status).
"""

from __future__ import annotations

from typing import Any

import pytest

from rbac_api.services.documents import READ, RESOURCE, WRITE
from tests.documents.conftest import PRINCIPALS, Cast, Site

DOCUMENTS = ("own", "draft_a", "published_a", "published_b", "others")
OPERATIONS = ("read", "update", "delete")
Table = dict[tuple[str, str, str], str]

ALL = dict.fromkeys(DOCUMENTS, "rw")
NONE = dict.fromkeys(DOCUMENTS, "")
#: What the shipped policy says, by hand: "rw" read and write, "r" read only, "" neither.
EXPECTED_ACCESS = {
    "admin": ALL,
    "reader": dict.fromkeys(DOCUMENTS, "r"),
    "editor": ALL,
    "owner": {**NONE, "own": "rw"},
    "stranger": NONE,
    "member_a": {**NONE, "published_a": "r"},
    "editor_a": {**NONE, "draft_a": "rw", "published_a": "rw"},
    "editor_b": {**NONE, "published_b": "rw"},
}


def outcome(access: str, operation: str) -> str:
    if "r" not in access:
        return "hidden"
    return "allowed" if operation == "read" or "w" in access else "forbidden"


EXPECTED: Table = {
    (who, what, op): outcome(EXPECTED_ACCESS[who][what], op)
    for who in PRINCIPALS
    for what in DOCUMENTS
    for op in OPERATIONS
}

REST_OUTCOMES = {200: "allowed", 204: "allowed", 404: "hidden", 403: "forbidden"}
GRAPHQL_CODES = {"NOT_FOUND": "hidden", "FORBIDDEN": "forbidden"}


def copies(site: Site, cast: Cast) -> dict[tuple[str, str, str], int]:
    """A copy of each document per principal and transport, for deleting: (who, what, transport) -> id."""
    made = {}
    for what in DOCUMENTS:
        found = site.rbac.documents.get(cast.documents[what])
        assert found is not None
        for who in PRINCIPALS:
            for transport in ("rest", "graphql"):
                copy = site.rbac.documents.create(
                    title=found.title,
                    body="",
                    owner_id=found.owner_id or 0,
                    org=found.org,
                    status=found.status,
                )
                made[who, what, transport] = copy.id
    return made


def rest_table(site: Site, cast: Cast, to_delete: dict[tuple[str, str, str], int]) -> Table:
    table: Table = {}
    for who in PRINCIPALS:
        token = cast[who]
        for what in DOCUMENTS:
            document_id = cast.documents[what]
            responses = {
                "read": site.get(token, document_id),
                "update": site.patch(token, document_id, title=f"{what}, touched by {who}"),
                "delete": site.delete(token, to_delete[who, what, "rest"]),
            }
            for op, response in responses.items():
                assert response.status_code in REST_OUTCOMES, (who, what, op, response.text)
                table[who, what, op] = REST_OUTCOMES[response.status_code]
    return table


def graphql_outcome(body: dict[str, Any], field: str) -> str:
    if body.get("errors"):
        (error,) = body["errors"]
        assert error["path"] == [field]
        return GRAPHQL_CODES[error["extensions"]["code"]]
    return "allowed" if body["data"][field] is not None else "hidden"


def graphql_table(site: Site, cast: Cast, to_delete: dict[tuple[str, str, str], int]) -> Table:
    """One request per cell: the mutations return non-null fields, so an error in one would null the other."""
    read = "query($id: ID!) { document(id: $id) { id viewerCan { edit delete } } }"
    update = "mutation($id: ID!, $title: String!) { updateDocument(id: $id, title: $title) { id } }"
    delete = "mutation($id: ID!) { deleteDocument(id: $id) }"
    table: Table = {}
    for who in PRINCIPALS:
        token = cast[who]
        for what in DOCUMENTS:
            document_id = cast.documents[what]
            found = site.gql(token, read, id=document_id)
            table[who, what, "read"] = graphql_outcome(found, "document")
            title = f"{what}, touched by {who}"
            table[who, what, "update"] = graphql_outcome(
                site.gql(token, update, id=document_id, title=title), "updateDocument"
            )
            deleted = site.gql(token, delete, id=to_delete[who, what, "graphql"])
            table[who, what, "delete"] = graphql_outcome(deleted, "deleteDocument")
            if found["data"]["document"] is not None:  # a UI's buttons say what a write would do
                can = found["data"]["document"]["viewerCan"]
                assert can == {"edit": table[who, what, "update"] == "allowed", "delete": can["edit"]}
    return table


def engine_table(site: Site, cast: Cast) -> Table:
    engine = site.rbac.engine
    table: Table = {}
    for who in PRINCIPALS:
        principal = site.principal(cast[who])
        for what in DOCUMENTS:
            found = site.rbac.documents.get(cast.documents[what])
            assert found is not None
            visible = engine.decide_on(principal, READ, RESOURCE, found.attributes()).allowed
            writable = engine.decide_on(principal, WRITE, RESOURCE, found.attributes()).allowed
            for op in OPERATIONS:
                table[who, what, op] = outcome(("r" if visible else "") + ("w" if writable else ""), op)
    return table


def differences(left: Table, right: Table) -> dict[tuple[str, str, str], tuple[str, str]]:
    return {cell: (left[cell], right.get(cell, "?")) for cell in left if left[cell] != right.get(cell)}


@pytest.fixture(scope="module")
def to_delete(site: Site, cast: Cast) -> dict[tuple[str, str, str], int]:
    return copies(site, cast)


@pytest.fixture(scope="module")
def tables(site: Site, cast: Cast, to_delete: dict[tuple[str, str, str], int]) -> dict[str, Table]:
    return {
        "engine": engine_table(site, cast),
        "rest": rest_table(site, cast, to_delete),
        "graphql": graphql_table(site, cast, to_delete),
    }


@pytest.mark.parametrize("transport", ["rest", "graphql"])
def test_each_transport_agrees_with_the_engine_on_every_cell(
    tables: dict[str, Table], transport: str
) -> None:
    assert len(tables[transport]) == len(PRINCIPALS) * len(DOCUMENTS) * len(OPERATIONS)
    assert differences(tables["engine"], tables[transport]) == {}


def test_rest_and_graphql_agree_on_every_cell(tables: dict[str, Table]) -> None:
    assert differences(tables["rest"], tables["graphql"]) == {}


def test_the_engine_decides_as_the_shipped_policy_says(tables: dict[str, Table]) -> None:
    assert differences(EXPECTED, tables["engine"]) == {}


def test_every_outcome_occurs_in_the_table(tables: dict[str, Table]) -> None:
    """A table of one outcome would prove nothing about telling them apart."""
    assert set(tables["rest"].values()) == {"allowed", "hidden", "forbidden"}


def test_exactly_the_allowed_deletions_deleted_their_copy(
    site: Site, tables: dict[str, Table], to_delete: dict[tuple[str, str, str], int]
) -> None:
    for (who, what, transport), copy in to_delete.items():
        gone = site.rbac.documents.get(copy) is None
        assert gone == (tables[transport][who, what, "delete"] == "allowed"), (who, what, transport)
