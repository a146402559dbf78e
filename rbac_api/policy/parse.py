"""Policy files as YAML documents that keep their line numbers; each decoding or syntax error a `Problem`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yaml import YAMLError
from yaml.error import MarkedYAMLError
from yaml.reader import ReaderError

from rbac_api.policy.located import Builder, compose
from rbac_api.policy.model import Location
from rbac_api.policy.problems import Problem

POLICY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One policy file: its bytes (for the policy version) and its document (None when empty)."""

    name: str
    path: str
    data: bytes
    document: Any
    #: False after a syntax error: the file's names are unknown, so cross-file checks must wait.
    parsed: bool = True


def policy_files(directory: Path) -> list[Path]:
    """The YAML files directly in `directory`, by name.

    Subdirectories are skipped (`tests/` holds policy test cases) and so are dotfiles (editor backups).
    """
    return sorted(
        path
        for path in directory.iterdir()
        if path.suffix in POLICY_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def parse_source(path: Path, data: bytes) -> tuple[SourceFile | None, list[Problem]]:
    """Parse one file's bytes, keeping line numbers; every decoding or syntax error becomes a problem.

    Duplicate keys are reported rather than resolved silently; the document keeps the first.
    """
    shown = str(path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Problem(Location(shown, line), "file is not UTF-8 text")]
    builder = Builder()
    try:
        node = compose(text)
        document = None if node is None else builder.build(node)
    except YAMLError as error:
        return SourceFile(path.name, shown, data, None, parsed=False), [yaml_problem(shown, error, text)]
    return SourceFile(path.name, shown, data, document), [
        Problem(Location(shown, line), f"duplicate key '{key}' (first at line {first}); remove one")
        for key, line, first in builder.duplicates
    ]


def yaml_problem(shown: str, error: YAMLError, text: str) -> Problem:
    """A YAML read error as `file:line: YAML syntax error: ...`."""
    return Problem(Location(shown, _error_line(error, text)), _error_message(error))


def _error_line(error: YAMLError, text: str) -> int:
    if isinstance(error, MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        if mark is not None:
            return int(mark.line) + 1
    if isinstance(error, ReaderError):
        return text.count("\n", 0, error.position) + 1
    return 1


def _error_message(error: YAMLError) -> str:
    if isinstance(error, MarkedYAMLError) and error.problem:
        context = f" ({error.context})" if error.context else ""
        return f"YAML syntax error: {error.problem}{context}"
    if isinstance(error, ReaderError):
        return f"YAML syntax error: {error.reason} (character {error.character!r})"
    return f"YAML syntax error: {error}"
