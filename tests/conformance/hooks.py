"""Schemathesis hooks for the conformance run (loaded in its process through `SCHEMATHESIS_HOOKS`).

The account under test comes from the environment the test sets: `RBAC_CONFORMANCE_URL`,
`RBAC_CONFORMANCE_USERNAME` and `RBAC_CONFORMANCE_PASSWORD`.
"""

from __future__ import annotations

import os
from typing import Any

import httpx
import schemathesis
from schemathesis.auths import AuthContext
from schemathesis.generation.case import Case
from schemathesis.hooks import HookContext

URL = os.environ.get("RBAC_CONFORMANCE_URL", "")
USERNAME = os.environ.get("RBAC_CONFORMANCE_USERNAME", "")
PASSWORD = os.environ.get("RBAC_CONFORMANCE_PASSWORD", "")


@schemathesis.auth()
class CallerToken:
    """Logs the caller in, and again after a 401: the run may end the caller's own sessions on purpose
    (`DELETE /users/me/sessions/{id}`), which is behaviour to test, not a reason to stop testing."""

    def get(self, _case: Case, _context: AuthContext) -> str:
        form = {"grant_type": "password", "username": USERNAME, "password": PASSWORD}
        response = httpx.post(URL + "/token", data=form, timeout=10)
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def set(self, case: Case, data: str, _context: AuthContext) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schemathesis.hook
def before_call(context: HookContext, case: Case, _kwargs: dict[str, Any]) -> None:
    """Never delete, disable, demote or sign out the account under test (every later case would be a
    401): a change aimed at it goes to an account that does not exist instead, and is answered 404.
    A hook on the call rather than on generation: the coverage phase also takes names from responses."""
    parameters = case.path_parameters or {}
    if case.method != "GET" and parameters.get("username") == USERNAME:
        case.path_parameters = {**parameters, "username": "no-such-account"}
