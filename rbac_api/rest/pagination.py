"""The query parameters of every keyset listing (`GET /users`, `GET /orgs`, ...): `limit` and `cursor`."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator

from rbac_api.store.users import CURSOR_MESSAGE, CURSOR_PATTERN, is_cursor


def _issued_cursor(cursor: str | None) -> str | None:
    if cursor is not None and not is_cursor(cursor):
        raise ValueError(CURSOR_MESSAGE)
    return cursor


#: Checked here, so that a refusal names the query parameter (`["query", "cursor"]`), and declared with
#: its pattern, so that the OpenAPI document says which strings are cursors.
Cursor = Annotated[
    str | None,
    Query(max_length=64, json_schema_extra={"pattern": CURSOR_PATTERN}),
    AfterValidator(_issued_cursor),
]
#: How many items a page holds: 50 unless asked, at most 100.
Limit = Annotated[int, Query(ge=1, le=100)]
