"""Hot reload: a changed policy directory is checked whole and swapped in, or rejected whole.

The parse runs in a worker thread, so the event loop keeps serving; the swap is one reference assignment,
so a request sees the old policy or the new one, never a mixture. Triggers: file watching (watchfiles),
SIGHUP, and `rbac-api policy reload` (which sends SIGHUP to every registered server process).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import signal
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

import anyio
from watchfiles import Change, awatch

from rbac_api.policy import Policy, PolicyEngine, PolicyError, load_policy
from rbac_api.policy.targets import Target
from rbac_api.policy.usage import usage_problems

log = logging.getLogger("rbac_api.reload")

#: Editors' scratch files: saving `roles.yaml` in vim touches `4913` and `.roles.yaml.swp` first.
_SCRATCH_SUFFIXES = (".swp", ".swx", ".tmp", "~")
#: How long changes are gathered before one reload: a save is often several file events.
DEBOUNCE_MS = 150


class PolicyReloader:
    """Loads the policy directory again and puts it in force only when it is valid for this app.

    Valid means what start-up requires: the policy checker finds no error, and every scope the code
    requires is in the catalogue. Otherwise the policy in force stays and `error` says why.
    """

    def __init__(self, engine: PolicyEngine, directory: Path, targets: Sequence[Target] = ()) -> None:
        self.engine = engine
        self.directory = directory
        self._targets = tuple(targets)
        self._lock = threading.Lock()
        #: Every problem of the last rejected change, one `file:line: message` per line; None when clean.
        self.error: str | None = None
        #: When that change was rejected (None when clean).
        self.rejected_at: datetime | None = None

    @property
    def targets(self) -> tuple[Target, ...]:
        """The app's routes and fields, which every policy put in force must serve."""
        return self._targets

    def load_checked(self) -> Policy:
        """The policy in the directory now, as a reload would judge it: `PolicyError` with every problem
        when it would be rejected. Blocking: run it in a worker thread."""
        policy = load_policy(self.directory)
        errors = [p for p in usage_problems(self._targets, policy) if p.severity == "error"]
        if errors:
            raise PolicyError(errors)
        return policy

    def reload(self) -> bool:
        """Check and swap; True when a new policy was put in force. Blocking: run it in a worker thread."""
        with self._lock:
            current = self.engine.policy
            try:
                with _gentle_on_requests():
                    policy = self.load_checked()
            except PolicyError as exc:
                self.error, self.rejected_at = str(exc), datetime.now(UTC)
                log.error(
                    "policy change rejected; version %s stays in force in pid %d:\n%s",
                    current.version,
                    os.getpid(),
                    exc,
                )
                return False
            if self.error is not None:
                log.info("policy error cleared")
            self.error = self.rejected_at = None
            if policy.version == current.version:
                # Said anyway: whoever asked for the reload (SIGHUP, `rbac-api policy reload`) sees it arrive.
                log.info("policy reload: version %s unchanged in pid %d", current.version, os.getpid())
                return False
            self.engine.swap(policy)
            log.info(
                "policy reloaded: version %s (was %s) in pid %d", policy.version, current.version, os.getpid()
            )
            return True


@contextmanager
def _gentle_on_requests() -> Iterator[None]:
    """Keep a large reload from stalling requests served meanwhile on the event loop.

    Measured on a 1,000-role policy (docs/benchmarks.md, row 7): the parse's allocations set off full
    garbage collections of the whole heap (100-160 ms with the GIL held), and the default 5 ms GIL switch
    interval makes every I/O wait of a request queue behind the parsing thread. So: no collection during the
    parse, a short switch interval, and afterwards the heap that survived start-up frozen out of future
    full collections (loading a policy leaves no cyclic garbage, so freezing keeps nothing alive that a
    collection would have freed). The interval is process-wide, hence restored at once.
    """
    collecting = gc.isenabled()
    interval = sys.getswitchinterval()
    gc.disable()
    sys.setswitchinterval(min(interval, 0.0005))
    try:
        yield
    finally:
        sys.setswitchinterval(interval)
        if collecting:
            gc.enable()
        gc.freeze()


def is_policy_change(directory: Path) -> Callable[[Change, str], bool]:
    """A filter for watchfiles: changes directly in the directory, editors' scratch files aside, and the
    directory itself when it is a symlink that may be swapped for another.

    Any name counts (not only *.yaml), so a directory swapped in through a symlink inside it (as Kubernetes
    does with ConfigMaps) is seen too; a change that leaves the policy version as it was costs one parse.
    """
    resolved = directory.resolve()
    link = directory.absolute() if directory.is_symlink() else None

    def accept(_change: Change, path: str) -> bool:
        changed = Path(path)
        if link is not None and changed.absolute() == link:
            return True
        return changed.parent.resolve() == resolved and not changed.name.endswith(_SCRATCH_SUFFIXES)

    return accept


def watched_paths(directory: Path) -> list[Path]:
    """The directory, and when it is a symlink also the directory holding the link: a swap renames a new
    link over the old one there, and a watch on the old target would never see it."""
    return [directory, directory.absolute().parent] if directory.is_symlink() else [directory]


async def reload_in_thread(reloader: PolicyReloader) -> bool:
    return await anyio.to_thread.run_sync(reloader.reload)


async def watch_policy(reloader: PolicyReloader, stop: anyio.Event) -> None:
    """Reload on every change until `stop` is set; never raises, since serving must go on without it."""
    try:
        while not stop.is_set():
            await _watch_target(reloader, stop)
    except Exception as exc:
        log.warning(
            "cannot watch %s (%s); reload with SIGHUP or 'rbac-api policy reload'", reloader.directory, exc
        )


async def _watch_target(reloader: PolicyReloader, stop: anyio.Event) -> None:
    """Watch what the directory resolves to now, until `stop` or until a symlink swap points it elsewhere
    (then the caller watches the new target)."""
    target = reloader.directory.resolve()
    async for _changes in awatch(
        *watched_paths(reloader.directory),
        watch_filter=is_policy_change(reloader.directory),
        debounce=DEBOUNCE_MS,
        step=25,
        stop_event=stop,
        recursive=False,
    ):
        await reload_in_thread(reloader)
        if reloader.directory.resolve() != target:
            return


@asynccontextmanager
async def reloading(reloader: PolicyReloader, *, watch: bool) -> AsyncIterator[None]:
    """While serving: watch the directory (when `watch`) and reload on SIGHUP (in the main thread)."""
    async with anyio.create_task_group() as tasks:
        stop = anyio.Event()
        if watch:
            tasks.start_soon(watch_policy, reloader, stop)
        forget_signal = _on_sighup(lambda: tasks.start_soon(reload_in_thread, reloader))
        try:
            yield
        finally:
            forget_signal()
            stop.set()
            tasks.cancel_scope.cancel()


def _on_sighup(callback: Callable[[], object]) -> Callable[[], None]:
    """Install a SIGHUP handler on the running loop; a no-op where signals cannot be handled here."""
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(signal.SIGHUP, callback)
    except (ValueError, RuntimeError, NotImplementedError, AttributeError):
        return lambda: None  # not the main thread (a test client), or no SIGHUP on this platform

    def forget() -> None:
        with suppress(ValueError, RuntimeError):
            loop.remove_signal_handler(signal.SIGHUP)

    return forget
