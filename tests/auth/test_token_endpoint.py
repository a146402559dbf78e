"""POST /token: the OAuth2 password grant and its RFC 6749 §5.2 errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.conftest import PASSWORD

FORM = {"grant_type": "password", "username": "alice", "password": PASSWORD}


@pytest.fixture
def alice(make_user: Callable[..., int]) -> int:
    return make_user("alice", "editor")


def post(client: TestClient, **fields: str | None) -> tuple[int, dict[str, str], dict[str, str]]:
    form = {k: v for k, v in {**FORM, **fields}.items() if v is not None}
    response = client.post("/token", data=form)
    return response.status_code, response.json(), dict(response.headers)


def test_password_grant_returns_a_bearer_token_with_every_granted_scope(
    client: TestClient, alice: int
) -> None:
    status, body, _ = post(client)
    assert status == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 15 * 60
    assert body["scope"].split(" ") == ["documents:read", "documents:write", "profile:read", "profile:write"]


def test_requested_scopes_narrow_the_token(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, scope="documents:read")
    assert (status, body["scope"]) == (200, "documents:read")


def test_requested_scopes_the_roles_do_not_grant_are_left_out(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, scope="documents:read users:write")
    assert (status, body["scope"]) == (200, "documents:read")


def test_empty_scope_parameter_means_every_granted_scope(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, scope="")
    assert status == 200
    assert "documents:write" in body["scope"].split(" ")


@pytest.mark.parametrize("headers_of", ["success", "failure"])
def test_token_responses_are_never_cached(client: TestClient, alice: int, headers_of: str) -> None:
    _, _, headers = post(client, password=PASSWORD if headers_of == "success" else "wrong password")
    assert headers["cache-control"] == "no-store"


def test_wrong_password_and_unknown_user_get_the_same_invalid_grant(client: TestClient, alice: int) -> None:
    wrong = post(client, password="not the password")
    unknown = post(client, username="nobody")
    assert wrong[0] == unknown[0] == 400
    assert wrong[1] == unknown[1]
    assert wrong[1]["error"] == "invalid_grant"
    assert wrong[1]["error_description"]


def test_disabled_user_gets_invalid_grant(client: TestClient, make_user: Callable[..., int]) -> None:
    make_user("dora", "user", disabled=True)
    status, body, _ = post(client, username="dora")
    assert (status, body["error"]) == (400, "invalid_grant")


def test_user_name_is_matched_after_normalisation(client: TestClient, alice: int) -> None:
    status, _, _ = post(client, username="ＡＬＩＣＥ")
    assert status == 200


@pytest.mark.parametrize(
    "username",
    ["a" * 65, "ali\x00ce", "ali\u200bce", "ali\tce"],
    ids=["too-long", "nul", "zero-width", "tab"],
)
def test_impossible_user_names_get_invalid_grant_not_an_error(client: TestClient, username: str) -> None:
    status, body, _ = post(client, username=username)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_password_longer_than_bcrypt_reads_gets_invalid_grant(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, password=PASSWORD + "x" * 80)
    assert (status, body["error"]) == (400, "invalid_grant")


def test_password_sharing_the_first_72_bytes_is_not_accepted(
    client: TestClient, make_user: Callable[..., int]
) -> None:
    make_user("long", "user", password="p" * 72)
    status, body, _ = post(client, username="long", password="p" * 72 + "extra")
    assert (status, body["error"]) == (400, "invalid_grant")


@pytest.mark.parametrize("missing", ["grant_type", "username", "password"])
def test_missing_parameter_is_invalid_request(client: TestClient, alice: int, missing: str) -> None:
    status, body, _ = post(client, **{missing: None})
    assert (status, body["error"]) == (400, "invalid_request")
    assert missing in body["error_description"]


def test_json_body_is_invalid_request(client: TestClient, alice: int) -> None:
    response = client.post("/token", json=FORM)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in response.json()["error_description"]


def test_repeated_parameter_is_invalid_request(client: TestClient, alice: int) -> None:
    body = "grant_type=password&username=alice&username=bob&password=" + PASSWORD.replace(" ", "+")
    response = client.post(
        "/token", content=body, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


@pytest.mark.parametrize("grant_type", ["authorization_code", "implicit", "PASSWORD", ""])
def test_other_grant_types_are_unsupported(client: TestClient, alice: int, grant_type: str) -> None:
    status, body, _ = post(client, grant_type=grant_type)
    assert (status, body["error"]) == (400, "unsupported_grant_type")


def test_unknown_scope_is_invalid_scope(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, scope="documents:read reports:read")
    assert (status, body["error"]) == (400, "invalid_scope")
    assert "reports:read" in body["error_description"]


@pytest.mark.parametrize(
    "scope",
    [
        "documents:read\tprofile:read",
        "documents:read,profile:read",
        "documents:read\u00a0profile:read",
        "documents:read  profile:read",
        " documents:read",
        "documents:read ",
        "Documents:Read",
        "documents\u2236read",  # RATIO, a colon look-alike
        "ｄocuments:read",  # fullwidth d
    ],
    ids=["tab", "comma", "nbsp", "double-space", "leading", "trailing", "upper", "ratio-colon", "fullwidth"],
)
def test_scope_separators_and_look_alikes_are_invalid_scope(
    client: TestClient, alice: int, scope: str
) -> None:
    status, body, _ = post(client, scope=scope)
    assert (status, body["error"]) == (400, "invalid_scope")


@pytest.mark.parametrize("grant_type", ["implicit", "device_code", "refresh"])
def test_the_grant_type_decides_first_whatever_else_is_missing(client: TestClient, grant_type: str) -> None:
    response = client.post("/token", data={"grant_type": grant_type})
    assert (response.status_code, response.json()["error"]) == (400, "unsupported_grant_type")


def test_a_login_asking_only_for_scopes_the_roles_do_not_grant_is_invalid_scope(
    client: TestClient, alice: int
) -> None:
    status, body, _ = post(client, scope="users:write")
    assert (status, body["error"]) == (400, "invalid_scope")
    assert "users:write" in body["error_description"]


def test_invented_http_basic_client_credentials_are_invalid_client(client: TestClient, alice: int) -> None:
    response = client.post("/token", data=FORM, auth=("invented-client", "invented-secret"))
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic ")


def test_invented_client_credentials_in_the_form_are_invalid_client(client: TestClient, alice: int) -> None:
    status, body, headers = post(client, client_id="invented-client", client_secret="invented-secret")
    assert (status, body["error"]) == (401, "invalid_client")
    assert "www-authenticate" not in headers


@pytest.mark.parametrize(
    "authorization",
    ["Basic not-base64!", "Basic " + "bm9jb2xvbg==", "Bearer abc"],
    ids=["garbage", "no-colon", "bearer"],
)
def test_malformed_client_authentication_is_invalid_client(
    client: TestClient, alice: int, authorization: str
) -> None:
    response = client.post("/token", data=FORM, headers={"Authorization": authorization})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_a_public_client_may_name_itself_without_a_secret(client: TestClient, alice: int) -> None:
    status, body, _ = post(client, client_id="first-party-app")
    assert status == 200
    assert body["refresh_token"].startswith("rbac_rt_")


def test_client_credentials_sent_two_ways_at_once_are_invalid_request(client: TestClient, alice: int) -> None:
    response = client.post("/token", data={**FORM, "client_id": "x"}, auth=("x", "y"))
    assert (response.status_code, response.json()["error"]) == (400, "invalid_request")


def test_a_successful_token_response_has_exactly_the_documented_fields(
    client: TestClient, alice: int
) -> None:
    _, body, _ = post(client)
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}


@pytest.mark.parametrize(
    "basic", ["Og==", "Zmlyc3QtcGFydHk6"], ids=["swagger-ui-empty-id-and-secret", "id-without-secret"]
)
def test_http_basic_without_a_secret_is_a_public_client(client: TestClient, alice: int, basic: str) -> None:
    # Swagger UI sends `Basic Og==` (":"), and "first-party:" names a public client: neither is a secret.
    response = client.post("/token", data=FORM, headers={"Authorization": f"Basic {basic}"})
    assert response.status_code == 200
