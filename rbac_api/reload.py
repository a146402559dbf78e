"""Hot reload: a changed policy directory is checked whole and swapped in, or rejected whole.

The serving process keeps answering meanwhile. A small policy is parsed in a worker thread (a few ms); a
large one in a child process at a lower priority (`rbac_api.reload_child`), which sends the compiled policy
back in slices that the event loop unpacks between requests. Either way the swap is one reference
assignment, so a request sees the old policy or the new one, never a mixture. Triggers: file watching
(watchfiles), SIGHUP, and `rbac-api policy reload` (which sends SIGHUP to every registered server process).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import pickle
import signal
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import anyio
import anyio.lowlevel
from watchfiles import Change, awatch

import rbac_api
from rbac_api.policy import Policy, PolicyEngine, PolicyError
from rbac_api.policy.parse import policy_files
from rbac_api.policy.targets import Target
from rbac_api.policy.transfer import unpack
from rbac_api.reload_child import CHILD_CODE, load_checked

log = logging.getLogger("rbac_api.reload")

#: Editors' scratch files: saving `roles.yaml` in vim touches `4913` and `.roles.yaml.swp` first.
_SCRATCH_SUFFIXES = (".swp", ".swx", ".tmp", "~")
#: How long changes are gathered before one reload: a save is often several file events.
DEBOUNCE_MS = 150
#: The pause after each slice of a policy unpacked (or freed) on the event loop. Yielding alone would let
#: a slice run between any two steps of a request; pausing, the loop is free for requests ~95% of the time
#: and a 1,000-role policy takes about a second to unpack.
SLICE_PAUSE_SECONDS = 0.001
#: Entries of a replaced policy freed per turn of the event loop: a role of the 1,000-role benchmark policy
#: takes ~6 us to free, so about 0.05 ms a turn.
RELEASE_PIECES = 8
#: After a symlinked directory was swapped, how long until the catch-up reload (`watch_policy`).
CATCH_UP_SECONDS = 0.5
#: Policy files of this many bytes or more are checked in a child process. Below it a parse takes a few
#: ms, less than starting a Python process; above it, a parse sharing the GIL with requests slows them
#: (docs/benchmarks.md, row 7: 2.8x the quiet p99 while a 1,000-role policy reloads in a thread).
OFFLOAD_BYTES = 64 * 1024
#: A child that has not answered by then is killed, and the reload is done in a thread instead.
CHILD_TIMEOUT_SECONDS = 120.0
#: Put first on the child's path: the child must load this very code, even from a source tree.
_PACKAGE_HOME = str(Path(rbac_api.__file__).resolve().parent.parent)


CompletedChild = subprocess.CompletedProcess[bytes]


class ChildFailed(Exception):
    """The child process could not start, died or answered nonsense; the reload falls back to a thread."""


class PolicyReloader:
    """Loads the policy directory again and puts it in force only when it is valid for this app.

    Valid means what start-up requires: the policy checker finds no error, and every scope the code
    requires is in the catalogue. Otherwise the policy in force stays and `error` says why.
    """

    def __init__(
        self,
        engine: PolicyEngine,
        directory: Path,
        targets: Sequence[Target] = (),
        *,
        offload_bytes: int = OFFLOAD_BYTES,
    ) -> None:
        self.engine = engine
        self.directory = directory
        self._targets = tuple(targets)
        self._pickled_targets: bytes | None = None
        self.offload_bytes = offload_bytes
        self._lock = threading.Lock()
        #: Serialises `reload_gently` calls, so that a slower, older reload cannot land after a newer one.
        self._turn: anyio.Lock | None = None
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
        return load_checked(self.directory, self._targets)

    def reload(self) -> bool:
        """Check and swap; True when a new policy was put in force. Blocking: run it in a worker thread."""
        with self._lock:
            try:
                with _gentle_on_requests():
                    policy = self.load_checked()
            except PolicyError as exc:
                self._reject(str(exc))
                return False
            return self._settle(policy, policy.version) is not None

    def settle(self, policy: Policy | None, version: str) -> Policy | None:
        """Put `policy` (of `version`) in force unless that version already is (None: known unchanged);
        returns the policy it replaced, if it did."""
        with self._lock:
            return self._settle(policy, version)

    def reject(self, error: str) -> None:
        with self._lock:
            self._reject(error)

    def files_size(self) -> int:
        """Bytes of the policy files now; 0 when they cannot be listed (the load will say why)."""
        try:
            return sum(path.stat().st_size for path in policy_files(self.directory.resolve()))
        except OSError:
            return 0

    def pickled_targets(self) -> bytes:
        """The targets as a child reads them: pickled once (about 1 ms for the service's), not per reload
        on the event loop."""
        if self._pickled_targets is None:
            self._pickled_targets = pickle.dumps(self._targets, protocol=pickle.HIGHEST_PROTOCOL)
        return self._pickled_targets

    def turn(self) -> anyio.Lock:
        if self._turn is None:
            self._turn = anyio.Lock()
        return self._turn

    def _reject(self, error: str) -> None:
        self.error, self.rejected_at = error, datetime.now(UTC)
        log.error(
            "policy change rejected; version %s stays in force in pid %d:\n%s",
            self.engine.policy.version,
            os.getpid(),
            error,
        )

    def _settle(self, policy: Policy | None, version: str) -> Policy | None:
        current = self.engine.policy
        if self.error is not None:
            log.info("policy error cleared")
        self.error = self.rejected_at = None
        if version == current.version or policy is None:
            # Said anyway: whoever asked for the reload (SIGHUP, `rbac-api policy reload`) sees it arrive.
            log.info("policy reload: version %s unchanged in pid %d", current.version, os.getpid())
            return None
        self.engine.swap(policy)
        log.info(
            "policy reloaded: version %s (was %s) in pid %d", policy.version, current.version, os.getpid()
        )
        return current


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
    interval = sys.getswitchinterval()
    sys.setswitchinterval(min(interval, 0.0005))
    try:
        with _no_collection():
            yield
    finally:
        sys.setswitchinterval(interval)


@contextmanager
def _no_collection() -> Iterator[None]:
    """No garbage collection while a policy is built, and what survived frozen out of later full ones."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        # Frozen first: enabled first, the next allocation would collect everything built meanwhile.
        gc.freeze()
        if collecting:
            gc.enable()


async def reload_gently(reloader: PolicyReloader) -> bool:
    """Check and swap as `PolicyReloader.reload` does, slowing the requests served meanwhile as little as
    possible: a large policy is checked in a child process, then unpacked between requests."""
    async with reloader.turn():
        if reloader.files_size() < reloader.offload_bytes:
            return await reload_in_thread(reloader)
        try:
            kind, value = await _ask_child(reloader)
        except ChildFailed as exc:
            log.warning("policy check in a child process failed (%s); checking in a thread instead", exc)
            return await reload_in_thread(reloader)
        if kind == "rejected":
            reloader.reject(str(value))
            return False
        if kind == "unchanged":
            return reloader.settle(None, str(value)) is not None
        policy = await _unpack_between_requests(value)
        replaced = reloader.settle(policy, policy.version)
        del policy
        if replaced is None:
            return False
        pieces = _pieces_of(replaced)
        # The policy itself goes now, cheaply: what it holds lives on in `pieces`, freed a few at a time.
        # Kept alive until the end instead, it freed all of them at once: a 5-10 ms stall per reload.
        del replaced
        await _release_between_requests(pieces)
        return True


async def _ask_child(reloader: PolicyReloader) -> tuple[str, object]:
    version = reloader.engine.policy.version
    try:
        request = pickle.dumps((reloader.directory, version)) + reloader.pickled_targets()
    except (pickle.PicklingError, TypeError, AttributeError) as exc:  # an application's own check type
        raise ChildFailed(f"the app's routes and fields cannot be sent to it ({exc})") from exc
    path = os.pathsep.join(filter(None, (_PACKAGE_HOME, os.environ.get("PYTHONPATH"))))
    command = [sys.executable, "-c", CHILD_CODE]
    environment = {**os.environ, "PYTHONPATH": path}
    try:
        # From a worker thread, not the event loop's own subprocess support: under uvloop that forks the
        # whole serving process (~15 ms with the loop stopped, measured: row 7), where the standard library
        # uses vfork. The thread then only waits on the pipes.
        done = await anyio.to_thread.run_sync(
            partial(_run_child, command, request, environment), abandon_on_cancel=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ChildFailed(str(exc) or type(exc).__name__) from exc
    if done.returncode != 0:
        last = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
        raise ChildFailed(f"exit status {done.returncode}: {last[0]}")
    try:
        kind, value = pickle.loads(done.stdout)  # noqa: S301 (this service's own child)
    except Exception as exc:
        raise ChildFailed(f"unreadable answer ({exc})") from exc
    if kind not in ("rejected", "unchanged", "policy"):
        raise ChildFailed(f"unknown answer {kind!r}")
    return str(kind), value


def _run_child(command: list[str], request: bytes, environment: dict[str, str]) -> CompletedChild:
    return subprocess.run(  # noqa: S603 (this interpreter, with our own code)
        command,
        input=request,
        capture_output=True,
        timeout=CHILD_TIMEOUT_SECONDS,
        env=environment,
        check=False,
    )


def _pieces_of(policy: Policy) -> list[object]:
    """What a large policy holds, to free piece by piece: freed at once, a 1,000-role policy stalls the
    event loop for 5-10 ms of reference-count cascade."""
    return [*policy.roles.values(), *policy.scopes.values(), *policy.implied.values(), *policy.rules]


async def _release_between_requests(pieces: list[object]) -> None:
    """Free `pieces` a few at a time (the only references left, unless a request in flight still uses the
    policy they came from, which then keeps them as long as it does)."""
    while pieces:
        del pieces[-RELEASE_PIECES:]
        await anyio.sleep(SLICE_PAUSE_SECONDS)


async def _unpack_between_requests(slices: object) -> Policy:
    """One slice per turn of the event loop: a request waits for one slice at most, never the whole."""
    if not isinstance(slices, list):
        raise TypeError("a policy answer carries a list of slices")
    steps = unpack(slices)
    with _no_collection():
        while True:
            try:
                next(steps)
            except StopIteration as done:
                policy: Policy = done.value
                return policy
            await anyio.sleep(SLICE_PAUSE_SECONDS)


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
        await _watch_target(reloader, stop)
        while not stop.is_set():
            # The directory now points elsewhere. A file changed there before the new watch began would
            # go unseen until the next change: one more reload, once the watch is surely running, covers it.
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_reload_after, reloader, CATCH_UP_SECONDS)
                await _watch_target(reloader, stop)
    except Exception as exc:
        log.warning(
            "cannot watch %s (%s); reload with SIGHUP or 'rbac-api policy reload'", reloader.directory, exc
        )


async def _reload_after(reloader: PolicyReloader, seconds: float) -> None:
    await anyio.sleep(seconds)
    await reload_gently(reloader)


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
        await reload_gently(reloader)
        if reloader.directory.resolve() != target:
            return


@asynccontextmanager
async def reloading(reloader: PolicyReloader, *, watch: bool) -> AsyncIterator[None]:
    """While serving: watch the directory (when `watch`) and reload on SIGHUP (in the main thread)."""
    async with anyio.create_task_group() as tasks:
        stop = anyio.Event()
        if watch:
            tasks.start_soon(watch_policy, reloader, stop)
        forget_signal = _on_sighup(lambda: tasks.start_soon(reload_gently, reloader))
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
