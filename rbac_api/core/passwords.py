"""Password hashing: bcrypt through passlib's CryptContext, always off the event loop."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

import anyio
from passlib.context import CryptContext

#: bcrypt reads only 72 bytes; longer passwords are refused rather than silently truncated.
MAX_PASSWORD_BYTES = 72
MIN_PASSWORD_CHARS = 8


def password_problem(password: str) -> str | None:
    """Why `password` is not acceptable as a new password, or None."""
    if len(password) < MIN_PASSWORD_CHARS:
        return f"password must be at least {MIN_PASSWORD_CHARS} characters"
    if len(password.encode()) > MAX_PASSWORD_BYTES:
        return f"password must be at most {MAX_PASSWORD_BYTES} bytes in UTF-8 (bcrypt ignores the rest)"
    if "\x00" in password:
        return "password must not contain NUL characters"
    return None


def bcrypt_context(rounds: int) -> CryptContext:
    """The one bcrypt set-up: new hashes at `rounds`, and a stored hash with fewer flagged for an upgrade."""
    return CryptContext(schemes=["bcrypt"], bcrypt__rounds=rounds, bcrypt__min_rounds=rounds)


@dataclass(frozen=True, slots=True)
class Verification:
    ok: bool
    #: A fresh hash when the stored one used fewer rounds than configured; store it.
    new_hash: str | None = None


class PasswordHasher:
    """Hashes and verifies passwords in worker threads, at most one per core at a time.

    The limiter keeps a burst of logins from taking every thread of the default pool, so requests that do
    not hash are not starved.
    """

    def __init__(self, rounds: int, *, concurrency: int | None = None) -> None:
        self._context = bcrypt_context(rounds)
        self._limiter = anyio.CapacityLimiter(concurrency or os.cpu_count() or 1)
        # Unknown users are checked against this so a login costs one bcrypt whether or not the user exists.
        self._dummy_hash: str = self._context.hash(secrets.token_urlsafe(16))

    def hash_sync(self, password: str) -> str:
        return str(self._context.hash(password))

    def verify_sync(self, password: str, stored_hash: str | None) -> Verification:
        usable = len(password.encode()) <= MAX_PASSWORD_BYTES and "\x00" not in password
        candidate = password if usable else "x"
        ok, new_hash = self._context.verify_and_update(candidate, stored_hash or self._dummy_hash)
        if not (ok and usable and stored_hash):
            return Verification(ok=False)
        return Verification(ok=True, new_hash=new_hash)

    async def hash(self, password: str) -> str:
        return await anyio.to_thread.run_sync(self.hash_sync, password, limiter=self._limiter)

    async def verify(self, password: str, stored_hash: str | None) -> Verification:
        return await anyio.to_thread.run_sync(self.verify_sync, password, stored_hash, limiter=self._limiter)
