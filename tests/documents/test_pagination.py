"""Lists are filtered by the database before the page is cut: out of 120 documents of which a random-looking
subset is readable, every page of 50 holds 50 readable documents until the last, the pages cover each
readable document exactly once, and the last page has no next cursor.

The reader is a plain user who is `member` of one organization (its published documents) and `reader` of
another (all of it), and owns documents here and there (the owner rule, wherever they are).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import bearer
from tests.documents.conftest import Site

TOTAL = 120
LIMIT = 50
STATUSES = ("draft", "published", "archived")
#: A kind of document: () -> (organization, status, owner id), random where the kind leaves a choice.
Kind = Callable[[], tuple[str | None, str, int]]


@dataclass(frozen=True)
class Listing:
    token: str
    #: Every document's id -> whether the reader may read it (decided here, by the shipped policy's words).
    readable: dict[int, bool]

    @property
    def expected(self) -> list[int]:
        return sorted(i for i, ok in self.readable.items() if ok)


def build_listing(site: Site, prefix: str, readable_count: int) -> Listing:
    """120 documents in random order, `readable_count` of them readable by the new user `{prefix}-pat`."""
    member_of, reader_of, stranger_to = (f"{prefix}-{n}" for n in ("member", "reader", "stranger"))
    for name in (member_of, reader_of, stranger_to):
        site.org(name)
    token = site.user(f"{prefix}-pat")
    site.give(f"{prefix}-pat", member_of, "member")
    site.give(f"{prefix}-pat", reader_of, "reader")
    pat, other = site.user_id(f"{prefix}-pat"), site.user_id("admin")
    rng = random.Random(f"{prefix}-{readable_count}")
    chosen = set(rng.sample(range(TOTAL), readable_count))
    readable_kinds: list[Kind] = [
        lambda: (member_of, "published", other),
        lambda: (reader_of, rng.choice(STATUSES), other),
        lambda: (None, rng.choice(STATUSES), pat),
        lambda: (stranger_to, rng.choice(STATUSES), pat),
    ]
    hidden_kinds: list[Kind] = [
        lambda: (member_of, rng.choice(("draft", "archived")), other),
        lambda: (stranger_to, rng.choice(STATUSES), other),
        lambda: (None, rng.choice(STATUSES), other),
    ]
    readable: dict[int, bool] = {}
    for position in range(TOTAL):
        org, status, owner = rng.choice(readable_kinds if position in chosen else hidden_kinds)()
        created = site.rbac.documents.create(
            title=f"#{position}", body="", owner_id=owner, org=org, status=status
        )
        readable[created.id] = (
            owner == pat or org == reader_of or (org == member_of and status == "published")
        )
    assert sum(readable.values()) == readable_count
    return Listing(token, readable)


@pytest.fixture(scope="module", params=[100, 101], ids=["100-readable", "101-readable"])
def listing(site: Site, request: pytest.FixtureRequest) -> Listing:
    """100: the second page is the last and full; 101: a third page holds one."""
    return build_listing(site, f"v{request.param}", request.param)


def rest_pages(site: Site, token: str, **params: Any) -> list[dict[str, Any]]:
    pages: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": LIMIT, **params, **({"cursor": cursor} if cursor else {})}
        response = site.client.get("/documents", params=query, headers=bearer(token))
        assert response.status_code == 200, response.text
        pages.append(response.json())
        cursor = response.json()["next_cursor"]
        if cursor is None:
            return pages


def test_every_page_is_full_until_the_last(site: Site, listing: Listing) -> None:
    sizes = [len(page["items"]) for page in rest_pages(site, listing.token)]
    count = len(listing.expected)
    assert sizes == [LIMIT] * (count // LIMIT) + ([count % LIMIT] if count % LIMIT else [])


def test_the_pages_cover_every_readable_document_exactly_once(site: Site, listing: Listing) -> None:
    listed = [item["id"] for page in rest_pages(site, listing.token) for item in page["items"]]
    assert listed == listing.expected


def test_the_last_page_has_no_next_cursor_and_the_others_do(site: Site, listing: Listing) -> None:
    cursors = [page["next_cursor"] for page in rest_pages(site, listing.token)]
    assert cursors[-1] is None
    assert all(isinstance(cursor, str) for cursor in cursors[:-1])


def test_graphql_pages_alike(site: Site, listing: Listing) -> None:
    query = """query($after: String) { documents(first: 50, after: $after) {
        edges { cursor node { id } } pageInfo { hasNextPage endCursor } } }"""
    listed, sizes, after = [], [], None
    while True:
        connection = site.gql(listing.token, query, after=after)["data"]["documents"]
        sizes.append(len(connection["edges"]))
        listed += [int(edge["node"]["id"]) for edge in connection["edges"]]
        assert connection["pageInfo"]["endCursor"] == connection["edges"][-1]["cursor"]
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert listed == listing.expected
    assert sizes[:-1] == [LIMIT] * (len(sizes) - 1)


def test_small_pages_add_up_to_the_same_list(site: Site, listing: Listing) -> None:
    pages = rest_pages(site, listing.token, limit=7)
    assert [len(page["items"]) for page in pages[:-1]] == [7] * (len(pages) - 1)
    assert [item["id"] for page in pages for item in page["items"]] == listing.expected
