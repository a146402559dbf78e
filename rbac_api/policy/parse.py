"""Policy files as YAML documents that remember their line numbers, with every read error as a `Problem`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.reader import ReaderError

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


class _RecordingConstructor(RoundTripConstructor):
    """Round-trip constructor that keeps the first of duplicate keys and records the others.

    ruamel either raises on the first duplicate or silently keeps one; we want every duplicate reported.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.duplicates: list[tuple[Any, int, int]] = []

    def check_mapping_key(self, node: Any, key_node: Any, mapping: Any, key: Any, value: Any) -> bool:
        if key not in mapping:
            return True
        first_line = mapping.lc.key(key)[0] + 1
        self.duplicates.append((key, key_node.start_mark.line + 1, first_line))
        return False

    def construct_non_recursive_object(self, node: Any, tag: str | None = None) -> Any:
        # Explicit tags (`!!int x`) make ruamel raise bare ValueError/KeyError; give them the node's line.
        try:
            return super().construct_non_recursive_object(node, tag)
        except (ValueError, KeyError, TypeError) as error:
            raise ConstructorError(None, None, f"cannot read value ({error})", node.start_mark) from error


def policy_files(directory: Path) -> list[Path]:
    """The YAML files directly in `directory`, by name.

    Subdirectories are skipped (`tests/` holds policy test cases) and so are dotfiles (editor backups).
    """
    return sorted(
        path
        for path in directory.iterdir()
        if path.suffix in POLICY_SUFFIXES and not path.name.startswith(".") and path.is_file()
    )


def read_source(path: Path) -> tuple[SourceFile | None, list[Problem]]:
    """Read and parse one file, keeping line numbers; every read or syntax error becomes a problem.

    Duplicate keys are reported rather than resolved silently; the document keeps the first.
    """
    shown = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        return None, [Problem(Location(shown, 1), f"cannot read file: {error.strerror}")]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return None, [Problem(Location(shown, line), "file is not UTF-8 text")]
    yaml = YAML(typ="rt")
    yaml.Constructor = _RecordingConstructor
    try:
        document = yaml.load(text)
    except YAMLError as error:
        problem = Problem(Location(shown, _error_line(error, text)), _error_message(error))
        return SourceFile(path.name, shown, data, None, parsed=False), [problem]
    constructor: _RecordingConstructor = yaml.constructor
    return SourceFile(path.name, shown, data, document), [
        Problem(Location(shown, line), f"duplicate key '{key}' (first at line {first}); remove one")
        for key, line, first in constructor.duplicates
    ]


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
