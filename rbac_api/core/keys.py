"""Signing and verification keys: each bound to one algorithm, looked up by `kid` only in the configured set.

HS256 with a shared secret stays the default. With an asymmetric algorithm the service signs with one
PEM private key and verifies with that key's public half plus any older public keys listed for rotation;
resource servers fetch the public keys from `/.well-known/jwks.json`. A key's algorithm comes from the key
itself, never from a token header, so an RS256 public key can never serve as an HMAC secret (the HS/RS
confusion).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

HMAC_ALGORITHMS = ("HS256", "HS384", "HS512")
ASYMMETRIC_ALGORITHMS = ("RS256", "ES256", "EdDSA")
MIN_RSA_BITS = 2048

PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey
PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


class KeyFileError(Exception):
    """A key file that cannot serve: the message names the file and the fix."""


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """A key that may verify tokens signed with exactly `algorithm`."""

    kid: str | None
    algorithm: str
    key: Any = field(repr=False)

    def public_jwk(self) -> dict[str, Any] | None:
        """The JWK published in the JWKS document; None for an HMAC secret, which is never published."""
        if self.algorithm in HMAC_ALGORITHMS:
            return None
        # RFC 7517 §4.3: `use` and `key_ops` should not both be present; resource servers read `use`.
        jwk = {name: value for name, value in _jwk_of(self.key).items() if name != "key_ops"}
        return {**jwk, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


@dataclass(frozen=True, slots=True)
class KeySet:
    """The key that signs new tokens, and every key that verifies tokens (the signing one included)."""

    algorithm: str
    signing_key: Any = field(repr=False)
    signing_kid: str | None
    verifying: Mapping[str | None, VerificationKey]

    @property
    def asymmetric(self) -> bool:
        return self.algorithm not in HMAC_ALGORITHMS

    def lookup(self, kid: object) -> VerificationKey | None:
        """The verification key a token's `kid` names; only ever a key of this set, never a path or URL.

        With an HMAC secret there is one key and no `kid`: a header `kid` is ignored. With asymmetric keys a
        token must name one of ours.
        """
        if not self.asymmetric:
            return self.verifying[None]
        return self.verifying.get(kid) if isinstance(kid, str) else None

    def jwks(self) -> dict[str, Any]:
        """`{"keys": [...]}`: public keys only, newest (the signing key) first."""
        keys = [jwk for key in self.verifying.values() if (jwk := key.public_jwk()) is not None]
        return {"keys": keys}


def hmac_key_set(algorithm: str, secret: bytes) -> KeySet:
    key = VerificationKey(None, algorithm, secret)
    return KeySet(algorithm, secret, None, {None: key})


def asymmetric_key_set(algorithm: str, signing_file: Path, verify_files: Sequence[Path] = ()) -> KeySet:
    """Load the signing key and the older public keys still accepted; raise `KeyFileError` naming the fix."""
    private = _load_private(signing_file)
    own = _algorithm_of(private.public_key(), signing_file)
    if own != algorithm:
        raise KeyFileError(
            f"{signing_file} is a key for {own}, but RBAC_ALGORITHM is {algorithm}; set RBAC_ALGORITHM={own}"
        )
    signing_kid = thumbprint(private.public_key())
    verifying: dict[str | None, VerificationKey] = {
        signing_kid: VerificationKey(signing_kid, algorithm, private.public_key())
    }
    for path in verify_files:
        public = _load_public(path)
        kid = thumbprint(public)
        verifying.setdefault(kid, VerificationKey(kid, _algorithm_of(public, path), public))
    return KeySet(algorithm, private, signing_kid, verifying)


def thumbprint(public: PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url): the same key always gets the same `kid`."""
    jwk = _jwk_of(public)
    members = {"RSA": ("e", "kty", "n"), "EC": ("crv", "kty", "x", "y"), "OKP": ("crv", "kty", "x")}
    required = {name: jwk[name] for name in members[jwk["kty"]]}
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def generate_key_pair(algorithm: str, directory: Path, name: str = "signing") -> tuple[Path, Path]:
    """Write `name.pem` (private, mode 0600, never overwritten) and `name.pub.pem` (public)."""
    private = _new_private_key(algorithm)
    directory.mkdir(parents=True, exist_ok=True)
    private_path, public_path = directory / f"{name}.pem", directory / f"{name}.pub.pem"
    pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # O_EXCL: never replace a key that may be signing live tokens.
    fd = os.open(private_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public_pem = private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    public_path.write_bytes(public_pem)
    public_path.chmod(0o644)
    return private_path, public_path


def _new_private_key(algorithm: str) -> PrivateKey:
    if algorithm == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=3072)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise KeyFileError(
        f"cannot generate a key pair for {algorithm}; use one of {', '.join(ASYMMETRIC_ALGORITHMS)}"
    )


def _algorithm_of(public: object, path: Path) -> str:
    if isinstance(public, rsa.RSAPublicKey):
        if public.key_size < MIN_RSA_BITS:
            raise KeyFileError(f"{path}: RSA key of {public.key_size} bits; use at least {MIN_RSA_BITS}")
        return "RS256"
    if isinstance(public, ec.EllipticCurvePublicKey):
        if not isinstance(public.curve, ec.SECP256R1):
            raise KeyFileError(f"{path}: EC key on {public.curve.name}; ES256 needs P-256 (secp256r1)")
        return "ES256"
    if isinstance(public, ed25519.Ed25519PublicKey):
        return "EdDSA"
    raise KeyFileError(f"{path}: unsupported key type; use an RSA, EC P-256 or Ed25519 key")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise KeyFileError(f"cannot read key file {path}: {error.strerror}") from None


def _load_private(path: Path) -> PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError):
        raise KeyFileError(
            f"{path} is not an unencrypted PEM private key; create one with 'rbac-api keys generate'"
        ) from None
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey):
        raise KeyFileError(f"{path}: unsupported key type; use an RSA, EC P-256 or Ed25519 key")
    return key


def verification_key(path: Path) -> PublicKey:
    """The public key in a PEM file (a private key file gives its public half)."""
    return _load_public(path)


def _load_public(path: Path) -> PublicKey:
    data = _read(path)
    try:
        key: object = serialization.load_pem_public_key(data)
    except ValueError:
        try:  # a private key file listed by mistake still yields its public half
            key = serialization.load_pem_private_key(data, password=None).public_key()
        except (ValueError, TypeError):
            raise KeyFileError(f"{path} is not a PEM public key") from None
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey | ed25519.Ed25519PublicKey):
        raise KeyFileError(f"{path}: unsupported key type; use an RSA, EC P-256 or Ed25519 key")
    return key


def _jwk_of(public: Any) -> dict[str, Any]:
    if isinstance(public, rsa.RSAPublicKey):
        return dict(RSAAlgorithm.to_jwk(public, as_dict=True))
    if isinstance(public, ec.EllipticCurvePublicKey):
        return dict(ECAlgorithm.to_jwk(public, as_dict=True))
    return dict(OKPAlgorithm.to_jwk(public, as_dict=True))
