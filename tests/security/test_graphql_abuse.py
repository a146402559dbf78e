"""GraphQL documents built to exhaust the service: refused whole, before any resolver runs, with one error
naming the limit. The limits themselves are tested in tests/graphql/test_limits.py; this is the catalogue
of the attacks they stop, at the service's default settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import pytest

from tests.graphql.test_limits import fan_out
from tests.security.forge import Forge
from tests.security.refusals import assert_nothing_leaks

ONE_OBJECT = 'Send one operation as a JSON object: {"query": ..., "variables": {...}}'
TOO_DEEP = "Query is nested deeper than the limit of 10 levels; split it into several queries"
TOO_MANY_ALIASES = (
    "Operation uses more than 20 aliases (fragments included); use fewer aliases or split the operation"
)
TOO_COMPLEX = (
    "Query complexity is over the limit of 5000: each field counts 1, times the page size (`first`) of the "
    "lists above it, fragments included; ask for fewer fields or smaller pages, or split the query"
)
REPEATS = (
    "Query repeats fields too often to be checked: more than 5000 pairs of fields answer at the same place "
    "(fragments expanded), or of fragments are spread side by side; select each field once per object"
)
TOO_LONG = (
    "Query is 40014 characters long; the limit is 32768. Send a shorter document (comments and white space "
    "count)"
)
NESTED = "Syntax Error: Document is nested too deeply. Parsing aborted."
TOO_MANY_TOKENS = "Syntax Error: Document contains more than 2000 tokens. Parsing aborted."
LOGIN = 'a{0}: login(username: "victim", password: "guess {0}") {{ accessToken }}'


@dataclass(frozen=True)
class Abuse:
    id: str
    #: The JSON body sent to /graphql.
    body: Any
    #: The messages of the errors, in order, each with `code`.
    messages: tuple[str, ...]
    status: int = 200
    code: str = "BAD_USER_INPUT"


def query(text: str) -> dict[str, str]:
    return {"query": text}


def aliases(field: str, count: int) -> str:
    return " ".join(f"a{i}: {field}" for i in range(count))


DEPTH_BOMB = "{ me " + "{ roles " * 30 + "{ name }" + " }" * 31
BRACKET_BOMB = "{ me " + "{ roles " * 400 + "}" * 401
LOGIN_BOMB = "mutation { " + " ".join(LOGIN.format(i) for i in range(21)) + " }"
CIRCULAR = "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
SELF_SPREADING = "{ ...A } fragment A on Query { __typename ...A }"
TOKEN_BOMB = "{ __typename " + "@skip(if: false) " * 500 + "}"
LOGIN_BATCH = [query(f"mutation {{ {LOGIN.format(i)} }}") for i in range(50)]

ABUSES = [
    Abuse("depth-bomb", query(DEPTH_BOMB), (TOO_DEEP,)),
    Abuse("bracket-bomb", query(BRACKET_BOMB), (NESTED,)),
    Abuse("alias-bomb", query("{ " + aliases("__typename", 500) + " }"), (TOO_MANY_ALIASES,)),
    Abuse("login-alias-bomb", query(LOGIN_BOMB), (TOO_MANY_ALIASES,)),
    Abuse("circular-fragments", query(CIRCULAR), ("Cannot spread fragment 'A' within itself via 'B'.",)),
    Abuse("self-spreading-fragment", query(SELF_SPREADING), ("Cannot spread fragment 'A' within itself.",)),
    Abuse("fragment-fan-out", query(fan_out(40)), (TOO_COMPLEX, REPEATS)),
    Abuse("repeated-fields", query("{ " + "me { username } " * 150 + "}"), (REPEATS,)),
    Abuse("token-bomb", query(TOKEN_BOMB), (TOO_MANY_TOKENS,)),
    Abuse("long-document", query("{ __typename }" + " " * 40_000), (TOO_LONG,)),
    Abuse("batch", [query("{ __typename }")] * 50, (ONE_OBJECT,), status=400, code="BAD_REQUEST"),
    Abuse("batch-of-logins", LOGIN_BATCH, (ONE_OBJECT,), status=400, code="BAD_REQUEST"),
]


@pytest.mark.parametrize("abuse", [pytest.param(a, id=a.id) for a in ABUSES])
def test_the_abusive_document_is_refused_whole_before_anything_runs(
    abuse: Abuse, hmac_forge: Forge, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="rbac_api.audit"):
        response = hmac_forge.client.post("/graphql", json=abuse.body)
    body = response.json()
    assert response.status_code == abuse.status
    assert body.get("data") is None
    refusal = [(e["message"], e["extensions"]) for e in body["errors"]]
    assert refusal == [(message, {"code": abuse.code}) for message in abuse.messages]
    assert_nothing_leaks(response.text)
    assert not [r for r in caplog.records if r.name == "rbac_api.audit"]  # no login was tried
