"""A compiled `Policy` carried out of the process that checked it, in slices the receiver unpacks one at a
time.

Why slices: unpickling a 1,000-role policy whole is one C call of ~50 ms with the GIL held, which every
request served meanwhile would wait behind. Unpacked slice by slice between turns of the event loop, no
request waits for more than one slice (about 0.1 ms). The bytes come from a child process of this service
running this code, never from a client.
"""

from __future__ import annotations

import copyreg
import io
import pickle
from collections.abc import Callable, Generator, Iterator
from dataclasses import fields
from types import MappingProxyType
from typing import Any

from rbac_api.policy.model import Policy

#: Bytes of pickled entries (roles, scopes, implied-role sets) per slice, one entry at least. Unpickling
#: costs about 0.08 ms per KB on this machine, and it is the bytes, not the entries, that cost: eight
#: scopes take 0.02 ms, eight roles of the 1,000-role benchmark policy 0.4-0.6 ms (docs/benchmarks.md,
#: row 7). A request arriving meanwhile waits for one such slice at most.
SLICE_BYTES = 1024
#: The mappings sent entry by entry; the rest of the policy (rules, resources, version...) is one head
#: slice, so rules and the index naming them stay the same objects.
_SLICED = ("scopes", "roles", "implied")
_REBUILT = ("_granted_memo",)


def pack(policy: Policy) -> list[bytes]:
    """The head, then the sliced mappings' entries in their order (a policy's role order is its files')."""
    head = {
        f.name: getattr(policy, f.name)
        for f in fields(policy)
        if f.name not in _SLICED and f.name not in _REBUILT
    }
    blobs = [_dumps(head)]
    group: list[tuple[str, Any, Any]] = []
    size = 0
    for name in _SLICED:
        for key, value in getattr(policy, name).items():
            entry = (name, key, value)
            entry_size = len(_dumps(entry))  # pickled twice, in the child: the server only unpacks
            if group and size + entry_size > SLICE_BYTES:
                blobs.append(_dumps(group))
                group, size = [], 0
            group.append(entry)
            size += entry_size
    if group:
        blobs.append(_dumps(group))
    return blobs


def unpack(blobs: list[bytes]) -> Generator[None, None, Policy]:
    """Rebuild the policy, pausing (a bare `yield`) after each slice; the generator's value is the policy."""
    blob_iter: Iterator[bytes] = iter(blobs)
    head: dict[str, Any] = pickle.loads(next(blob_iter))  # noqa: S301 (this service's own child)
    sliced: dict[str, dict[Any, Any]] = {name: {} for name in _SLICED}
    for blob in blob_iter:
        for name, key, value in pickle.loads(blob):  # noqa: S301 (this service's own child)
            sliced[name][key] = value
        yield
    return Policy(
        scopes=MappingProxyType(sliced["scopes"]),
        roles=MappingProxyType(sliced["roles"]),
        implied=MappingProxyType(sliced["implied"]),
        **head,
    )


def _proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Callable[[dict[Any, Any]], object], tuple[object]]:
    return read_only, (dict(proxy),)


def read_only(entries: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    """Rebuilds a mapping proxy on arrival (pickle names this function; the type has no importable name)."""
    return MappingProxyType(entries)


#: Mapping proxies (the policy's read-only mappings) cannot be pickled as they are; they travel as dicts.
_DISPATCH = {**copyreg.dispatch_table, MappingProxyType: _proxy}


def _dumps(value: object) -> bytes:
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _DISPATCH
    pickler.dump(value)
    return buffer.getvalue()
