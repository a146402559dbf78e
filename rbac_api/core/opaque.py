"""Opaque secrets (API tokens, client secrets): random, recognisable, and checked before any look-up.

The format follows GitHub's tokens: a fixed prefix that secret scanners match (`rbac_pat_...` pasted into a
repository is found and flagged), 40 base62 characters of randomness (238 bits), then a CRC-32 of the rest in
six base62 characters, so a token mistyped or cut short is refused without touching the database. Only a
SHA-256 digest is stored: with this much entropy a slow hash adds nothing but cost per request.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import zlib

ALPHABET = string.digits + string.ascii_letters
_RANDOM_LENGTH = 40
_CHECKSUM_LENGTH = 6
_ALLOWED = frozenset(ALPHABET)


def new_secret(prefix: str) -> str:
    body = prefix + "".join(secrets.choice(ALPHABET) for _ in range(_RANDOM_LENGTH))
    return body + _checksum(body)


def well_formed(token: str, prefix: str) -> bool:
    """The prefix, the length, the alphabet and the checksum all hold: nothing else is worth a look-up."""
    if len(token) != len(prefix) + _RANDOM_LENGTH + _CHECKSUM_LENGTH or not token.startswith(prefix):
        return False
    body, checksum = token[:-_CHECKSUM_LENGTH], token[-_CHECKSUM_LENGTH:]
    return _ALLOWED.issuperset(body[len(prefix) :]) and checksum == _checksum(body)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def _checksum(text: str) -> str:
    value = zlib.crc32(text.encode())
    digits = []
    for _ in range(_CHECKSUM_LENGTH):
        value, remainder = divmod(value, len(ALPHABET))
        digits.append(ALPHABET[remainder])
    return "".join(reversed(digits))
