"""Who is calling, as a session records it: the client's address and user agent, from either API."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from rbac_api.services.sessions import Client


def client_of(connection: HTTPConnection) -> Client:
    """The peer address as the server sees it (behind a proxy, run uvicorn with `--proxy-headers` and
    `--forwarded-allow-ips` so it is the client's, not the proxy's) and the `User-Agent` header."""
    address = connection.client.host if connection.client is not None else None
    return Client(address=address, user_agent=connection.headers.get("user-agent")).clipped()
