"""Role inheritance as a graph: an order that puts parents first, the cycles, and effective scopes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from rbac_api.policy.catalogue import Catalogue
from rbac_api.policy.entries import RoleEntry

_ON_PATH, _DONE = 1, 2


@dataclass(frozen=True, slots=True)
class RoleGraph:
    """What the checker computed about roles; the compiler reuses it, so both agree on every role's scopes."""

    #: Known inherited roles of each role, duplicates removed (unknown ones are the checker's to report).
    parents: Mapping[str, tuple[str, ...]]
    #: Each role's own grants, wildcards expanded; unknown scopes contribute nothing.
    own: Mapping[str, frozenset[str]]
    #: Every role after the roles it inherits, except along a cycle.
    order: tuple[str, ...]
    #: Each cycle once, closed: `("a", "b", "a")`.
    cycles: tuple[tuple[str, ...], ...]
    #: Own plus everything inherited, transitively.
    effective: Mapping[str, frozenset[str]]


def build_graph(roles: Mapping[str, RoleEntry], catalogue: Catalogue) -> RoleGraph:
    parents = {
        name: tuple(dict.fromkeys(ref.name for ref in role.inherits if ref.name in roles))
        for name, role in roles.items()
    }
    own = {name: catalogue.expand_all(ref.name for ref in role.grants) for name, role in roles.items()}
    order, cycles = walk(parents)
    return RoleGraph(parents, own, order, cycles, accumulate(order, parents, own))


def walk(parents: Mapping[str, tuple[str, ...]]) -> tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    """Depth-first post-order over `parents`, with each edge that closes a cycle reported as that cycle.

    Iterative, so a deep inheritance chain cannot exhaust the interpreter's recursion limit.
    """
    order: list[str] = []
    cycles: list[tuple[str, ...]] = []
    state: dict[str, int] = {}
    for root in parents:
        if root in state:
            continue
        path, pending = [root], [iter(parents[root])]
        state[root] = _ON_PATH
        while path:
            parent = next(pending[-1], None)
            if parent is None:
                state[path[-1]] = _DONE
                order.append(path.pop())
                pending.pop()
            elif parent not in state:
                state[parent] = _ON_PATH
                path.append(parent)
                pending.append(iter(parents[parent]))
            elif state[parent] == _ON_PATH:
                cycles.append((*path[path.index(parent) :], parent))
    return tuple(order), tuple(cycles)


def accumulate(
    order: tuple[str, ...], parents: Mapping[str, tuple[str, ...]], own: Mapping[str, frozenset[str]]
) -> dict[str, frozenset[str]]:
    """Effective scopes, each role computed once from its parents' already computed sets."""
    effective: dict[str, frozenset[str]] = {}
    for name in order:
        inherited = (effective[parent] for parent in parents[name] if parent in effective)
        effective[name] = own[name].union(*inherited)
    return effective
