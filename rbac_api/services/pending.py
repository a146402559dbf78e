"""What the policy files on disk would change if they were loaded now: `rbac-api policy diff` of the policy
in force against the directory, and the last change the reloader rejected, for the console's Policy view.

Nothing is put in force here: the files are read and judged exactly as a reload judges them
(`PolicyReloader.load_checked`), and compared with `diff_access`, the diff of the command line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rbac_api.policy import Policy, PolicyError
from rbac_api.policy.diff import Change, diff_access
from rbac_api.reload import PolicyReloader


@dataclass(frozen=True, slots=True)
class Rejected:
    """The last change the reloader refused; the previous policy stayed in force."""

    at: datetime | None
    problems: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PendingChange:
    in_force: Policy
    #: The files on disk as a policy, when they load and would be accepted.
    on_disk: Policy | None
    #: Cells whose answer the files on disk would change (empty when they do not load).
    changes: tuple[Change, ...]
    #: Why the files on disk would be rejected, each as `file:line: message`.
    problems: tuple[str, ...]
    rejected: Rejected | None


def pending_change(reloader: PolicyReloader) -> PendingChange:
    """Blocking (reads and parses the directory): run it in a worker thread."""
    in_force = reloader.engine.policy
    error, at = reloader.error, reloader.rejected_at
    rejected = Rejected(at, tuple(error.splitlines())) if error is not None else None
    try:
        on_disk = reloader.load_checked()
    except PolicyError as exc:
        return PendingChange(in_force, None, (), tuple(str(p) for p in exc.problems), rejected)
    changes = diff_access(in_force, on_disk, reloader.targets)
    return PendingChange(in_force, on_disk, tuple(changes), (), rejected)
