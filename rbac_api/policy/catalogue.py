"""The scope catalogue, and what a grant (`users:read` or `users:*`) expands to against it."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from itertools import islice, takewhile

_NOTHING: frozenset[str] = frozenset()


class Catalogue:
    """The scope names a policy defines.

    Expansions are memoised: large policies repeat the same few wildcards across many roles.
    """

    def __init__(self, names: Iterable[str]) -> None:
        self._sorted = sorted(names)
        self._names = frozenset(self._sorted)
        self._expanded: dict[str, frozenset[str]] = {}

    def __contains__(self, name: object) -> bool:
        return name in self._names

    def expand(self, grant: str) -> frozenset[str]:
        """Scopes `grant` stands for; empty when it names nothing in the catalogue."""
        try:
            return self._expanded[grant]
        except KeyError:
            found = self._expanded[grant] = self._expand(grant)
            return found

    def expand_all(self, grants: Iterable[str]) -> frozenset[str]:
        return _NOTHING.union(*map(self.expand, grants))

    def _expand(self, grant: str) -> frozenset[str]:
        if not grant.endswith(":*"):
            return frozenset((grant,)) if grant in self._names else _NOTHING
        # Names sharing a prefix are adjacent once sorted, so a wildcard is one bisect and a short scan.
        prefix = grant[:-1]
        following = islice(self._sorted, bisect_left(self._sorted, prefix), None)
        return frozenset(takewhile(lambda name: name.startswith(prefix), following))
