"""User names: the shared name normaliser, at the user name's length, plus the names our routes own."""

from __future__ import annotations

from rbac_api.core.errors import InvalidInput
from rbac_api.store.names import normalize_name
from rbac_api.store.tables import USERNAME_MAX

#: Path segments of our own routes that a user name would shadow (`/users/me`).
RESERVED_USERNAMES = frozenset({"me"})


def normalize_username(raw: str) -> str:
    """The stored spelling of user name `raw`; `InvalidInput` on field `username` when it cannot be one."""
    return normalize_name(raw, field="username", max_length=USERNAME_MAX)


def new_username(raw: str) -> str:
    """The stored spelling of a new account's name `raw`; `InvalidInput` also when our routes own it."""
    name = normalize_username(raw)
    if name in RESERVED_USERNAMES:
        raise InvalidInput(f"username {name!r} is reserved", field="username")
    return name
