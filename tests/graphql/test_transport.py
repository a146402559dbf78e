"""Transport hardening: JSON only, no mutations over GET, no uploads, no batches, no WebSockets, not in
OpenAPI; each refusal a GraphQL error with the status GraphQL over HTTP gives it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.graphql.conftest import codes

QUERY = '{ can(scopes: ["profile:read"]) }'
REFUSED = {"code": "BAD_REQUEST"}


def test_json_post_executes_with_status_200(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": QUERY})
    assert (response.status_code, response.json()) == (200, {"data": {"can": False}})


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("application/x-www-form-urlencoded", "query=%7B+can%28scopes%3A+%5B%5D%29+%7D"),
        ("text/plain", '{"query": "{ __typename }"}'),
        (
            "multipart/form-data; boundary=x",
            '--x\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{}\r\n--x--',
        ),
    ],
    ids=["form", "text-plain", "multipart"],
)
def test_non_json_bodies_are_refused_as_unsupported_media_type(
    client: TestClient, content_type: str, body: str
) -> None:
    response = client.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"] == REFUSED


def test_a_batch_is_refused_as_a_bad_request(client: TestClient) -> None:
    response = client.post("/graphql", json=[{"query": QUERY}, {"query": QUERY}])
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"] == REFUSED


def test_queries_over_get_execute(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": QUERY})
    assert (response.status_code, response.json()) == (200, {"data": {"can": False}})


def test_mutations_over_get_are_refused_as_method_not_allowed_naming_post(client: TestClient) -> None:
    response = client.get("/graphql", params={"query": 'mutation { deleteUser(username: "admin") }'})
    assert (response.status_code, response.headers["allow"]) == (405, "POST")
    [error] = response.json()["errors"]
    assert error == {
        "message": "mutations are not allowed when using GET; send it with POST",
        "extensions": REFUSED,
    }


def test_websocket_connections_are_refused(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws,
    ):
        ws.receive_text()


def test_graphql_routes_are_not_in_the_openapi_document(client: TestClient) -> None:
    assert not any(path.startswith("/graphql") for path in client.get("/openapi.json").json()["paths"])


def test_an_invalid_token_is_unauthenticated_not_anonymous(client: TestClient) -> None:
    response = client.post("/graphql", json={"query": QUERY}, headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200
    assert response.json()["data"] is None
    assert codes(response.json()) == ["UNAUTHENTICATED"]


def test_malformed_json_is_a_400(client: TestClient) -> None:
    response = client.post("/graphql", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400


def test_missing_query_is_a_400(client: TestClient) -> None:
    assert client.post("/graphql", json={"variables": {}}).status_code == 400
