"""`rbac-api orgs ...` against the database a running service uses, and the operator's token commands
reaching the scopes of organization roles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.cli.runner import run
from tests.conftest import PASSWORD, make_settings
from tests.graphql.conftest import gql


@pytest.fixture
def service(tmp_path: Path) -> Iterator[TestClient]:
    """The service on the database the CLI uses, re-reading user state on every request."""
    with TestClient(create_app(make_settings(tmp_path, user_cache_seconds=0))) as client:
        yield client


def orgs(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = run(tmp_path, "orgs", *args)
    return result.returncode, result.stdout, result.stderr


def test_create_normalises_the_name_and_refuses_another_spelling_of_it(tmp_path: Path) -> None:
    assert orgs(tmp_path, "create", "Acme") == (0, "created organization acme (id 1)\n", "")
    assert orgs(tmp_path, "create", "ACME") == (1, "", "rbac-api: organization 'acme' already exists\n")


def test_set_member_replaces_the_roles_and_members_lists_them(tmp_path: Path) -> None:
    orgs(tmp_path, "create", "acme")
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    assert orgs(tmp_path, "set-member", "acme", "BOB", "--role", "reader", "--role", "editor")[1] == (
        "bob in acme: roles editor, reader\n"
    )
    orgs(tmp_path, "set-member", "acme", "bob", "--role", "auditor")
    code, out, _ = orgs(tmp_path, "members", "acme")
    assert (code, out.split("\t")[1:]) == (0, ["bob", "auditor\n"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["set-member", "acme", "bob", "--role", "wizard"], "unknown role(s) wizard"),
        (["set-member", "nope", "bob", "--role", "reader"], "organization 'nope' not found"),
        (["set-member", "acme", "nobody", "--role", "reader"], "user 'nobody' not found"),
        (["remove-member", "acme", "bob"], "bob is not a member of acme"),
    ],
    ids=["unknown role", "unknown organization", "unknown user", "not a member"],
)
def test_a_refused_change_exits_1_with_one_line_naming_the_fault(
    tmp_path: Path, args: list[str], message: str
) -> None:
    orgs(tmp_path, "create", "acme")
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    code, out, err = orgs(tmp_path, *args)
    assert (code, out) == (1, "")
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_list_prints_one_line_per_organization(tmp_path: Path) -> None:
    for name in ("acme", "beta"):
        orgs(tmp_path, "create", name)
    lines = orgs(tmp_path, "list")[1].splitlines()
    assert [line.split("\t")[:2] for line in lines] == [["1", "acme"], ["2", "beta"]]


def test_delete_removes_the_organization_and_its_memberships(tmp_path: Path) -> None:
    orgs(tmp_path, "create", "acme")
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    orgs(tmp_path, "set-member", "acme", "bob", "--role", "reader")
    assert orgs(tmp_path, "delete", "acme") == (0, "deleted organization acme and its memberships\n", "")
    orgs(tmp_path, "create", "acme")
    assert orgs(tmp_path, "members", "acme") == (0, "", "")


def test_a_running_service_sees_a_membership_set_with_the_cli(tmp_path: Path, service: TestClient) -> None:
    orgs(tmp_path, "create", "acme")
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    form = {"grant_type": "password", "username": "bob", "password": PASSWORD}
    token = service.post("/token", data=form).json()["access_token"]
    query = '{ organization(name: "acme") { viewerRoles } }'
    assert gql(service, query, token)["data"]["organization"] is None
    orgs(tmp_path, "set-member", "acme", "bob", "--role", "reader")
    assert gql(service, query, token)["data"]["organization"] == {"viewerRoles": ["reader"]}


def test_the_operators_tokens_may_carry_scopes_of_organization_roles(tmp_path: Path) -> None:
    orgs(tmp_path, "create", "acme")
    run(tmp_path, "users", "create", "bob", "--password", PASSWORD)
    # auditor's scopes (users:read...): no object rule grants them, so only the membership reaches them.
    orgs(tmp_path, "set-member", "acme", "bob", "--role", "auditor")
    issued = run(tmp_path, "token", "issue", "--user", "bob", "--scope", "users:read")
    assert issued.returncode == 0, issued.stderr
    api_token = run(
        tmp_path, "api-tokens", "create", "--user", "bob", "--name", "ci", "--scope", "users:read"
    )
    assert api_token.returncode == 0, api_token.stderr
    refused = run(tmp_path, "token", "issue", "--user", "bob", "--scope", "users:write")
    assert refused.returncode == 1
