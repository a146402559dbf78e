"""The authenticated caller, as every transport sees it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class Membership:
    """What the caller holds inside one organization: roles given there, and the scopes they grant there.

    `scopes` are already narrowed like `Principal.scopes`: the token's scopes intersected with what these
    roles grant under the current policy. They apply only to resources that belong to the organization.
    """

    roles: frozenset[str]
    scopes: frozenset[str]


NO_MEMBERSHIPS: Mapping[str, Membership] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling and what they may do in this request.

    Built by one function (`Authenticator.authenticate`) for REST and GraphQL alike. `scopes` are the
    *effective* scopes: the token's scopes intersected with what the user's current roles grant under the
    current policy, so a client can never assert more than its roles give it.
    """

    subject: str
    username: str
    roles: frozenset[str]
    scopes: frozenset[str]
    token_id: str
    expires_at: int
    #: The login session the token belongs to (`sid`): what a logout ends. Empty when anonymous.
    session_id: str = ""
    #: Set when the caller presented a personal API token (its id) rather than a login's access token.
    api_token_id: int | None = None
    #: Organization name -> what the caller holds there (roles given in that organization).
    #: A factory, not a plain default: dataclasses refuse an unhashable default such as a mappingproxy.
    memberships: Mapping[str, Membership] = field(default_factory=lambda: NO_MEMBERSHIPS)
    #: The scopes the token was issued for: the ceiling for grants that depend on an object (organization
    #: roles and object rules), as `scopes` is the token's scopes within what the global roles grant.
    token_scopes: frozenset[str] = frozenset()

    @property
    def is_authenticated(self) -> bool:
        return bool(self.subject)

    @classmethod
    def anonymous(cls) -> Principal:
        """The null caller: no subject, no roles, no scopes (a null object rather than `None`)."""
        return ANONYMOUS


ANONYMOUS = Principal(
    subject="", username="", roles=frozenset(), scopes=frozenset(), token_id="", expires_at=0
)
