"""One rule for all text from clients: no NUL characters.

PostgreSQL cannot store NUL in a text column, and no legitimate name, e-mail, title or password holds one.
Refusing it at every entry point makes both backends answer alike (422, or BAD_USER_INPUT over GraphQL)
rather than one of them failing with a 500.
"""

from __future__ import annotations

from collections.abc import Mapping

NUL = "\x00"
NUL_MESSAGE = "must not contain NUL (\\u0000) characters"
#: The rule as a JSON Schema pattern, for API documents.
NO_NUL_PATTERN = r"^[^\x00]*$"


def nul_path(value: object, path: tuple[str | int, ...] = ()) -> tuple[str | int, ...] | None:
    """Where in `value` (JSON-like: text, lists, mappings) a NUL character is, or None when nowhere.

    Linear in the size of `value`; mapping keys count too, since they are client text as well.
    """
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and NUL in key:
                return (*path, key)
            found = nul_path(item, (*path, str(key)))
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = nul_path(item, (*path, index))
            if found is not None:
                return found
    return None


def refuse_nul(value: str) -> str:
    """A pydantic validator: the text, or a ValueError naming the rule."""
    if NUL in value:
        raise ValueError(NUL_MESSAGE)
    return value
