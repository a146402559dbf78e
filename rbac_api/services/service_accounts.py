"""Service accounts: accounts for programs, which authenticate as OAuth2 clients (client-credentials grant).

They hold roles like any account and appear in the user listing, marked; they have no password, so the
password grant refuses them. Their secret is shown once, stored as a digest, and rotated with an overlap.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from functools import partial

import anyio

from rbac_api.core.audit import log_event
from rbac_api.core.errors import InvalidInput
from rbac_api.core.opaque import digest, new_secret
from rbac_api.core.principal import Principal
from rbac_api.runtime import Rbac
from rbac_api.services.accounts import lookup_name, require_grantable_roles
from rbac_api.services.administration import caller_rules
from rbac_api.services.clients import CLIENT_SECRET_PREFIX
from rbac_api.store.tables import ServiceClientRow
from rbac_api.store.usernames import new_username
from rbac_api.store.users import UserRecord

CLIENT_ID_PREFIX = "rbac_sa_"
#: Stored in place of a password hash: no bcrypt hash looks like this, so no password can match it.
NO_PASSWORD = "!service-account"  # noqa: S105


@dataclass(frozen=True, slots=True)
class NewServiceAccount:
    account: UserRecord
    client_id: str
    client_secret: str


@dataclass(frozen=True, slots=True)
class NewSecret:
    client_id: str
    client_secret: str
    previous_secret_expires_at: float


async def create_service_account(
    rbac: Rbac, principal: Principal, *, name: str, roles: list[str]
) -> NewServiceAccount:
    """Roles need `roles:assign` and may grant no scope the caller lacks, as for any account."""
    require_grantable_roles(rbac, principal, roles)
    client_id, secret, now = (
        CLIENT_ID_PREFIX + secrets.token_hex(12),
        new_secret(CLIENT_SECRET_PREFIX),
        time.time(),
    )

    def client(user_id: int) -> ServiceClientRow:
        return ServiceClientRow(
            user_id=user_id, client_id=client_id, secret_hash=digest(secret), created_at=now
        )

    try:
        username = new_username(name)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="name") from None
    create = partial(
        rbac.users.create,
        username=username,
        password_hash=NO_PASSWORD,
        email=None,
        full_name=None,
        roles=roles,
        service_client=client,
    )
    account = await anyio.to_thread.run_sync(create)
    log_event(
        "service_account_created",
        username=principal.username,
        account=account.username,
        client_id=client_id,
        roles=list(account.roles),
    )
    return NewServiceAccount(account, client_id, secret)


async def rotate_secret(rbac: Rbac, principal: Principal, name: str) -> NewSecret:
    """A new secret; the one it replaces works for `RBAC_CLIENT_SECRET_OVERLAP_SECONDS` more."""
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, lookup_name(name))
    secret, now = new_secret(CLIENT_SECRET_PREFIX), time.time()
    rotate = partial(
        rbac.clients.rotate,
        user_id=user_id,
        new_hash=digest(secret),
        now=now,
        overlap_until=now + rbac.settings.client_secret_overlap_seconds,
        rules=caller_rules(rbac, principal, action=f"rotate the client secret of {name}"),
    )
    rotation = await anyio.to_thread.run_sync(rotate)
    log_event("client_secret_rotated", username=principal.username, client_id=rotation.client_id)
    return NewSecret(rotation.client_id, secret, rotation.previous_expires_at)
