"""Fixtures for policy tests: a policy directory in tmp_path and a writer for its files."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

WritePolicy = Callable[[str, str], Path]


@pytest.fixture
def policy_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "policies"
    directory.mkdir()
    return directory


@pytest.fixture
def write_policy(policy_dir: Path) -> WritePolicy:
    """`write_policy("roles.yaml", text)` writes dedented `text` into the policy directory."""

    def write(name: str, text: str) -> Path:
        path = policy_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
        return path

    return write
