"""The rules for a user's profile fields, one place for every way in (REST bodies, `users import`)."""

from __future__ import annotations

import re

EMAIL_MAX = 254
FULL_NAME_MAX = 200
#: Not an e-mail character here: "@", NUL and whitespace, spelled out (the code points Python's `\s`
#: matches) so that every regex engine reading the pattern (Python's, pydantic's, a client's JSON Schema
#: validator, a fuzzer's) takes the same set.
_NOT_EMAIL = r"@\x00\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"
#: Deliberately loose: one @, no spaces, a dot in the domain. Whether mail arrives is not ours to decide.
#: Declared as it is in the OpenAPI document.
EMAIL_PATTERN = rf"^[^{_NOT_EMAIL}]+@[^{_NOT_EMAIL}]+\.[^{_NOT_EMAIL}]+$"
_EMAIL = re.compile(EMAIL_PATTERN)


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
