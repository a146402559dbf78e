"""The objects a running service shares, built once by `create_app` and kept on `app.state.rbac`."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from rbac_api.core.audit import DenialRing, log_denial
from rbac_api.core.errors import PermissionDenied
from rbac_api.core.passwords import PasswordHasher
from rbac_api.core.principal import Principal
from rbac_api.core.tokens import TokenCodec
from rbac_api.policy.engine import Decision, PolicyEngine
from rbac_api.services.authentication import Authenticator, UserStateCache
from rbac_api.services.database_probe import DatabaseProbe
from rbac_api.services.loading_cache import LoadingCache
from rbac_api.services.revocations import RevocationList
from rbac_api.services.throttle import Throttle
from rbac_api.settings import Settings
from rbac_api.store.api_tokens import ApiTokenRecord, ApiTokenStore
from rbac_api.store.documents import DocumentStore
from rbac_api.store.organizations import OrganizationStore
from rbac_api.store.service_clients import ServiceClientStore
from rbac_api.store.sessions import SessionStore
from rbac_api.store.users import UserStore


@dataclass(frozen=True, slots=True)
class Rbac:
    settings: Settings
    db: Engine
    codec: TokenCodec
    engine: PolicyEngine
    hasher: PasswordHasher
    users: UserStore
    documents: DocumentStore
    organizations: OrganizationStore
    user_states: UserStateCache
    authenticator: Authenticator
    sessions: SessionStore
    revocations: RevocationList
    throttle: Throttle
    api_tokens: ApiTokenStore
    #: Tokens by digest, read at most once per `user_cache_seconds`: the bound for a revocation made on
    #: another instance. Shared with the authenticator.
    api_token_cache: LoadingCache[str, ApiTokenRecord | None]
    clients: ServiceClientStore
    database: DatabaseProbe
    #: The most recent denials of this process (`GET /audit/denials`).
    denials: DenialRing

    def require(self, principal: Principal, required: frozenset[str], *, target: str) -> Decision:
        """Raise `PermissionDenied` (and log it) unless `principal` holds every scope in `required`."""
        decision = self.engine.check(principal, required)
        if not decision.allowed:
            log_denial(
                principal,
                required=required,
                missing=decision.missing,
                target=target,
                policy_version=self.engine.policy.version,
                ring=self.denials,
            )
            raise PermissionDenied(required, decision.missing)
        return decision

    def user_changed(self, user_id: int) -> None:
        """Apply a change to a user (disable, delete, roles, memberships, password) to this instance's
        caches at once."""
        self.user_states.invalidate(user_id)
