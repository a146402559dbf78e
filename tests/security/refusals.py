"""What a refusal must look like, exactly, and what it must never contain."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
from fastapi.testclient import TestClient

from rbac_api.core.errors import INVALID_TOKEN_MESSAGE
from tests.conftest import ADMIN_PASSWORD, PASSWORD, SECRET

#: Headers every JSON answer carries; any other header of a refusal is named in its `Refusal`.
ORDINARY_HEADERS = frozenset({"content-type", "content-length", "date", "server"})
#: Traces of the machinery behind an answer: stack traces, source paths, SQL, library and exception names.
INTERNALS = re.compile(
    r"Traceback|File \"|\.py\b|/tmp/|/work/|rbac_api|sqlite|sqlalchemy|SELECT |INSERT INTO|DELETE FROM"
    r"|PyJWT|\bjwt\.|\w+(Error|Exception)\b|PRIVATE KEY"
)
#: Secrets of the services under attack: no answer may quote one.
SECRETS = (SECRET, PASSWORD, ADMIN_PASSWORD)
#: Shorter sent values (an empty token, `a.b`) may appear in any text by chance.
MIN_ECHO_LENGTH = 8


@dataclass(frozen=True)
class Refusal:
    """The exact answer: status, JSON body, and every header beyond the ordinary ones (a challenge
    absent here must be absent from the answer)."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)


def assert_refused(
    response: httpx.Response, refusal: Refusal, *, sent: Iterable[str] = (), where: str = ""
) -> None:
    answer = (response.status_code, response.json())
    assert answer == (refusal.status, refusal.body), f"{where}: {response.text}"
    assert response.headers["content-type"] == "application/json"
    extra = {name: value for name, value in response.headers.items() if name not in ORDINARY_HEADERS}
    assert extra == dict(refusal.headers), where
    assert_nothing_leaks(response.text, sent=sent)


def assert_nothing_leaks(text: str, *, sent: Iterable[str] = ()) -> None:
    """No secret, no credential the client sent (its token, its password), no internal detail."""
    found = INTERNALS.search(text)
    assert found is None, f"internal detail {found.group()!r} in {text}"
    for secret in (*SECRETS, *sent):
        assert len(secret) < MIN_ECHO_LENGTH or secret not in text, f"{secret[:20]!r}... echoed in {text}"


def authorization(token: str) -> dict[str, bytes]:
    """`Authorization: Bearer <token>` as bytes on the wire, so a non-ASCII token goes out as sent."""
    return {"Authorization": f"Bearer {token}".encode()}


@dataclass(frozen=True)
class Channel:
    """One way a token reaches the service."""

    name: str
    send: Callable[[TestClient, str], httpx.Response]


def _graphql(query: str) -> Callable[[TestClient, str], httpx.Response]:
    def send(client: TestClient, token: str) -> httpx.Response:
        return client.post("/graphql", json={"query": query}, headers=authorization(token))

    return send


def _rest(path: str) -> Callable[[TestClient, str], httpx.Response]:
    def send(client: TestClient, token: str) -> httpx.Response:
        return client.get(path, headers=authorization(token))

    return send


def _refresh_grant(client: TestClient, token: str) -> httpx.Response:
    return client.post("/token", data={"grant_type": "refresh_token", "refresh_token": token})


def _refresh_mutation(client: TestClient, token: str) -> httpx.Response:
    query = "mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }"
    return client.post("/graphql", json={"query": query, "variables": {"t": token}})


REST_ME = Channel("GET /users/me", _rest("/users/me"))
GRAPHQL_ME = Channel("{ me }", _graphql("{ me { username } }"))
REST_USERS = Channel("GET /users", _rest("/users"))
GRAPHQL_USERS = Channel("{ users }", _graphql("{ users { edges { node { username } } } }"))
REFRESH_GRANT = Channel("POST /token grant_type=refresh_token", _refresh_grant)
REFRESH_MUTATION = Channel("mutation { refreshToken }", _refresh_mutation)

#: How the service must answer a token, on each channel it is presented on.
Verdict = tuple[tuple[Channel, Refusal], ...]


def unauthenticated(message: str) -> Verdict:
    """401 `invalid_token` over REST, `UNAUTHENTICATED` over GraphQL: one message, nothing else."""
    rest = Refusal(401, {"detail": message}, {"www-authenticate": 'Bearer error="invalid_token"'})
    error = {"message": message, "extensions": {"code": "UNAUTHENTICATED"}}
    graphql = Refusal(200, {"data": None, "errors": [error]})
    return ((REST_ME, rest), (GRAPHQL_ME, graphql))


#: Every token that does not hold, whatever is wrong with it: nothing tells the cases apart.
INVALID_TOKEN = unauthenticated(INVALID_TOKEN_MESSAGE)
#: An `Authorization` header not of the form `Bearer <token>`: a fact about what the client sent, not about
#: any secret, so it may say so.
NOT_BEARER = unauthenticated("Authorization header must be 'Bearer <token>'")
#: What every answer of the token endpoint carries (RFC 6749 §5.1, §5.2).
NO_STORE = {"cache-control": "no-store", "pragma": "no-cache"}


def forbidden(required: str, missing: str) -> Refusal:
    """REST's 403 for a valid token lacking scopes (each argument: scope names joined by spaces)."""
    body = {
        "detail": f"Missing scopes: {missing}",
        "missing_scopes": missing.split(),
        "required_scopes": required.split(),
    }
    return Refusal(403, body, {"www-authenticate": f'Bearer error="insufficient_scope", scope="{required}"'})


def graphql_error(message: str, code: str, path: str, column: int, **extensions: Any) -> Refusal:
    """A GraphQL operation refused at the top-level field `path` (at `column` of line 1)."""
    error = {
        "message": message,
        "locations": [{"line": 1, "column": column}],
        "path": [path],
        "extensions": {"code": code, **extensions},
    }
    return Refusal(200, {"data": None, "errors": [error]})


def oauth_error(error: str, description: str, status: int = 400) -> Refusal:
    """RFC 6749 §5.2, as `/token` answers."""
    return Refusal(status, {"error": error, "error_description": description}, NO_STORE)


#: A valid token whose effective scopes lack `users:read`: the roles decide, not what the token claims.
LACKS_USERS_READ: Verdict = (
    (REST_USERS, forbidden("users:read", "users:read")),
    (
        GRAPHQL_USERS,
        graphql_error("Missing scopes: users:read", "FORBIDDEN", "users", 3, missingScopes=["users:read"]),
    ),
)


def invalid_grant(description: str) -> Verdict:
    """A refresh token that does not hold: `invalid_grant` at `/token`, `BAD_CREDENTIALS` over GraphQL."""
    mutation = graphql_error(description, "BAD_CREDENTIALS", "refreshToken", 25)
    return ((REFRESH_GRANT, oauth_error("invalid_grant", description)), (REFRESH_MUTATION, mutation))
