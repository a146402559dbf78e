"""A fresh database at the current schema for every test, without running the migrations every time.

The migrations run once per test session into a template; each test gets a copy of it.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from rbac_api.store.database import make_engine
from rbac_api.store.schema import upgrade

_template: Path | None = None


def _sqlite_template() -> Path:
    global _template
    if _template is None:
        path = Path(tempfile.mkdtemp(prefix="rbac-template-")) / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        engine.dispose()  # the last connection closing checkpoints the WAL into the file
        _template = path
    return _template


def fresh_database_url(directory: Path) -> str:
    """The URL of a database at the current schema in `directory` (created on first use)."""
    path = directory / "rbac.db"
    if not path.exists():
        shutil.copyfile(_sqlite_template(), path)
    return f"sqlite:///{path}"
