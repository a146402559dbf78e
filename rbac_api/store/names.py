"""One spelling per name: what makes `Alice`, `ALICE` and its fullwidth twin one account.

Shared by every kind of name a person types and others see (user names today, organisations later).
"""

from __future__ import annotations

import unicodedata

from rbac_api.core.errors import InvalidInput


def normalize_name(raw: str, *, field: str, max_length: int) -> str:
    """The canonical form of `raw` (NFKC, casefold, NFKC), or `InvalidInput` on `field` naming the fault.

    The last NFKC matters: casefolding can produce a sequence that NFKC composes differently (`ß` + U+0301
    folds to `ss` + U+0301, which composes to `sś`), and only with it is normalising a canonical name a
    no-op, so a stored name never leads to another account. Control, format (zero-width), surrogate,
    private-use and unassigned characters are refused, as is whitespace: they make names that look alike
    but differ.
    """
    name = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", raw).casefold())
    if not name:
        raise InvalidInput(f"{field} must not be empty", field=field)
    if len(name) > max_length:
        raise InvalidInput(f"{field} must be at most {max_length} characters", field=field)
    for char in name:
        if unicodedata.category(char)[0] in "CZ":
            raise InvalidInput(
                f"{field} must not contain control, invisible or space characters (found U+{ord(char):04X})",
                field=field,
            )
    return name
