"""The token attack catalogue: one row per attack, each with the exact refusal on every channel.

A row names the attack, builds the token (from one the service accepts, changed in one way, or from a
session that was then ended) and says how the service must answer it. Every token that does not hold gets
the same answer, byte for byte: 401 `Bearer error="invalid_token"` with one message over REST, one
`UNAUTHENTICATED` error over GraphQL, so no answer tells a forged token from an expired, revoked or
unknown user's one. A validly signed token never gets more than the user's roles grant.

To add an attack, add one row to `ATTACKS`; builders that take several steps are functions above it.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from rbac_api.core.tokens import REQUIRED_CLAIMS
from tests.conftest import PASSWORD, bearer
from tests.security.forge import WRONG_SECRET, Forge, at, attacker_jwk, attacker_key, segment, sign
from tests.security.refusals import (
    INVALID_TOKEN,
    LACKS_USERS_READ,
    NOT_BEARER,
    Verdict,
    assert_refused,
    invalid_grant,
)

HMAC, RSA = "hmac_forge", "rsa_forge"
PATH = "../../../../../../dev/null"
NOT_A_REFRESH_TOKEN = invalid_grant("the refresh token is malformed; log in again")
ALREADY_USED = invalid_grant("the refresh token was already used; the session has been ended, log in again")
SESSION_ENDED = invalid_grant("the session has ended; log in again")


@dataclass(frozen=True)
class Attack:
    id: str
    build: Callable[[Forge], str]
    verdict: Verdict = INVALID_TOKEN
    #: The fixture of the service attacked: `HMAC` (the default HS256 service) or `RSA` (RS256).
    service: str = HMAC


def unsigned(forge: Forge, alg: str) -> str:
    """`alg: none` in any spelling, and no signature."""
    return f"{segment(forge.header(alg=alg))}.{segment(forge.claims())}."


def keyed_with_our_public_key(forge: Forge) -> str:
    """The HS/RS confusion: an HMAC whose key is the service's public key, which anybody can fetch."""
    assert forge.public_pem is not None
    return sign(forge.header(alg="HS256"), forge.claims(), forge.public_pem, "HS256")


def tampered_payload(forge: Forge) -> str:
    """A genuine token whose payload is swapped for one claiming more, the signature left as it was."""
    header, _, signature = forge.accepted(forge.token()).split(".")
    return f"{header}.{segment(forge.claims(scope='profile:read users:read'))}.{signature}"


def tampered_signature(forge: Forge) -> str:
    token = forge.accepted(forge.token())
    signature = base64.urlsafe_b64decode(token.rsplit(".", 1)[1] + "==")
    flipped = bytes([signature[0] ^ 1]) + signature[1:]
    return f"{token.rsplit('.', 1)[0]}.{base64.urlsafe_b64encode(flipped).rstrip(b'=').decode()}"


def revoked(forge: Forge) -> str:
    """RFC 7009: the access token itself sent to `/revoke`."""
    access = forge.accepted(fresh(forge)["access_token"])
    assert forge.client.post("/revoke", data={"token": access}).status_code == 200
    return access


def revoked_by_its_refresh_token(forge: Forge) -> str:
    tokens = fresh(forge)
    forge.accepted(tokens["access_token"])
    assert forge.client.post("/revoke", data={"token": tokens["refresh_token"]}).status_code == 200
    return str(tokens["access_token"])


def logged_out(forge: Forge) -> str:
    access = forge.accepted(fresh(forge)["access_token"])
    response = forge.client.post("/graphql", json={"query": "mutation { logout }"}, headers=bearer(access))
    assert response.json() == {"data": {"logout": True}}
    return access


def signed_out_by_an_admin(forge: Forge) -> str:
    name = forge.user("user")
    access = forge.accepted(forge.login(name)["access_token"])
    forge.as_admin("POST", f"/users/{name}/sessions/revoke")
    return access


def rotated(forge: Forge) -> tuple[str, dict[str, str]]:
    """A refresh token, and the answer of the refresh that rotated it."""
    first = fresh(forge)
    response = forge.refresh(first["refresh_token"])
    assert response.status_code == 200, response.text
    return first["refresh_token"], response.json()


def used_refresh_token(forge: Forge) -> str:
    return rotated(forge)[0]


def reused(forge: Forge) -> dict[str, str]:
    """The family of a refresh token presented again after rotation: the newest tokens it had issued."""
    old, newest = rotated(forge)
    forge.accepted(newest["access_token"])
    assert forge.refresh(old).json()["error"] == "invalid_grant"
    return newest


def signed(algorithm: str, key: object = None, **header: object) -> Callable[[Forge], str]:
    """Claims the service would accept, signed with `algorithm` and `key` (None: the service's own key),
    under the service's header with `header` changes."""
    return lambda f: sign(
        f.header(alg=algorithm, **header), f.claims(), f.key if key is None else key, algorithm
    )


def by_attacker(**header: object) -> Callable[[Forge], str]:
    """Signed with the attacker's RSA key, under our header with `header` changes (an attacker's `kid`, or
    `jku` or `x5u` pointing at the attacker's key)."""
    return lambda f: sign(f.header(**{"alg": "RS256", **header}), f.claims(), attacker_key(), "RS256")


def with_attackers_jwk(forge: Forge) -> str:
    """The attacker's public key embedded in the header (`jwk`), the token signed with its private key."""
    return sign(forge.header(jwk=attacker_jwk()), forge.claims(), attacker_key(), "RS256")


def fresh(forge: Forge) -> dict[str, str]:
    """The tokens of a new login of a new user."""
    return forge.login(forge.user("user"))


def account_changed(change: Callable[[Forge, str], None]) -> Callable[[Forge], str]:
    """A token of a user, taken before `change(forge, name)` was made to the account."""

    def build(forge: Forge) -> str:
        name = forge.user("user")
        access = forge.accepted(forge.login(name)["access_token"])
        change(forge, name)
        return access

    return build


def disable(forge: Forge, name: str) -> None:
    forge.as_admin("PATCH", f"/users/{name}", json={"disabled": True})


def disable_then_enable(forge: Forge, name: str) -> None:
    disable(forge, name)
    forge.as_admin("PATCH", f"/users/{name}", json={"disabled": False})


def delete(forge: Forge, name: str) -> None:
    forge.as_admin("DELETE", f"/users/{name}")


def change_password(forge: Forge, name: str) -> None:
    access = forge.login(name)["access_token"]
    change = {"password": "a brand new password", "old_password": PASSWORD}
    assert forge.client.patch("/users/me", json=change, headers=bearer(access)).status_code == 200


def inflated(forge: Forge) -> str:
    """Validly signed, for a plain user, claiming the admin role and scopes it does not grant."""
    return forge.accepted(forge.token(scope="profile:read users:read users:write", roles=["admin"]))


def lost_role(forge: Forge) -> str:
    """A token of an auditor, taken before the auditor role was taken away: it no longer reads users."""
    name = forge.user("user", "auditor")
    access = forge.accepted(forge.login(name)["access_token"], "/users")
    forge.as_admin("DELETE", f"/users/{name}/roles/auditor")
    return str(access)


# fmt: off
ATTACKS = [
    # The signature and its algorithm
    Attack("alg-none", lambda f: unsigned(f, "none")),
    Attack("alg-None", lambda f: unsigned(f, "None")),
    Attack("alg-NONE", lambda f: unsigned(f, "NONE")),
    Attack("alg-none-rsa-service", lambda f: unsigned(f, "none"), service=RSA),
    Attack("hs256-keyed-with-our-rsa-public-key", keyed_with_our_public_key, service=RSA),
    Attack("wrong-hmac-key", signed("HS256", WRONG_SECRET)),
    Attack("wrong-rsa-key-with-our-kid", by_attacker(), service=RSA),
    Attack("hs512-with-our-secret", signed("HS512")),
    Attack("rs256-on-the-hmac-service", by_attacker()),
    Attack("tampered-payload", tampered_payload),
    Attack("tampered-signature", tampered_signature),
    Attack("signature-stripped", lambda f: f.token().rsplit(".", 1)[0] + "."),
    # Time
    Attack("expired", lambda f: f.token(iat=at(-3600), nbf=at(-3600), exp=at(-60))),
    Attack("nbf-in-the-future", lambda f: f.token(nbf=at(60))),
    Attack("iat-in-the-future", lambda f: f.token(iat=at(60))),
    # Each required claim missing
    Attack("missing-iss", lambda f: f.token(iss=None)),
    Attack("missing-aud", lambda f: f.token(aud=None)),
    Attack("missing-sub", lambda f: f.token(sub=None)),
    Attack("missing-iat", lambda f: f.token(iat=None)),
    Attack("missing-nbf", lambda f: f.token(nbf=None)),
    Attack("missing-exp", lambda f: f.token(exp=None)),
    Attack("missing-jti", lambda f: f.token(jti=None)),
    Attack("missing-sid", lambda f: f.token(sid=None)),
    Attack("missing-scope", lambda f: f.token(scope=None)),
    Attack("missing-roles", lambda f: f.token(roles=None)),
    Attack("missing-ver", lambda f: f.token(ver=None)),
    # Claims that name someone or something else
    Attack("wrong-iss", lambda f: f.token(iss="https://attacker.example")),
    Attack("wrong-aud", lambda f: f.token(aud="another-service")),
    Attack("aud-list-with-ours", lambda f: f.token(aud=[f.rbac.settings.audience, "another-service"])),
    Attack("unknown-sub", lambda f: f.token(sub="987654")),
    Attack("sub-a-user-name", lambda f: f.token(sub="victim")),
    Attack("ver-stale", lambda f: f.token(ver=1)),
    # Claims of the wrong type
    Attack("sub-int", lambda f: f.token(sub=f.victim)),
    Attack("scope-list", lambda f: f.token(scope=["profile:read"])),
    Attack("roles-string", lambda f: f.token(roles="user")),
    Attack("ver-string", lambda f: f.token(ver="0")),
    Attack("ver-bool", lambda f: f.token(ver=False)),
    Attack("exp-string", lambda f: f.token(exp=str(at(600)))),
    Attack("exp-float", lambda f: f.token(exp=at(600) + 0.5)),
    Attack("iss-list", lambda f: f.token(iss=[f.rbac.settings.issuer])),
    Attack("jti-int", lambda f: f.token(jti=7)),
    Attack("sid-object", lambda f: f.token(sid={"id": "x"})),
    # The header
    Attack("typ-JWT", lambda f: f.token({"typ": "JWT"})),
    Attack("typ-id+jwt", lambda f: f.token({"typ": "id+jwt"})),
    Attack("typ-missing", lambda f: f.token({"typ": None})),
    Attack("crit-unknown-extension", lambda f: f.token({"crit": ["exp-ext"], "exp-ext": 1})),
    Attack("b64-false", lambda f: f.token({"b64": False, "crit": ["b64"]})),
    # Keys the token names
    Attack("kid-path-traversal-hmac-service", signed("HS256", b"", kid=PATH)),
    Attack("kid-path-traversal", signed("HS256", b"", kid=PATH), service=RSA),
    Attack("kid-missing", lambda f: f.token({"kid": None}), service=RSA),
    Attack("kid-unknown", by_attacker(kid="attacker-key"), service=RSA),
    Attack("jku-attacker-jwks", by_attacker(jku="https://attacker.example/jwks.json"), service=RSA),
    Attack("x5u-attacker-certificate", by_attacker(x5u="https://attacker.example/cert.pem"), service=RSA),
    Attack("jwk-embedded-attacker-key", with_attackers_jwk, service=RSA),
    # Not a JWS at all
    Attack("garbage", lambda f: "garbage"),
    Attack("two-parts", lambda f: f.token().rsplit(".", 1)[0]),
    Attack("four-parts", lambda f: f.token() + ".AAAA"),
    Attack("empty", lambda f: "", NOT_BEARER),
    Attack("non-ascii", lambda f: f.token() + "é"),
    Attack("non-ascii-payload", lambda f: f"{segment(f.header())}.€.{f.token().rsplit('.', 1)[1]}"),
    Attack("header-not-an-object", lambda f: sign(["HS256"], f.claims(), f.key, "HS256")),
    Attack("payload-not-an-object", lambda f: sign(f.header(), [f.claims()], f.key, "HS256")),
    Attack("9-kb", lambda f: f.token(padding="x" * 9000)),
    # A token of the other kind
    Attack("refresh-token-as-access-token", lambda f: fresh(f)["refresh_token"]),
    Attack("access-token-as-refresh-token", lambda f: fresh(f)["access_token"], NOT_A_REFRESH_TOKEN),
    # Ended sessions
    Attack("revoked", revoked),
    Attack("revoked-by-its-refresh-token", revoked_by_its_refresh_token),
    Attack("logged-out", logged_out),
    Attack("signed-out-by-an-admin", signed_out_by_an_admin),
    Attack("refresh-token-used-twice", used_refresh_token, ALREADY_USED),
    Attack("reused-family-access-token", lambda f: reused(f)["access_token"]),
    Attack("reused-family-refresh-token", lambda f: reused(f)["refresh_token"], SESSION_ENDED),
    # Accounts changed since the token was issued
    Attack("disabled-user", account_changed(disable)),
    Attack("re-enabled-user", account_changed(disable_then_enable)),
    Attack("deleted-user", account_changed(delete)),
    Attack("password-changed", account_changed(change_password)),
    Attack("role-removed", lost_role, LACKS_USERS_READ),
    # Validly signed, claiming more than the roles grant: only what the roles grant counts
    Attack("scope-inflated", inflated, LACKS_USERS_READ),
]
# fmt: on


@pytest.mark.parametrize("attack", [pytest.param(a, id=a.id) for a in ATTACKS])
def test_the_attack_is_refused_exactly(attack: Attack, request: pytest.FixtureRequest) -> None:
    forge: Forge = request.getfixturevalue(attack.service)
    for channel, refusal in attack.verdict:
        token = attack.build(forge)  # afresh for each channel: presenting a refresh token changes its state
        response = channel.send(forge.client, token)
        assert_refused(response, refusal, sent=[token], where=channel.name)


@pytest.mark.parametrize("service", [HMAC, RSA])
def test_the_forge_starts_from_tokens_the_service_accepts(
    service: str, request: pytest.FixtureRequest
) -> None:
    """The control: each row changes one thing in a token that, unchanged, gets in."""
    forge: Forge = request.getfixturevalue(service)
    response = forge.client.get("/users/me", headers=bearer(forge.token()))
    assert response.json()["username"] == "victim"


def test_the_catalogue_has_a_row_for_every_required_claim() -> None:
    missing = {a.id.removeprefix("missing-") for a in ATTACKS if a.id.startswith("missing-")}
    assert missing == set(REQUIRED_CLAIMS)


def test_the_catalogue_ids_are_unique() -> None:
    ids = [a.id for a in ATTACKS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)


@pytest.mark.parametrize("service", [HMAC, RSA])
def test_the_forge_writes_the_header_the_service_writes(service: str, request: pytest.FixtureRequest) -> None:
    forge: Forge = request.getfixturevalue(service)
    issued = forge.login("victim")["access_token"]
    assert json.loads(base64.urlsafe_b64decode(issued.split(".")[0] + "==")) == forge.header()
