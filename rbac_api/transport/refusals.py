"""A request refused by the transport, answered in the shape its API's clients parse."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

#: Where `create_app` mounts GraphQL; refusals under it are GraphQL-shaped.
GRAPHQL_PATH = "/graphql"
#: JSON nested past Python's recursion limit cannot be parsed: a client error (400), not a crash.
TOO_DEEP_MESSAGE = "Request body is JSON nested too deeply to parse; send fewer levels of arrays and objects"


def route_path(scope: Mapping[str, Any]) -> str:
    """The path the app's routes match: the request's, less the `root_path` prefix it is served under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path


def is_graphql_request(scope: Mapping[str, Any]) -> bool:
    """True for /graphql and below, also when the app is served under a `root_path` prefix."""
    path = route_path(scope)
    return path == GRAPHQL_PATH or path.startswith(GRAPHQL_PATH + "/")


def refusal_body(scope: Mapping[str, Any], message: str, code: str) -> dict[str, Any]:
    """`{"errors": [...]}` with `extensions.code` under /graphql (what GraphQL clients read), else
    `{"detail": ...}` like every other REST error."""
    return graphql_error_body(message, code) if is_graphql_request(scope) else {"detail": message}


def graphql_error_body(message: str, code: str) -> dict[str, Any]:
    """The body of a GraphQL request refused before any operation ran: one error, its code in extensions."""
    return {"errors": [{"message": message, "extensions": {"code": code}}]}
