"""The child process a large policy is checked and compiled in, so that the serving process keeps its CPU
and its GIL for requests (`rbac_api.reload`).

Protocol: the parent writes two pickles to stdin, `(directory, version in force)` then the app's targets
(pickled once per process), and reads one from stdout: `("rejected", "file:line: message" lines)`,
`("unchanged", version)` or `("policy", slices)` (`rbac_api.policy.transfer`). Started as `python -c`
with `CHILD_CODE`, which lowers the child's priority before anything is imported.
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Sequence
from pathlib import Path

from rbac_api.policy import Policy, PolicyError, load_policy
from rbac_api.policy.targets import Target
from rbac_api.policy.transfer import pack
from rbac_api.policy.usage import usage_problems

#: The child runs as SCHED_IDLE, or at niceness 10 where that is refused: a request waking the serving
#: process on the child's core then takes the CPU at once (with a nice value alone the child may finish its
#: time slice first, a few ms). Set before anything is imported.
CHILD_CODE = """import os
try:
    os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
except (AttributeError, OSError):
    os.nice(10)
from rbac_api.reload_child import main
main()
"""

Answer = tuple[str, object]


def load_checked(directory: Path, targets: Sequence[Target]) -> Policy:
    """The policy in `directory` as a reload judges it: what start-up requires (no policy error, every
    scope the app's code requires in the catalogue), or `PolicyError` with every problem."""
    policy = load_policy(directory)
    errors = [p for p in usage_problems(targets, policy) if p.severity == "error"]
    if errors:
        raise PolicyError(errors)
    return policy


def answer(directory: Path, targets: Sequence[Target], version: str) -> Answer:
    try:
        policy = load_checked(directory, targets)
    except PolicyError as exc:
        return "rejected", str(exc)
    if policy.version == version:
        return "unchanged", version
    return "policy", pack(policy)


def main() -> None:
    directory, version = pickle.load(sys.stdin.buffer)  # noqa: S301 (from the serving process)
    targets = pickle.load(sys.stdin.buffer)  # noqa: S301 (from the serving process)
    pickle.dump(answer(directory, targets, version), sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()
