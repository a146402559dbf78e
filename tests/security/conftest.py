"""The services under attack: one per key configuration, shared by a module's rows (a row that changes state
works on users of its own), the shipped policy plus a `role-manager` role."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from fastapi.testclient import TestClient

from rbac_api import create_app
from rbac_api.core.keys import generate_key_pair, thumbprint
from tests.conftest import MANAGER_ROLE, POLICY_DIR, SECRET, make_settings
from tests.security.forge import Forge


@contextmanager
def attacked(root: Path, key: Any = SECRET.encode(), **overrides: Any) -> Iterator[Forge]:
    """A service in `root` with settings `overrides`, signing with `key`; `victim` holds the role `user`."""
    policy_dir = root / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    (policy_dir / "zz-manager.yaml").write_text(MANAGER_ROLE)
    settings = make_settings(root, policy_dir=policy_dir, **overrides)
    with TestClient(create_app(settings)) as client:
        forge = Forge(client, key, settings.algorithm)
        forge.create_user("victim", "user")
        yield forge


@pytest.fixture(scope="module")
def hmac_forge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forge]:
    """The default service: HS256 with a shared secret."""
    with attacked(tmp_path_factory.mktemp("hmac")) as forge:
        yield forge


@pytest.fixture(scope="module")
def rsa_forge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Forge]:
    """A service signing with an RSA key (RS256), its public key published in the JWKS document."""
    root = tmp_path_factory.mktemp("rsa")
    private_path, public_path = generate_key_pair("RS256", root / "keys")
    private = load_pem_private_key(private_path.read_bytes(), password=None)
    with attacked(root, private, algorithm="RS256", signing_key_file=private_path) as forge:
        forge.kid = thumbprint(private.public_key())  # type: ignore[arg-type]
        forge.public_pem = public_path.read_bytes()
        yield forge
