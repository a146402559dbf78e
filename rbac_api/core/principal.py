"""The authenticated caller, as every transport sees it."""

from __future__ import annotations

from dataclasses import dataclass


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
