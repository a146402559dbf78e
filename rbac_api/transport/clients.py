"""Who is calling, as a session records it: the client's address and user agent, from either API."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from rbac_api.services.sessions import Client


def client_of(connection: HTTPConnection) -> Client:
    """The peer address as the server sees it and the `User-Agent` header. Behind a proxy, set
    `RBAC_FORWARDED_ALLOW_IPS` to the proxy's address (running uvicorn yourself: `--proxy-headers
    --forwarded-allow-ips`), so the address is the client's, not the proxy's."""
    address = connection.client.host if connection.client is not None else None
    return Client(address=address, user_agent=connection.headers.get("user-agent")).clipped()
