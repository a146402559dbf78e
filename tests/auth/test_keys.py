"""Asymmetric signing keys: RS256, ES256 and EdDSA from PEM files, `kid` thumbprints, JWKS, rotation."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import stat
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_public_key,
)
from fastapi.testclient import TestClient

from rbac_api import ConfigError, create_app
from rbac_api.core.keys import KeyFileError, generate_key_pair, thumbprint
from tests.conftest import ADMIN_PASSWORD, bearer, make_settings

ALGORITHMS = ["RS256", "ES256", "EdDSA"]


def _b64(text: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)), "big")


def test_the_kid_is_the_rfc_7638_thumbprint() -> None:
    # RFC 7638 §3.1: this key's thumbprint is NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs.
    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3"
        "oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0z"
        "gdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
        "Cur-kEgU8awapJzKnqDKgw"
    )
    key = rsa.RSAPublicNumbers(_b64("AQAB"), _b64(n)).public_key()
    assert thumbprint(key) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def key_pair(tmp_path: Path, algorithm: str, name: str = "signing") -> tuple[Path, Path]:
    return generate_key_pair(algorithm, tmp_path / "keys", name)


def service(tmp_path: Path, algorithm: str, signing: Path, *verify: Path) -> TestClient:
    settings = make_settings(
        tmp_path,
        algorithm=algorithm,
        signing_key_file=signing,
        verify_key_files=",".join(str(path) for path in verify),
    )
    return TestClient(create_app(settings))


def admin_token(client: TestClient) -> str:
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    token: str = client.post("/token", data=form).json()["access_token"]
    return token


@pytest.fixture(params=ALGORITHMS)
def signed(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, str, Path]]:
    algorithm: str = request.param
    private, public = key_pair(tmp_path, algorithm)
    with service(tmp_path, algorithm, private) as client:
        yield client, algorithm, public


def test_tokens_are_signed_with_the_configured_key_and_accepted(
    signed: tuple[TestClient, str, Path],
) -> None:
    client, algorithm, public = signed
    token = admin_token(client)
    header = jwt.get_unverified_header(token)
    assert (header["alg"], header["typ"]) == (algorithm, "at+jwt")
    public_key = load_pem_public_key(public.read_bytes())
    assert header["kid"] == thumbprint(public_key)  # type: ignore[arg-type]
    assert client.get("/users/me", headers=bearer(token)).status_code == 200


def test_a_resource_server_verifies_our_tokens_with_the_jwks_document(
    signed: tuple[TestClient, str, Path],
) -> None:
    client, algorithm, _ = signed
    token = admin_token(client)
    document = client.get("/.well-known/jwks.json")
    assert document.headers["cache-control"].startswith("public")
    (published,) = document.json()["keys"]
    assert (published["alg"], published["use"], published["kid"]) == (
        algorithm,
        "sig",
        jwt.get_unverified_header(token)["kid"],
    )
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(published)  # public parts only
    key = jwt.PyJWK(published)
    claims = jwt.decode(token, key, algorithms=[algorithm], audience="rbac-api", issuer="rbac-api")
    assert claims["sub"]


def test_the_jwks_document_is_empty_with_a_shared_secret(client: TestClient) -> None:
    assert client.get("/.well-known/jwks.json").json() == {"keys": []}


def test_a_rotated_out_key_still_verifies_while_it_is_listed(tmp_path: Path) -> None:
    old_private, old_public = key_pair(tmp_path, "ES256", "old")
    new_private, _ = key_pair(tmp_path, "EdDSA", "new")
    with service(tmp_path, "ES256", old_private) as before:
        token = admin_token(before)
    with service(tmp_path, "EdDSA", new_private, old_public) as during:
        assert during.get("/users/me", headers=bearer(token)).status_code == 200
        assert jwt.get_unverified_header(admin_token(during))["alg"] == "EdDSA"
        assert [k["alg"] for k in during.get("/.well-known/jwks.json").json()["keys"]] == ["EdDSA", "ES256"]
    with service(tmp_path, "EdDSA", new_private) as after:
        assert after.get("/users/me", headers=bearer(token)).status_code == 401


def _forge(key: Any, algorithm: str, headers: dict[str, Any], sub: str = "1") -> str:
    now = int(time.time())
    claims = {
        "iss": "rbac-api",
        "aud": "rbac-api",
        "sub": sub,
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": uuid.uuid4().hex,
        "sid": "forged",
        "scope": "profile:read",
        "roles": ["admin"],
        "ver": 0,
    }
    return jwt.encode(claims, key, algorithm=algorithm, headers={"typ": "at+jwt", **headers})


def test_an_hmac_token_keyed_with_our_public_key_is_refused(tmp_path: Path) -> None:
    """The HS/RS confusion: a public key is public, so an HMAC keyed with it proves nothing."""
    private, public = key_pair(tmp_path, "RS256")
    with service(tmp_path, "RS256", private) as client:
        kid = jwt.get_unverified_header(admin_token(client))["kid"]
        header = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
        payload = jwt.decode(_forge("k" * 32, "HS256", {}), options={"verify_signature": False})
        # pyjwt itself refuses a PEM as an HMAC key, so the attacker signs by hand.
        signing_input = f"{_segment(header)}.{_segment(payload)}"
        digest = hmac.new(public.read_bytes(), signing_input.encode(), hashlib.sha256).digest()
        token = f"{signing_input}.{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"
        assert client.get("/users/me", headers=bearer(token)).status_code == 401


def _segment(part: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "headers",
    [
        {"kid": "../../../../dev/null"},
        {"kid": "unknown-kid"},
        {},
        {"jwk": "ATTACKER_JWK"},
        {"jku": "http://attacker.example/jwks.json", "kid": "ATTACKER_KID"},
        {"x5u": "http://attacker.example/cert.pem", "kid": "ATTACKER_KID"},
    ],
    ids=["kid-path", "kid-unknown", "no-kid", "embedded-jwk", "jku", "x5u"],
)
def test_tokens_signed_by_keys_we_did_not_configure_are_refused(
    tmp_path: Path, headers: dict[str, Any]
) -> None:
    private, _ = key_pair(tmp_path, "ES256")
    attacker = ec.generate_private_key(ec.SECP256R1())
    attacker_kid = thumbprint(attacker.public_key())
    resolved = {
        name: (
            json.loads(jwt.algorithms.ECAlgorithm.to_jwk(attacker.public_key()))
            if value == "ATTACKER_JWK"
            else attacker_kid
            if value == "ATTACKER_KID"
            else value
        )
        for name, value in headers.items()
    }
    with service(tmp_path, "ES256", private) as client:
        token = _forge(attacker, "ES256", resolved)
        response = client.get("/users/me", headers=bearer(token))
        assert response.status_code == 401
        assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_token_of_another_algorithm_is_refused_even_with_a_listed_kid(tmp_path: Path) -> None:
    private, public = key_pair(tmp_path, "ES256")
    other_private, _ = key_pair(tmp_path, "ES256", "other")
    with service(tmp_path, "ES256", private) as client:
        kid = jwt.get_unverified_header(admin_token(client))["kid"]
        pem = other_private.read_bytes()
        token = _forge(pem, "ES256", {"kid": kid})
        assert client.get("/users/me", headers=bearer(token)).status_code == 401
        assert public.exists()


@pytest.mark.parametrize(
    ("algorithm", "key_algorithm", "message"),
    [
        ("RS256", None, "rbac-api keys generate"),
        ("RS256", "ES256", "RBAC_ALGORITHM=ES256"),
        ("HS256", "EdDSA", "RBAC_SIGNING_KEY_FILE is set"),
    ],
    ids=["missing-key", "wrong-algorithm", "hmac-with-key-file"],
)
def test_a_key_configuration_that_cannot_work_names_the_fix(
    tmp_path: Path, algorithm: str, key_algorithm: str | None, message: str
) -> None:
    signing = key_pair(tmp_path, key_algorithm)[0] if key_algorithm else None
    settings = make_settings(tmp_path, algorithm=algorithm, signing_key_file=signing)
    with pytest.raises(ConfigError, match=message):
        create_app(settings)


def test_a_short_rsa_key_is_refused(tmp_path: Path) -> None:
    weak = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (the point)
    path = tmp_path / "weak.pem"
    path.write_bytes(weak.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    with pytest.raises(ConfigError, match="at least 2048"):
        create_app(make_settings(tmp_path, algorithm="RS256", signing_key_file=path))


def test_a_missing_verification_key_file_is_refused(tmp_path: Path) -> None:
    private, _ = key_pair(tmp_path, "EdDSA")
    settings = make_settings(
        tmp_path, algorithm="EdDSA", signing_key_file=private, verify_key_files=str(tmp_path / "gone.pem")
    )
    with pytest.raises(ConfigError, match="cannot read key file"):
        create_app(settings)


def test_generated_private_keys_are_private_and_never_overwritten(tmp_path: Path) -> None:
    private, public = key_pair(tmp_path, "EdDSA")
    assert stat.S_IMODE(private.stat().st_mode) == 0o600
    assert stat.S_IMODE(public.stat().st_mode) == 0o644
    before = private.read_bytes()
    with pytest.raises(FileExistsError):
        key_pair(tmp_path, "EdDSA")
    assert private.read_bytes() == before


def test_an_unknown_algorithm_cannot_be_generated(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="RS256, ES256, EdDSA"):
        key_pair(tmp_path, "HS256")
