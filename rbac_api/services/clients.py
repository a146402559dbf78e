"""OAuth2 client authentication (RFC 6749 §2.3) and the client-credentials grant (§4.4).

First-party public clients (the GraphQL app, Swagger UI, scripts with a password) send no credentials, or a
`client_id` alone, and keep working. A secret must belong to a service account's client: checked against
its digest (or the previous one, during the overlap after a rotation), never ignored.
"""

from __future__ import annotations

import hmac
import re
import time
from dataclasses import dataclass

import anyio

from rbac_api.core.audit import log_event
from rbac_api.core.errors import InvalidClient, InvalidScope
from rbac_api.core.opaque import digest, well_formed
from rbac_api.policy.reach import reachable_scopes
from rbac_api.runtime import Rbac
from rbac_api.services.login import check_requested_scopes, nothing_granted
from rbac_api.services.sessions import Client, TokenPair, start_session
from rbac_api.store.service_clients import ServiceClient

CLIENT_SECRET_PREFIX = "rbac_cs_"  # noqa: S105 (a prefix, not a secret)
#: The shape of the ids we issue: anything else is refused before a database look-up.
_CLIENT_ID = re.compile(r"rbac_sa_[0-9a-f]{24}")
_REFUSED = "unknown client, wrong client secret, or a disabled service account"


@dataclass(frozen=True, slots=True)
class ClientCredentials:
    client_id: str | None
    secret: str | None
    #: Sent as HTTP Basic: a refusal then carries a `WWW-Authenticate: Basic` challenge.
    basic: bool = False

    @property
    def presents_secret(self) -> bool:
        # Swagger UI sends `Basic Og==` (an empty id and secret) when no client is configured: no secret.
        return bool(self.secret)


async def authenticate_client(rbac: Rbac, credentials: ClientCredentials | None) -> ServiceClient | None:
    """The service account's client the credentials prove; None for a public client (no secret sent).

    One answer for an unknown id, a wrong secret and a disabled account, so none reveals which.
    """
    if credentials is None or not credentials.presents_secret:
        return None
    client_id, secret = credentials.client_id or "", credentials.secret or ""
    found = None
    if _CLIENT_ID.fullmatch(client_id) and well_formed(secret, CLIENT_SECRET_PREFIX):
        found = await anyio.to_thread.run_sync(rbac.clients.get, client_id)
    if found is None or found.disabled or not _secret_holds(found, digest(secret), time.time()):
        log_event("client_authentication", client_id=client_id[:64], outcome="invalid_client")
        raise InvalidClient(_REFUSED, basic=credentials.basic)
    return found


def _secret_holds(client: ServiceClient, presented: str, now: float) -> bool:
    if hmac.compare_digest(presented, client.secret_hash):
        return True
    previous, until = client.previous_secret_hash, client.previous_expires_at
    return (
        previous is not None
        and until is not None
        and now < until
        and hmac.compare_digest(presented, previous)
    )


async def client_credentials_grant(
    rbac: Rbac, client: ServiceClient, *, scopes: frozenset[str] | None, origin: Client
) -> TokenPair:
    """An access token for the account's roles under the policy in force, narrowed by `scope`; no refresh
    token (RFC 6749 §4.4.3): the client authenticates again instead. Each grant is a short session of its
    own, so a revocation or an administrator's sign-out ends it like any other."""
    policy = rbac.engine.policy
    requested = None if scopes is None else check_requested_scopes(scopes, policy)
    state = await anyio.to_thread.run_sync(rbac.users.state, client.user_id)
    if state is None or state.disabled:
        raise InvalidClient(_REFUSED)
    granted = reachable_scopes(policy, state.roles, state.memberships)
    chosen = granted if requested is None else requested & granted
    if not chosen:
        log_event("client_credentials", client_id=client.client_id, outcome="invalid_scope")
        raise InvalidScope(nothing_granted(requested))
    pair = await start_session(
        rbac,
        user_id=client.user_id,
        token_version=state.token_version,
        roles=state.record.roles,
        scopes=chosen,
        client=origin,
        refreshable=False,
    )
    log_event(
        "client_credentials",
        client_id=client.client_id,
        username=state.record.username,
        subject=str(client.user_id),
        scopes=sorted(chosen),
        outcome="success",
    )
    return pair
