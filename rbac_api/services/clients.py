"""OAuth2 client authentication (RFC 6749 §2.3): credentials a client presents are checked, never ignored.

First-party public clients (the GraphQL app, Swagger UI, scripts with a password) send no credentials, or a
`client_id` alone, and keep working. Any secret must belong to a registered confidential client; until
service accounts exist there are none, so every presented secret is refused as `invalid_client`.
"""

from __future__ import annotations

from dataclasses import dataclass

from rbac_api.core.errors import InvalidClient


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


async def authenticate_client(credentials: ClientCredentials | None) -> None:
    """Accept a public client (nothing, or a `client_id` alone); refuse credentials that do not hold."""
    if credentials is None or not credentials.presents_secret:
        return
    raise InvalidClient("unknown client or wrong client secret", basic=credentials.basic)
