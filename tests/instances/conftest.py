"""Two `rbac-api serve` processes on different ports sharing one PostgreSQL database and one policy directory,
as two hosts behind a load balancer would: started once for the module."""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import POLICY_DIR
from tests.databases import fresh_database_url, postgres_or_stop
from tests.servers import Server, launch, stop_server, wait_ready

#: RBAC_USER_CACHE_SECONDS of both instances: the documented bound on seeing the other's changes.
BOUND = 1.0
#: What polling for a change may take beyond the bound on a busy 2-core machine.
MARGIN = 2.0
#: RBAC_LOGIN_MAX_FAILURES of both instances.
MAX_FAILURES = 4


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Server]]:
    postgres_or_stop("several instances share one PostgreSQL database")
    root = tmp_path_factory.mktemp("instances")
    for name in ("one", "two"):
        (root / name).mkdir()
    policy_dir = root / "policies"
    shutil.copytree(POLICY_DIR, policy_dir, ignore=shutil.ignore_patterns("tests"))
    settings = {
        "RBAC_DATABASE_URL": fresh_database_url(root),
        "RBAC_USER_CACHE_SECONDS": str(BOUND),
        "RBAC_LOGIN_MAX_FAILURES": str(MAX_FAILURES),
    }
    # Started at the same moment, on a database without users: both race to create the first admin.
    launched = [launch(root.joinpath(name), policy_dir=policy_dir, **settings) for name in ("one", "two")]
    try:
        one, two = (wait_ready(server) for server in launched)
        yield one, two
    finally:
        for server in launched:
            stop_server(server)


@pytest.fixture
def one(instances: tuple[Server, Server]) -> Server:
    return instances[0]


@pytest.fixture
def two(instances: tuple[Server, Server]) -> Server:
    return instances[1]
