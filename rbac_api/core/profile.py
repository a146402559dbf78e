"""The rules for a user's profile fields, one place for every way in (REST bodies, `users import`)."""

from __future__ import annotations

import re

EMAIL_MAX = 254
FULL_NAME_MAX = 200
#: Deliberately loose: one @, no spaces, a dot in the domain. Whether mail arrives is not ours to decide.
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def email_problem(email: str) -> str | None:
    """Why `email` is not acceptable, or None."""
    if len(email) > EMAIL_MAX:
        return f"email must be at most {EMAIL_MAX} characters"
    if not _EMAIL.fullmatch(email):
        return "email must look like name@example.org"
    return None


def full_name_problem(full_name: str) -> str | None:
    """Why `full_name` is not acceptable, or None."""
    if len(full_name) > FULL_NAME_MAX:
        return f"full_name must be at most {FULL_NAME_MAX} characters"
    return None
