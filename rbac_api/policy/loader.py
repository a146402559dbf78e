"""Placeholder replaced by the policy-loader branch; defines the interface the rest of the package uses."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rbac_api.policy.model import Location, Policy


@dataclass(frozen=True, slots=True)
class Problem:
    location: Location
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class PolicyError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_policy_dir(directory: Path) -> list[Problem]:
    raise NotImplementedError


def load_policy(directory: Path) -> Policy:
    raise NotImplementedError
