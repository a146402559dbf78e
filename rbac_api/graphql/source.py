"""A document's text that finds the line of a position in logarithmic time.

graphql-core finds an error's line by scanning the text from the start for every error; a document padded
to its length limit (a long comment is enough) that makes hundreds of errors then holds the event loop for
a quadratic time, in validation and again at execution (a denied field in every item of a page). Here the
line starts are found once, on the first error, and each error bisects them.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left
from functools import cached_property

from graphql import Source, SourceLocation

_NEWLINE = re.compile(r"\r\n|[\n\r]")  # graphql-core's own definition of a line break


class IndexedSource(Source):
    """Same answers as `Source.get_location`, without rescanning the text."""

    def get_location(self, position: int) -> SourceLocation:
        breaks = self._breaks
        before = bisect_left(breaks, position)  # line breaks that start before `position`
        if before == 0:
            return SourceLocation(1, position + 1)
        start = breaks[before - 1]
        line_start = start + (2 if self.body.startswith("\r\n", start) else 1)
        return SourceLocation(before + 1, position + 1 - line_start)

    @cached_property
    def _breaks(self) -> array[int]:
        # 4 bytes a line break: documents are far shorter than 2**31 characters.
        return array("i", (match.start() for match in _NEWLINE.finditer(self.body)))
