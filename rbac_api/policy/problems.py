"""What the policy checker reports: one `Problem` per finding, all of them at once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rbac_api.policy.model import Location

_ESCAPES = {code: repr(chr(code))[1:-1] for code in range(32)}


@dataclass(frozen=True, slots=True)
class Problem:
    """One finding, printed as `file:line: message` so editors and CI logs can jump to it.

    Line 0 means the directory as a whole (no policy files, no `default_role`), not one line of a file.
    """

    location: Location
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        # Names in messages come from the files; escaping control characters keeps one problem per line.
        label = "warning: " if self.severity == "warning" else ""
        return f"{self.location}: {label}{self.message.translate(_ESCAPES)}"


class PolicyError(Exception):
    """The policy directory holds at least one error; the service must not run on it.

    Carries every problem found, so one failed start-up shows all there is to fix.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def has_errors(problems: Sequence[Problem]) -> bool:
    """Warnings alone never stop a policy from loading."""
    return any(p.severity == "error" for p in problems)


class AppCheckError(Exception):
    """The app's code and policy do not pass the start-up checks; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
