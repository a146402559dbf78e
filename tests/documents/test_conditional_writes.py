"""Every change to a document is conditional on the document the decision read: one whose organization,
owner or status changed since is not written (`Changed`, a 409 over HTTP), and racing requests leave one
consistent document."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import Session

from rbac_api.store.documents import Changed, Document
from rbac_api.store.tables import DocumentRow
from tests.conftest import bearer
from tests.documents.conftest import Site

RACERS = 20


@pytest.fixture(scope="module")
def writer(site: Site) -> str:
    """A global editor: every document is theirs to change, so only the races decide."""
    return site.user("wanda", "editor")


def stored(site: Site, **fields: Any) -> Document:
    values = {"title": "T", "body": "B", "owner_id": site.user_id("wanda"), "org": None, "status": "draft"}
    return site.rbac.documents.create(**{**values, **fields})


def current(site: Site, document_id: int) -> Document:
    found = site.rbac.documents.get(document_id)
    assert found is not None
    return found


def change_directly(site: Site, document_id: int, **values: Any) -> None:
    """What another request (or an operator) does between this one's read and its write."""
    with Session(site.rbac.db) as session:
        session.exec(update(DocumentRow).where(DocumentRow.id == document_id).values(**values))  # type: ignore[arg-type]
        session.commit()


MOVES = [{"status": "published"}, {"org": "elsewhere"}, {"owner_id": None}]


@pytest.mark.parametrize("move", MOVES, ids=lambda m: next(iter(m)))
def test_an_update_from_a_stale_read_is_refused(site: Site, writer: str, move: dict[str, Any]) -> None:
    stale = stored(site)
    change_directly(site, stale.id, **move)
    with pytest.raises(Changed):
        site.rbac.documents.update(stale, title="from the stale read")
    assert current(site, stale.id).title == "T"


@pytest.mark.parametrize("move", MOVES, ids=lambda m: next(iter(m)))
def test_a_delete_from_a_stale_read_is_refused(site: Site, writer: str, move: dict[str, Any]) -> None:
    stale = stored(site)
    change_directly(site, stale.id, **move)
    with pytest.raises(Changed):
        site.rbac.documents.delete(stale)
    assert site.rbac.documents.get(stale.id) is not None


def test_a_status_change_through_the_store_voids_an_earlier_read(site: Site, writer: str) -> None:
    stale = stored(site)
    site.rbac.documents.update(current(site, stale.id), status="published")
    with pytest.raises(Changed):
        site.rbac.documents.update(stale, status="archived")
    assert current(site, stale.id).status == "published"


def test_a_write_from_a_gone_document_is_refused(site: Site, writer: str) -> None:
    stale = stored(site)
    site.rbac.documents.delete(stale)
    with pytest.raises(Changed):
        site.rbac.documents.update(stale, title="back")
    with pytest.raises(Changed):
        site.rbac.documents.delete(stale)


def test_an_update_writes_only_the_fields_given(site: Site, writer: str) -> None:
    """A title written by someone else since the read is not undone by a change of the body."""
    stale = stored(site)
    site.rbac.documents.update(current(site, stale.id), title="theirs")
    changed = site.rbac.documents.update(stale, body="mine")
    assert (changed.title, changed.body) == ("theirs", "mine")
    assert site.get(writer, stale.id).json()["title"] == "theirs"


Call = tuple[str, str, dict[str, Any] | None]


def race(site: Site, calls: list[Call], token: str) -> list[Any]:
    """Each (method, path, body) from its own thread, all let go at once."""
    barrier = threading.Barrier(len(calls))

    def one(call: Call) -> Any:
        method, path, body = call
        barrier.wait(timeout=30)
        return site.client.request(method, path, json=body, headers=bearer(token))

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(one, calls))


def test_racing_deletes_and_patches_delete_exactly_once(site: Site, writer: str) -> None:
    document_id = site.create(writer, "contested")
    path = f"/documents/{document_id}"
    calls: list[Call] = [
        ("DELETE", path, None) if n % 2 else ("PATCH", path, {"title": f"patch {n}"}) for n in range(RACERS)
    ]
    answers = race(site, calls, writer)
    deletes = Counter(
        a.status_code for a, (method, _, _) in zip(answers, calls, strict=True) if method == "DELETE"
    )
    patches = Counter(
        a.status_code for a, (method, _, _) in zip(answers, calls, strict=True) if method == "PATCH"
    )
    assert deletes[204] == 1
    assert set(deletes) <= {204, 404, 409}
    assert set(patches) <= {200, 404, 409}
    assert site.get(writer, document_id).status_code == 404
    assert site.rbac.documents.get(document_id) is None


def test_racing_status_changes_leave_one_writers_document(site: Site, writer: str) -> None:
    """Each PATCH writes a title and a status together: the document ends as exactly one of them wrote it,
    each refused one is a 409 naming the fix, and every success answered what it wrote."""
    document_id = site.create(writer, "contested")
    path = f"/documents/{document_id}"
    wanted = [(f"patch {n}", ("published", "archived")[n % 2]) for n in range(RACERS)]
    answers = race(site, [("PATCH", path, {"title": t, "status": s}) for t, s in wanted], writer)
    assert {a.status_code for a in answers} <= {200, 409}
    won = [pair for pair, a in zip(wanted, answers, strict=True) if a.status_code == 200]
    assert won
    assert all((a.json()["title"], a.json()["status"]) in won for a in answers if a.status_code == 200)
    refused = [a.json()["detail"] for a in answers if a.status_code == 409]
    assert set(refused) <= {
        f"document {document_id} changed while this request was decided on it; read it again and retry"
    }
    final = site.get(writer, document_id).json()
    assert (final["title"], final["status"]) in won
