"""One spelling per user name: NFKC then casefold, so `Alice` and its fullwidth twin are one account."""

from __future__ import annotations

import unicodedata

from rbac_api.errors import InvalidInput
from rbac_api.store.tables import USERNAME_MAX

#: Path segments of our own routes that a user name would shadow (`/users/me`).
RESERVED_USERNAMES = frozenset({"me"})


def normalize_username(raw: str) -> str:
    """The canonical form of `raw`, or `InvalidInput` naming what is wrong with it.

    Control, format (zero-width), surrogate, private-use and unassigned characters are refused, as is
    whitespace: they make names that look alike but differ.
    """
    name = unicodedata.normalize("NFKC", raw).casefold()
    if not name:
        raise InvalidInput("username must not be empty", field="username")
    if len(name) > USERNAME_MAX:
        raise InvalidInput(f"username must be at most {USERNAME_MAX} characters", field="username")
    for char in name:
        category = unicodedata.category(char)
        if category[0] in "CZ":
            raise InvalidInput(
                f"username must not contain control, invisible or space characters (found U+{ord(char):04X})",
                field="username",
            )
    return name
