"""Access tokens: issued and verified in this one module, with pinned algorithms and every claim required."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
import re
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import jwt
from jwt.algorithms import HMACAlgorithm
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError
from jwt.utils import base64url_decode, base64url_encode
from pydantic_core import from_json

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE, NotAuthenticated
from rbac_api.core.keys import KeySet, VerificationKey

log = logging.getLogger("rbac_api.tokens")

TOKEN_TYPE = "at+jwt"  # noqa: S105 - RFC 9068: an access token cannot be replayed where an ID token is expected.
REQUIRED_CLAIMS = ("iss", "aud", "sub", "iat", "nbf", "exp", "jti", "sid", "scope", "roles", "ver")
#: Longer bearer values are refused before any parsing: no legitimate token of ours comes near it.
MAX_TOKEN_LENGTH = 8192
#: Longer subjects are refused where the token is decoded: ours are user ids of at most 19 digits.
MAX_SUBJECT_LENGTH = 64
#: Session ids are 16 characters; a longer `sid` is not ours.
MAX_SESSION_ID_LENGTH = 64


@dataclass(frozen=True, slots=True)
class AccessClaims:
    """The verified content of an access token."""

    subject: str
    token_id: str
    scopes: frozenset[str]
    roles: tuple[str, ...]
    version: int
    expires_at: int
    #: The session (login) the token belongs to: ending the session refuses the token.
    session_id: str


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    scopes: tuple[str, ...]


_HASHES = {"HS256": HMACAlgorithm.SHA256, "HS384": HMACAlgorithm.SHA384, "HS512": HMACAlgorithm.SHA512}


class _ConfiguredKeyHMAC(HMACAlgorithm):
    """HMAC that runs pyjwt's key checks on the configured key once, here, instead of on every decode.

    pyjwt re-examines an HMAC key on each call (is it PEM, SSH, DER, an X.509 certificate, JWK JSON? -
    guards against a public key being used as an HMAC secret). That was about a quarter of a cold
    verification. Our key is fixed configuration, so the result cannot change; any other key object still
    gets every check, and the signature is still computed and compared on every decode.
    """

    def __init__(self, hash_alg: Any, key: bytes) -> None:
        super().__init__(hash_alg)
        self._key = key
        self._prepared = super().prepare_key(key)
        self._length_warning = super().check_key_length(self._prepared)

    def prepare_key(self, key: str | bytes) -> bytes:
        return self._prepared if key is self._key else super().prepare_key(key)

    def check_key_length(self, key: bytes) -> str | None:
        return self._length_warning if key is self._prepared else super().check_key_length(key)


class TokenCodec:
    """Encodes and decodes access tokens for one key set, issuer and audience.

    Each verification key is bound to its own algorithm (never read from the token header): an HMAC secret
    verifies HS tokens only, a public key only its own algorithm, and `kid` is looked up in the configured
    set alone (`jku`, `x5u` and embedded `jwk` headers are never used). `iss`/`aud` are compared exactly,
    so a token for another service or signed another way does not pass.
    """

    def __init__(
        self, *, keys: KeySet, issuer: str, audience: str, lifetime_seconds: int, leeway: int
    ) -> None:
        self._keys = keys
        self._issuer = issuer
        self._audience = audience
        self._lifetime = lifetime_seconds
        self._leeway = leeway
        self._headers: dict[str, str] = {"typ": TOKEN_TYPE}
        if keys.signing_kid is not None:
            self._headers["kid"] = keys.signing_kid
        # Options given once to a private PyJWT rather than per call: pyjwt merges per-call options each time.
        self._jwt = jwt.PyJWT(options={"require": list(REQUIRED_CLAIMS), "strict_aud": True})
        self._jwt._jws = _SegmentCheckedJWS(options=self._jwt._get_sig_options())
        #: The one HMAC key (no `kid` to look up), or None with asymmetric keys.
        self._secret = None if keys.asymmetric else keys.verifying[None]
        self._own: _OwnTokens | None = None
        if not keys.asymmetric:
            algorithm, secret = keys.algorithm, keys.signing_key
            self._jwt._jws.unregister_algorithm(algorithm)
            self._jwt._jws.register_algorithm(algorithm, _ConfiguredKeyHMAC(_HASHES[algorithm], secret))
            header = jwt.encode({}, secret, algorithm=algorithm, headers=self._headers).split(".", 1)[0]
            self._own = _OwnTokens(header, secret, _HASHES[algorithm], issuer, audience, leeway)

    @property
    def leeway(self) -> int:
        return self._leeway

    @property
    def lifetime(self) -> int:
        return self._lifetime

    @property
    def keys(self) -> KeySet:
        return self._keys

    def issue(
        self, *, subject: str, scopes: Iterable[str], roles: Iterable[str], version: int, session_id: str
    ) -> IssuedToken:
        """A signed access token; `session_id` (the `sid` claim) ties it to the session that can end it."""
        now = int(time.time())
        granted = tuple(sorted(scopes))
        claims = {
            "iss": self._issuer,
            "aud": self._audience,
            "sub": subject,
            "iat": now,
            "nbf": now,
            "exp": now + self._lifetime,
            "jti": uuid.uuid4().hex,
            "sid": session_id,
            "scope": " ".join(granted),
            "roles": sorted(roles),
            "ver": version,
        }
        token = jwt.encode(
            claims, self._keys.signing_key, algorithm=self._keys.algorithm, headers=self._headers
        )
        return IssuedToken(token=token, expires_in=self._lifetime, scopes=granted)

    def decode(self, token: str) -> AccessClaims:
        """Verify signature and every claim; raise `NotAuthenticated(token_sent=True)` on any failure."""
        if len(token) > MAX_TOKEN_LENGTH:
            raise _invalid("token too long")
        own = self._own
        payload = own.verified_payload(token) if own is not None else None
        if payload is not None:
            return _claims_from(payload)
        key = self._key_for(token)
        try:
            decoded = self._jwt.decode_complete(
                token,
                key.key,
                algorithms=[key.algorithm],
                audience=self._audience,
                issuer=self._issuer,
                leeway=self._leeway,
            )
        except jwt.InvalidTokenError as exc:
            raise _invalid(type(exc).__name__) from None
        if decoded["header"].get("typ") != TOKEN_TYPE:
            raise _invalid("wrong typ header")
        return _claims_from(decoded["payload"])

    def _key_for(self, token: str) -> VerificationKey:
        if self._secret is not None:
            return self._secret
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.InvalidTokenError:
            raise _invalid("malformed header") from None
        key = self._keys.lookup(kid)
        if key is None:
            raise _invalid("unknown kid")
        return key


#: pyjwt's base64url alphabet (RFC 4648 section 5), without padding.
_BASE64URL = re.compile(rb"[A-Za-z0-9_-]*")


class _SegmentCheckedJWS(PyJWS):
    """pyjwt's JWS with the same strict base64url rule for each segment, checked by one regular expression.

    pyjwt (2.15) tests each byte of every segment in a Python generator: ~25 µs of the ~40 µs a decode of
    one of our tokens takes, paid for every new token. The rule is pyjwt's, unchanged: a property test holds
    this function equal to pyjwt's own for all inputs (tests/auth/test_token_segments.py).
    """

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        padding = len(segment) - len(stripped)
        if (
            padding > 2
            or (padding and len(segment) % 4 != 0)
            or len(stripped) % 4 == 1
            or _BASE64URL.fullmatch(stripped) is None
        ):
            raise DecodeError(f"Invalid {name} padding")
        try:
            decoded = base64url_decode(stripped)
        except (TypeError, binascii.Error) as err:
            raise DecodeError(f"Invalid {name} padding") from err
        if base64url_encode(decoded) != stripped:  # non-zero bits past the last byte: not canonical
            raise DecodeError(f"Invalid {name} padding")
        return decoded


class _OwnTokens:
    """A token exactly as this service issues it with its HMAC key, verified in a few steps.

    pyjwt's general path (any header, any key, every option) is most of what a new token costs: ~190
    Python calls, 16-18 µs alone and 34-36 µs inside a request (its code has left the CPU's caches by
    then); this path takes 7-9 µs alone and 16-21 µs inside a request (in-process, docs/benchmarks.md).
    This path only ever *accepts*: a token whose header segment is not, byte for byte, the one we issue,
    whose signature or payload segment is not in canonical base64url, whose payload is not a JSON object
    with every claim of the exact type we issue, or that fails any check, is handed to pyjwt unchanged,
    which decides. What it accepts, pyjwt accepts with the same payload: the header is ours (the pinned
    algorithm, our `typ`, no `crit` or `b64`), the signature is compared in constant time, and the claims
    are checked as pyjwt checks them (every required claim present, `iat` and `nbf` not in the future and
    `exp` not past, within the leeway, `iss` and `aud` equal, `sub` and `jti` strings). A property test
    holds the two paths equal (tests/auth/test_token_fast_path.py).
    """

    __slots__ = ("_audience", "_header", "_issuer", "_leeway", "_mac")

    def __init__(self, header: str, key: bytes, hash_alg: Any, issuer: str, audience: str, leeway: int):
        self._header = header
        self._mac = hmac.new(key, digestmod=_DIGESTS[hash_alg])
        self._issuer = issuer
        self._audience = audience
        self._leeway = leeway

    def verified_payload(self, token: str) -> dict[str, Any] | None:
        """The payload of a valid token of our exact form; None when pyjwt must decide."""
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != self._header or not token.isascii():
            return None
        header, body, signature = parts
        mac = self._mac.copy()
        mac.update(f"{header}.{body}".encode("ascii"))
        expected = base64.urlsafe_b64encode(mac.digest()).rstrip(b"=")
        if not hmac.compare_digest(expected, signature.encode("ascii")):
            return None
        if len(body) % 4 == 1 or _BASE64URL_TEXT.fullmatch(body) is None:
            return None
        data = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if base64.urlsafe_b64encode(data).rstrip(b"=") != body.encode("ascii"):
            return None  # non-zero bits past the last byte: pyjwt's rule refuses it
        try:
            payload = from_json(data)
        except ValueError:
            return None
        if type(payload) is not dict or not self._claims_hold(payload):
            return None
        return payload

    def _claims_hold(self, payload: dict[str, Any]) -> bool:
        if any(payload.get(claim) is None for claim in REQUIRED_CLAIMS):
            return False
        iat, nbf, exp = payload["iat"], payload["nbf"], payload["exp"]
        if not (type(iat) is int and type(nbf) is int and type(exp) is int):
            return False
        now, leeway = time.time(), self._leeway
        if iat > now + leeway or nbf > now + leeway or exp <= now - leeway:
            return False
        return (
            type(payload["iss"]) is str
            and payload["iss"] == self._issuer
            and type(payload["aud"]) is str
            and payload["aud"] == self._audience
            and type(payload["sub"]) is str
            and type(payload["jti"]) is str
        )


_DIGESTS = {
    HMACAlgorithm.SHA256: hashlib.sha256,
    HMACAlgorithm.SHA384: hashlib.sha384,
    HMACAlgorithm.SHA512: hashlib.sha512,
}
_BASE64URL_TEXT = re.compile(r"[A-Za-z0-9_-]*")


def _claims_from(payload: dict[str, Any]) -> AccessClaims:
    # Plain look-ups and `type(...) is` checks: JSON gives exact types, and this runs for every new token.
    sub, jti, scope, roles = payload["sub"], payload["jti"], payload["scope"], payload["roles"]
    ver, exp, sid = payload["ver"], payload["exp"], payload["sid"]
    if not (type(sub) is str and sub and type(jti) is str and jti and type(scope) is str):
        raise _invalid("malformed sub, jti or scope claim")
    if not (type(sid) is str and 0 < len(sid) <= MAX_SESSION_ID_LENGTH):
        raise _invalid("malformed sid claim")
    if len(sub) > MAX_SUBJECT_LENGTH:
        raise _invalid("sub claim too long")
    if type(roles) is not list or any(type(role) is not str for role in roles):
        raise _invalid("malformed roles claim")
    if not (type(ver) is int and type(exp) is int):
        raise _invalid("malformed ver or exp claim")
    scopes = frozenset(scope.split(" ")) if scope else frozenset()
    return AccessClaims(
        subject=sub,
        token_id=jti,
        scopes=scopes,
        roles=tuple(roles),
        version=ver,
        expires_at=exp,
        session_id=sid,
    )


def _invalid(reason: str) -> NotAuthenticated:
    # The reason goes to the debug log only: clients get one message for every failure.
    log.debug("token rejected: %s", reason)
    return NotAuthenticated(INVALID_TOKEN_MESSAGE, token_sent=True)
