"""Service accounts and the client-credentials grant (RFC 6749 §4.4, client authentication §2.3.1)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rbac_api import create_app
from tests.conftest import ADMIN_PASSWORD, POLICY_DIR, bearer, login, make_settings

NewAccount = Callable[..., dict[str, Any]]


@pytest.fixture
def service_account(client: TestClient, admin_token: str) -> NewAccount:
    def create(name: str = "billing-sync", roles: list[str] | None = None) -> dict[str, Any]:
        body = {"name": name, "roles": ["auditor"] if roles is None else roles}
        response = client.post("/service-accounts", json=body, headers=bearer(admin_token))
        assert response.status_code == 201, response.text
        created: dict[str, Any] = response.json()
        return created

    return create


def grant(client: TestClient, account: dict[str, Any], *, basic: bool = True, **fields: str) -> Any:
    form = {"grant_type": "client_credentials", **fields}
    if basic:
        return client.post("/token", data=form, auth=(account["client_id"], account["client_secret"]))
    credentials = {"client_id": account["client_id"], "client_secret": account["client_secret"]}
    return client.post("/token", data={**form, **credentials})


def test_creating_a_service_account_answers_its_client_id_and_secret_once(
    client: TestClient, service_account: NewAccount
) -> None:
    created = service_account()
    assert created["client_id"].startswith("rbac_sa_")
    assert created["client_secret"].startswith("rbac_cs_")
    assert (created["name"], created["roles"]) == ("billing-sync", ["auditor"])


def test_creating_a_service_account_needs_users_write(client: TestClient, auditor_token: str) -> None:
    body = {"name": "sneaky", "roles": []}
    assert client.post("/service-accounts", json=body, headers=bearer(auditor_token)).status_code == 403


def test_giving_roles_to_a_service_account_needs_roles_assign(tmp_path: Path) -> None:
    policy = tmp_path / "policies"
    policy.mkdir()
    for source in POLICY_DIR.glob("*.yaml"):
        (policy / source.name).write_text(source.read_text())
    (policy / "clerks.yaml").write_text(
        "roles:\n  clerk:\n    description: Creates accounts, gives no roles\n"
        "    scopes: [users:write, users:read, roles:read]\n"
    )
    with TestClient(create_app(make_settings(tmp_path, policy_dir=policy))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        client.post(
            "/users",
            json={"username": "clara", "password": "clara-password-1", "roles": ["clerk"]},
            headers=bearer(admin),
        )
        clerk = login(client, "clara", "clara-password-1")
        with_roles = client.post(
            "/service-accounts", json={"name": "a", "roles": ["user"]}, headers=bearer(clerk)
        )
        without = client.post("/service-accounts", json={"name": "b", "roles": []}, headers=bearer(clerk))
    assert with_roles.status_code == 403
    assert with_roles.json()["missing_scopes"] == ["roles:assign"]
    assert without.status_code == 201


def test_the_client_credentials_grant_issues_an_access_token_without_refresh_token(
    client: TestClient, service_account: NewAccount
) -> None:
    response = grant(client, service_account())
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert set(body["scope"].split()) == {"users:read", "roles:read", "policy:read"}
    assert client.get("/users", headers=bearer(body["access_token"])).status_code == 200


def test_client_authentication_by_form_fields_works_too(
    client: TestClient, service_account: NewAccount
) -> None:
    assert grant(client, service_account(), basic=False).status_code == 200


def test_the_requested_scope_narrows_the_token(client: TestClient, service_account: NewAccount) -> None:
    body = grant(client, service_account(), scope="users:read").json()
    assert body["scope"] == "users:read"


def test_a_scope_the_accounts_roles_do_not_grant_is_invalid_scope(
    client: TestClient, service_account: NewAccount
) -> None:
    response = grant(client, service_account(), scope="users:write")
    assert (response.status_code, response.json()["error"]) == (400, "invalid_scope")


def test_a_wrong_secret_over_basic_is_invalid_client_with_a_basic_challenge(
    client: TestClient, service_account: NewAccount
) -> None:
    account = service_account()
    secret = account["client_secret"]
    # Another last character, always: replacing it with a fixed one left it right when it was that one.
    wrong = {**account, "client_secret": secret[:-1] + ("y" if secret.endswith("x") else "x")}
    response = grant(client, wrong)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert response.headers["www-authenticate"].startswith("Basic")


def test_an_unknown_client_in_the_form_is_invalid_client(
    client: TestClient, service_account: NewAccount
) -> None:
    account = {**service_account(), "client_id": "rbac_sa_" + "0" * 24}
    response = grant(client, account, basic=False)
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")


def test_the_grant_without_client_authentication_is_invalid_client(client: TestClient) -> None:
    response = client.post("/token", data={"grant_type": "client_credentials"})
    assert (response.status_code, response.json()["error"]) == (401, "invalid_client")
    assert "client_secret" in response.json()["error_description"]


def test_a_service_accounts_client_may_not_use_the_password_grant(
    client: TestClient, service_account: NewAccount
) -> None:
    account = service_account()
    form = {"grant_type": "password", "username": "admin", "password": ADMIN_PASSWORD}
    response = client.post("/token", data=form, auth=(account["client_id"], account["client_secret"]))
    assert (response.status_code, response.json()["error"]) == (400, "unauthorized_client")


def test_a_service_account_cannot_log_in_with_a_password(
    client: TestClient, service_account: NewAccount
) -> None:
    service_account()
    form = {"grant_type": "password", "username": "billing-sync", "password": "!service-account"}
    response = client.post("/token", data=form)
    assert (response.status_code, response.json()["error"]) == (400, "invalid_grant")


def test_service_accounts_appear_in_the_user_listing_marked(
    client: TestClient, admin_token: str, service_account: NewAccount
) -> None:
    service_account()
    listed = {
        user["username"]: user["service_account"]
        for user in client.get("/users", headers=bearer(admin_token)).json()["items"]
    }
    assert listed == {"admin": False, "billing-sync": True}


def test_a_disabled_service_account_gets_no_token(
    client: TestClient, admin_token: str, service_account: NewAccount
) -> None:
    account = service_account()
    client.patch("/users/billing-sync", json={"disabled": True}, headers=bearer(admin_token))
    assert grant(client, account).status_code == 401


def test_after_a_rotation_both_secrets_work_during_the_overlap(
    client: TestClient, admin_token: str, service_account: NewAccount
) -> None:
    account = service_account()
    rotated = client.post("/service-accounts/billing-sync/secret", headers=bearer(admin_token))
    assert rotated.status_code == 200
    new = {**account, "client_secret": rotated.json()["client_secret"]}
    assert rotated.json()["client_id"] == account["client_id"]
    assert grant(client, account).status_code == 200
    assert grant(client, new).status_code == 200


def test_a_second_rotation_retires_the_oldest_secret(
    client: TestClient, admin_token: str, service_account: NewAccount
) -> None:
    account = service_account()
    client.post("/service-accounts/billing-sync/secret", headers=bearer(admin_token))
    client.post("/service-accounts/billing-sync/secret", headers=bearer(admin_token))
    assert grant(client, account).status_code == 401


def test_without_overlap_the_previous_secret_stops_at_once(tmp_path: Path) -> None:
    with TestClient(create_app(make_settings(tmp_path, client_secret_overlap_seconds=0))) as client:
        admin = login(client, "admin", ADMIN_PASSWORD)
        body = {"name": "job", "roles": ["auditor"]}
        account = client.post("/service-accounts", json=body, headers=bearer(admin)).json()
        rotated = client.post("/service-accounts/job/secret", headers=bearer(admin)).json()
        assert grant(client, account).status_code == 401
        assert grant(client, {**account, "client_secret": rotated["client_secret"]}).status_code == 200


def test_rotating_a_person_accounts_secret_is_not_found(client: TestClient, admin_token: str) -> None:
    assert client.post("/service-accounts/admin/secret", headers=bearer(admin_token)).status_code == 404


def test_secrets_never_reach_a_log(
    client: TestClient, service_account: NewAccount, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        account = service_account()
        token = grant(client, account).json()["access_token"]
        grant(client, {**account, "client_secret": "rbac_cs_wrong"})
    assert account["client_secret"] not in caplog.text
    assert token not in caplog.text
    assert '"event":"client_credentials"' in caplog.text
