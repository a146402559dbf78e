"""Every claim rule, one negative test each: breaking one gets the same 401 as any invalid token."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rbac_api.core.errors import NotAuthenticated
from rbac_api.core.tokens import MAX_SUBJECT_LENGTH
from rbac_api.runtime import Rbac
from tests.conftest import SECRET, bearer

NOW = int(time.time())


def me(client: TestClient, token: str) -> Any:
    return client.get("/users/me", headers=bearer(token))


def assert_invalid_token(response: Any) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert response.json() == {"detail": "Invalid or expired token; log in again to get a new one"}


def test_a_well_formed_token_is_accepted(client: TestClient, make_token: Callable[..., str]) -> None:
    assert me(client, make_token()).status_code == 200


@pytest.mark.parametrize("claim", ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "scope", "roles", "ver"])
def test_token_without_a_required_claim_is_rejected(
    client: TestClient, make_token: Callable[..., str], claim: str
) -> None:
    assert_invalid_token(me(client, make_token(**{claim: None})))


@pytest.mark.parametrize(
    ("case", "claims"),
    [
        ("expired", {"exp": NOW - 60, "iat": NOW - 1000, "nbf": NOW - 1000}),
        ("not-yet-valid", {"nbf": NOW + 3600}),
        ("issued-in-the-future", {"iat": NOW + 3600}),
        ("other-issuer", {"iss": "https://evil.example"}),
        ("issuer-prefix", {"iss": "rbac-api-evil"}),
        ("issuer-substring", {"iss": "rbac"}),
        ("other-audience", {"aud": "another-service"}),
        ("audience-list", {"aud": ["rbac-api", "another-service"]}),
        ("sub-not-a-user-id", {"sub": "admin"}),
        ("sub-unknown-user", {"sub": "999"}),
        ("ver-not-an-int", {"ver": "0"}),
        ("ver-stale", {"ver": 1}),
        ("roles-not-a-list", {"roles": "admin"}),
        ("scope-not-a-string", {"scope": ["profile:read"]}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_token_with_a_bad_claim_is_rejected(
    client: TestClient, make_token: Callable[..., str], case: str, claims: dict[str, Any]
) -> None:
    assert_invalid_token(me(client, make_token(**claims)))


@pytest.mark.parametrize(
    "sub",
    [
        "9" * 5000,  # int() of more than 4,300 digits raises
        "1" * 20,  # more digits than any database key
        str(2**63),  # 19 digits, one past the largest 64-bit key
        str(2**31),  # one past the largest id the users table holds on PostgreSQL
        "+1",
        "-1",
        "0x1",
        "\u0661",  # ARABIC-INDIC DIGIT ONE: str.isdigit() is True and int() reads it as 1
        "\uff11",  # FULLWIDTH DIGIT ONE
        "0",
        "01",  # the admin's id with a leading zero: not the form we issue
        " 1",
        "1_0",
    ],
    ids=[
        "5000-digits",
        "20-digits",
        "past-int64",
        "past-int32",
        "plus",
        "minus",
        "hex",
        "arabic-indic",
        "fullwidth",
        "zero",
        "leading-zero",
        "space",
        "underscore",
    ],
)
def test_a_sub_that_is_not_a_user_id_as_we_issue_it_is_an_invalid_token(
    client: TestClient, make_token: Callable[..., str], sub: str
) -> None:
    assert_invalid_token(me(client, make_token(sub=sub)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sub=st.text(min_size=1, max_size=30)
    | st.from_regex(r"\A[0-9]{1,25}\Z")
    | st.integers(min_value=0, max_value=10**30).map(lambda n: "0" * (n % 3) + str(n))
)
def test_every_sub_but_the_admins_id_is_an_invalid_token_never_a_500(
    client: TestClient, make_token: Callable[..., str], sub: str
) -> None:
    response = me(client, make_token(sub=sub))
    if sub == "1":  # the only user: the first admin
        assert response.status_code == 200
    else:
        assert_invalid_token(response)


def test_the_codec_refuses_a_sub_longer_than_the_bound(rbac: Rbac, make_token: Callable[..., str]) -> None:
    assert rbac.codec.decode(make_token(sub="7" * MAX_SUBJECT_LENGTH)).subject == "7" * MAX_SUBJECT_LENGTH
    with pytest.raises(NotAuthenticated):
        rbac.codec.decode(make_token(sub="7" * (MAX_SUBJECT_LENGTH + 1)))


def test_expired_token_within_leeway_is_still_accepted(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    now = int(time.time())
    assert me(client, make_token(exp=now - 2, iat=now - 100, nbf=now - 100)).status_code == 200


def test_token_signed_with_another_key_is_rejected(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    assert_invalid_token(me(client, make_token(key="another-secret-that-is-long-enough-0123456789")))


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")  # the attacker's choice of HS512
def test_token_with_another_hmac_algorithm_is_rejected(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    assert_invalid_token(me(client, make_token(algorithm="HS512")))


def test_unsigned_token_is_rejected(client: TestClient, make_token: Callable[..., str]) -> None:
    _, payload, _ = make_token().split(".")
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "at+jwt"}).encode()).rstrip(b"=")
    assert_invalid_token(me(client, f"{none_header.decode()}.{payload}."))


@pytest.mark.parametrize("typ", ["JWT", "id+jwt", None])
def test_token_of_another_type_is_rejected(
    client: TestClient, make_token: Callable[..., str], typ: str | None
) -> None:
    token = make_token(headers={"typ": typ})
    assert_invalid_token(me(client, token))


def test_token_with_unknown_critical_header_is_rejected(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    assert_invalid_token(me(client, make_token(headers={"crit": ["exp-ext"], "exp-ext": 1})))


def test_tampered_payload_is_rejected(client: TestClient, make_token: Callable[..., str]) -> None:
    header, payload, signature = make_token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["scope"] = "users:write"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    assert_invalid_token(me(client, f"{header}.{forged}.{signature}"))


@pytest.mark.parametrize(
    "token", ["garbage", "a.b.c", "", "x" * 9000], ids=["garbage", "dots", "empty", "huge"]
)
def test_malformed_token_is_rejected(client: TestClient, token: str) -> None:
    response = client.get("/users/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_other_authorization_scheme_is_an_invalid_token(client: TestClient) -> None:
    response = client.get("/users/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_missing_token_gets_a_bare_bearer_challenge(client: TestClient) -> None:
    response = client.get("/users/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert "POST /token" in response.json()["detail"]


def test_secret_used_is_the_configured_bytes(client: TestClient) -> None:
    import jwt

    token = client.post(
        "/token", data={"grant_type": "password", "username": "admin", "password": "admin-password-1"}
    ).json()["access_token"]
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="rbac-api", issuer="rbac-api")
    assert claims["sub"] == "1"
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
