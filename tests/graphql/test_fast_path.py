"""`POST /graphql` with one JSON operation takes a short path past Strawberry's view; every answer is the
one Strawberry's path gives, and what the short path does not take is replayed to Strawberry unchanged."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac_api.graphql import fast_path
from rbac_api.graphql.router import RbacGraphQLRouter

QUERIES = [
    "{ me { username roles } }",
    "query Me { me { username } } query Roles { roles { name } }",
    "query ($n: String!) { user(username: $n) { username } }",
    "{ users(first: 2) { edges { node { username } } pageInfo { hasNextPage } } }",
    "{ myPermissions { scopes } can(scopes: []) }",
    "{ nope }",
    "{ me { username ",
    'mutation { deleteDocument(id: "1") }',
    "subscription { me }",
    "",
]
VARIABLES = st.one_of(
    st.none(), st.just({}), st.fixed_dictionaries({"n": st.sampled_from(["admin", "nobody", 3, None])})
)
NAMES = st.one_of(st.none(), st.sampled_from(["Me", "Roles", "Other"]), st.just(3))
BODIES = st.one_of(
    st.builds(
        lambda query, variables, name, extra: {
            "query": query,
            **({"variables": variables} if variables is not None else {}),
            **({"operationName": name} if name is not None else {}),
            **extra,
        },
        st.sampled_from(QUERIES),
        VARIABLES,
        NAMES,
        st.sampled_from([{}, {"extensions": {}}, {"id": "x"}]),
    ),
    st.sampled_from([[], [{"query": "{ me { username } }"}], "text", 3, None]),
)


def post(client: TestClient, body: bytes, headers: dict[str, str]) -> tuple[int, str, Any]:
    response = client.post("/graphql", content=body, headers=headers)
    return response.status_code, response.headers["content-type"], response.json()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES, token=st.sampled_from(["admin", "none", "forged"]))
def test_every_answer_is_the_one_strawberrys_path_gives(
    client: TestClient, admin_token: str, monkeypatch: pytest.MonkeyPatch, body: object, token: str
) -> None:
    bearer = {"admin": admin_token, "none": None, "forged": admin_token[:-4] + "AAAA"}[token]
    headers = {"content-type": "application/json"}
    if bearer is not None:
        headers["authorization"] = f"Bearer {bearer}"
    raw = json.dumps(body).encode()
    short = post(client, raw, headers)
    with monkeypatch.context() as patch:
        patch.setattr(fast_path, "_one_operation", lambda body: None)
        assert post(client, raw, headers) == short


def test_a_plain_json_operation_does_not_go_through_strawberrys_view(
    client: TestClient, admin_token: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("Strawberry's view was used")

    monkeypatch.setattr(RbacGraphQLRouter, "execute_single", refuse)
    body = json.dumps({"query": "{ me { username } }"}).encode()
    headers = {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}
    assert post(client, body, headers) == (200, "application/json", {"data": {"me": {"username": "admin"}}})


def test_a_batch_is_replayed_to_strawberry_and_refused_there(client: TestClient) -> None:
    status, _, body = post(
        client, b'[{"query": "{ me { username } }"}]', {"content-type": "application/json"}
    )
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


def test_a_body_that_is_not_json_is_refused_as_strawberrys_path_refuses_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    headers = {"content-type": "application/json"}
    short = post(client, b'{"query": ', headers)
    monkeypatch.setattr(fast_path, "_one_operation", lambda body: None)
    assert post(client, b'{"query": ', headers) == short
    assert short[0] == 400


def test_two_authorization_headers_are_refused_on_the_short_path_too(
    client: TestClient, admin_token: str
) -> None:
    response = client.post(
        "/graphql",
        content=json.dumps({"query": "{ me { username } }"}).encode(),
        headers=[
            ("content-type", "application/json"),
            ("authorization", f"Bearer {admin_token}"),
            ("authorization", f"Bearer {admin_token}"),
        ],
    )
    assert response.status_code == 400


def test_a_mutation_over_the_short_path_runs_once(client: TestClient, admin_token: str) -> None:
    query = 'mutation { createUser(input: {username: "fastpath", password: "long enough 1"}) { username } }'
    headers = {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}
    status, _, body = post(client, json.dumps({"query": query}).encode(), headers)
    assert (status, body.get("errors")) == (200, None)
    users = client.get("/users?limit=100", headers={"authorization": f"Bearer {admin_token}"}).json()
    assert [u["username"] for u in users["items"]].count("fastpath") == 1


def test_dependency_overrides_send_every_request_down_fastapis_path(
    client: TestClient, admin_token: str
) -> None:
    from rbac_api.graphql.context import GraphQLContext, graphql_context

    app = client.app
    rbac = app.state.rbac  # type: ignore[attr-defined]

    async def anonymous() -> GraphQLContext:
        from rbac_api.core.principal import ANONYMOUS

        return GraphQLContext(rbac, ANONYMOUS, None, None)

    app.dependency_overrides[graphql_context] = anonymous  # type: ignore[attr-defined]
    try:
        body = json.dumps({"query": "{ me { username } }"}).encode()
        headers = {"content-type": "application/json", "authorization": f"Bearer {admin_token}"}
        status, _, answer = post(client, body, headers)
        assert (status, answer["data"]) == (200, {"me": None})
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    finally:
        app.dependency_overrides.clear()  # type: ignore[attr-defined]
