"""Instances starting at once on one empty database: one creates `admin`, the others start all the same.

The race is reproduced deterministically: while this instance hashes the first admin's password, the real
hasher lets another instance (another runtime on the same database) create `admin` first.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import text

from rbac_api.app import build_runtime
from rbac_api.core.passwords import PasswordHasher
from rbac_api.runtime import Rbac
from rbac_api.services.bootstrap import ensure_first_admin
from tests.conftest import ADMIN_PASSWORD, make_settings


class OtherInstanceFirst(PasswordHasher):
    """The real hasher; while it hashes, another instance on the same database creates the first admin."""

    def __init__(self, rounds: int, other: Rbac) -> None:
        super().__init__(rounds)
        self._other = other

    def hash_sync(self, password: str) -> str:
        hashed = super().hash_sync(password)
        assert ensure_first_admin(self._other) is not None
        return hashed


def test_an_instance_that_loses_the_race_for_the_first_admin_starts_without_creating_one(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path)
    other = build_runtime(settings)
    mine = build_runtime(settings)
    racing = dataclasses.replace(mine, hasher=OtherInstanceFirst(settings.bcrypt_rounds, other))

    assert ensure_first_admin(racing) is None
    with mine.db.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
    stored = mine.users.credentials("admin")
    assert stored is not None
    assert mine.hasher.verify_sync(ADMIN_PASSWORD, stored.password_hash).ok
