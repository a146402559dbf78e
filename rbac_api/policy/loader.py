"""Policy directory in, every problem or a compiled `Policy` out.

`policy check` and the service both come through here, so the service loads exactly what the check accepts.
"""

from __future__ import annotations

from pathlib import Path

from rbac_api.policy.compiler import compile_policy
from rbac_api.policy.entries import read_entries
from rbac_api.policy.model import Location, Policy
from rbac_api.policy.parse import SourceFile, parse_source
from rbac_api.policy.problems import PolicyError, Problem, has_errors
from rbac_api.policy.snapshot import Reader, read_snapshot
from rbac_api.policy.validate import CheckedPolicy, validate

__all__ = ["PolicyError", "Problem", "check_policy_dir", "load_policy"]


def check_policy_dir(directory: Path) -> list[Problem]:
    """Every problem in the policy files directly in `directory`, ordered by file and line."""
    _checked, problems = _check(directory)
    return problems


def load_policy(directory: Path, *, read: Reader = Path.read_bytes) -> Policy:
    """The compiled policy of `directory`, from its files as they all were at one moment (`read_snapshot`).

    Raises:
        PolicyError: with every problem, when any of them is an error, or when the files kept changing.
    """
    checked, problems = _check(directory, read)
    if has_errors(problems):
        raise PolicyError(problems)
    return compile_policy(checked)


def _check(directory: Path, read: Reader = Path.read_bytes) -> tuple[CheckedPolicy, list[Problem]]:
    sources, problems, complete = _read_sources(directory, read)
    files = []
    for source in sources:
        entries, found = read_entries(source)
        files.append(entries)
        problems += found
    checked, found = validate(directory, sources, files, complete=complete)
    problems += found
    return checked, sorted(problems, key=lambda p: (p.location.file, p.location.line))


def _read_sources(
    directory: Path, read: Reader = Path.read_bytes
) -> tuple[list[SourceFile], list[Problem], bool]:
    """Every policy file parsed, the problems met, and whether every file was read and parsed."""
    if not directory.is_dir():
        return [], [Problem(Location(str(directory), 0), "policy directory not found")], False
    files = read_snapshot(directory, read=read)
    if not files:
        message = "no policy files (*.yaml, *.yml) in this directory"
        return [], [Problem(Location(str(directory), 0), message)], False
    sources, problems = [], []
    for file in files:
        if file.data is None:
            problems.append(Problem(Location(str(file.shown), 1), f"cannot read file: {file.error}"))
            continue
        source, found = parse_source(file.shown, file.data)
        problems += found
        if source is not None:
            sources.append(source)
    complete = len(sources) == len(files) and all(source.parsed for source in sources)
    return sources, problems, complete
