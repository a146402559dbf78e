"""Tokens as an attacker makes them: any header, any payload, any key, signed by hand.

pyjwt's `encode` refuses much of what an attacker sends (an empty or PEM HMAC key, a non-string `iss`, a
payload that is not an object), so the attack tokens are assembled here from their three segments. The
service under attack is real: a `Forge` holds its test client and the key it signs with, so a row of the
catalogue starts from a token the service accepts and changes one thing.
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm, get_default_algorithms

from rbac_api.runtime import Rbac
from tests.conftest import ADMIN_PASSWORD, PASSWORD, bearer, login

#: A key nobody configured: what an attacker without our secret signs with.
WRONG_SECRET = b"an-attackers-own-secret-of-plenty-of-bytes-0123456789"


@functools.cache
def attacker_key() -> rsa.RSAPrivateKey:
    """The attacker's own RSA key pair (one per test run: generating one takes a moment)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def attacker_jwk() -> dict[str, Any]:
    """The attacker's public key as a JWK, as an embedded `jwk` header or a `jku` document carries it."""
    return dict(RSAAlgorithm.to_jwk(attacker_key().public_key(), as_dict=True))


def at(offset: int) -> int:
    """A NumericDate `offset` seconds from now."""
    return int(time.time()) + offset


def segment(part: object) -> str:
    """A JWS segment: compact JSON, or raw bytes as given, in unpadded base64url."""
    raw = part if isinstance(part, bytes) else json.dumps(part, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def sign(header: object, payload: object, key: Any, algorithm: str) -> str:
    """`header.payload.signature` with `algorithm` and `key`, whatever they are (an HMAC key may be empty
    or a public key's PEM bytes: the attacker's choice, not pyjwt's)."""
    signing_input = f"{segment(header)}.{segment(payload)}".encode()
    # `sign` takes the key as given: pyjwt's `prepare_key` checks (no empty HMAC key, no PEM) never run.
    signature = get_default_algorithms()[algorithm].sign(signing_input, key)
    return f"{signing_input.decode()}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


@dataclass
class Forge:
    """A running service, its signing key, and one user (`victim`) whose tokens the attacks start from."""

    client: TestClient
    key: Any = field(repr=False)
    algorithm: str
    kid: str | None = None
    #: The PEM of the service's public key (asymmetric services only): public, so the attacker has it.
    public_pem: bytes | None = field(default=None, repr=False)
    _names: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def rbac(self) -> Rbac:
        runtime: Rbac = self.client.app.state.rbac  # type: ignore[attr-defined]
        return runtime

    @property
    def victim(self) -> int:
        return self.rbac.users.id_of("victim")

    def header(self, **changes: Any) -> dict[str, Any]:
        """The header the service writes, with `changes` (a None value drops the member)."""
        header = {"alg": self.algorithm, "typ": "at+jwt", "kid": self.kid}
        return without_none({**header, **changes})

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Claims the service would accept for `victim`, with `changes` (a None value drops the claim)."""
        now = int(time.time())
        claims = {
            "iss": self.rbac.settings.issuer,
            "aud": self.rbac.settings.audience,
            "sub": str(self.victim),
            "iat": now,
            "nbf": now,
            "exp": now + 600,
            "jti": uuid.uuid4().hex,
            "sid": "forged-session",
            "scope": "profile:read",
            "roles": ["user"],
            "ver": 0,
        }
        return without_none({**claims, **changes})

    def token(self, header: Mapping[str, Any] | None = None, **claims: Any) -> str:
        """A token signed with the service's own key: valid, unless `header` or `claims` break a rule."""
        return sign(self.header(**(header or {})), self.claims(**claims), self.key, self.algorithm)

    def user(self, *roles: str) -> str:
        """A fresh user holding `roles` (password `PASSWORD`); its name, unique within the service."""
        return self.create_user(f"user{next(self._names)}", *roles)

    def create_user(self, name: str, *roles: str) -> str:
        self.rbac.users.create(
            username=name,
            password_hash=self.rbac.hasher.hash_sync(PASSWORD),
            email=None,
            full_name=None,
            roles=roles,
        )
        return name

    def login(self, username: str, **form: str) -> dict[str, Any]:
        """The password grant's answer (access and refresh token) for `username`."""
        fields = {"grant_type": "password", "username": username, "password": PASSWORD, **form}
        response = self.client.post("/token", data=fields)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def refresh(self, refresh_token: str) -> Any:
        return self.client.post(
            "/token", data={"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    @functools.cached_property
    def admin_token(self) -> str:
        return login(self.client, "admin", ADMIN_PASSWORD)

    def as_admin(self, method: str, path: str, **kwargs: Any) -> None:
        """A change an administrator makes, which must succeed."""
        response = self.client.request(method, path, headers=bearer(self.admin_token), **kwargs)
        assert response.status_code < 300, response.text

    def accepted(self, token: str, path: str = "/users/me") -> str:
        """`token`, after checking the service takes it at `path`: an attack row that changes something
        must start from a token that worked, or it proves nothing."""
        response = self.client.get(path, headers=bearer(token))
        assert response.status_code == 200, response.text
        return token
