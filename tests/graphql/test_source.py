"""Line and column of a position, found by bisecting the line breaks: the same answers as graphql-core."""

from __future__ import annotations

from graphql import Source
from hypothesis import given
from hypothesis import strategies as st

from rbac_api.graphql.source import IndexedSource


@given(st.text(alphabet="ab\r\n", max_size=60), st.data())
def test_every_position_has_the_location_graphql_core_gives_it(text: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(text)))
    assert IndexedSource(text).get_location(position) == Source(text).get_location(position)


def test_the_line_breaks_are_indexed_once_and_kept_with_the_source() -> None:
    source = IndexedSource("{\n  me {\r\n    id\r  }\n}")
    locations = [source.get_location(p) for p in range(len(source.body))]
    assert locations == [Source(source.body).get_location(p) for p in range(len(source.body))]
    assert list(source.__dict__["_breaks"]) == [1, 8, 16, 20]
