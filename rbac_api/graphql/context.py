"""The per-request GraphQL context, built from the very same authentication path REST uses."""

from __future__ import annotations

from typing import Any

from starlette.requests import HTTPConnection
from strawberry.fastapi import BaseContext

from rbac_api.core.errors import NotAuthenticated, Unavailable
from rbac_api.core.principal import ANONYMOUS, Principal
from rbac_api.reload import PolicyReloader
from rbac_api.runtime import Rbac
from rbac_api.services.authentication import authorization_header
from rbac_api.services.sessions import Client
from rbac_api.transport.clients import client_of


class GraphQLContext(BaseContext):
    """What resolvers and permission classes see as `info.context`.

    `verdicts` caches each guard's decision for this request, so a list of 1,000 users asks the policy
    engine once per guarded field, not once per user.
    """

    def __init__(
        self,
        rbac: Rbac,
        principal: Principal,
        auth_error: NotAuthenticated | Unavailable | None = None,
        connection: HTTPConnection | None = None,
    ) -> None:
        super().__init__()
        self.rbac = rbac
        self.principal = principal
        #: Set when the request carried a token that does not hold, or that cannot be checked while the
        #: database is down: the operation is refused as a whole.
        self.auth_error = auth_error
        self.verdicts: dict[Any, Any] = {}
        self._connection = connection

    @property
    def reloader(self) -> PolicyReloader:
        """The app's policy reloader: the policy files on disk and the last change it rejected."""
        if self._connection is None:
            raise RuntimeError("no request: the reloader is on the app serving it")
        reloader: PolicyReloader = self._connection.app.state.reloader
        return reloader

    @property
    def client(self) -> Client:
        """Where the request came from (for sessions and throttling); read only by the few resolvers that
        need it, so other requests do not pay for it."""
        return client_of(self._connection) if self._connection is not None else Client()


async def graphql_context(connection: HTTPConnection) -> GraphQLContext:
    """FastAPI dependency used as the router's `context_getter` (for HTTP and, refused, WebSocket).

    Raises `BadRequest` for two `Authorization` headers: the whole request is refused (HTTP 400), since
    there is no operation yet to attach an error to. A token that does not hold, or cannot be checked
    (`Unavailable`), becomes the operation's one GraphQL error instead.
    """
    rbac: Rbac = connection.app.state.rbac
    header = authorization_header(connection.headers)
    try:
        principal = await rbac.authenticator.authenticate_header(header)
    except (NotAuthenticated, Unavailable) as exc:
        return GraphQLContext(rbac, ANONYMOUS, exc, connection)
    return GraphQLContext(rbac, principal, None, connection)
