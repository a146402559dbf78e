"""The catalogue's leak check finds what it looks for: a check that never fires would prove nothing."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, SECRET
from tests.security.refusals import assert_nothing_leaks

LEAKS = {
    "traceback": 'Traceback (most recent call last):\n  File "/srv/app.py", line 1',
    "exception-name": "jwt.exceptions.InvalidSignatureError: Signature verification failed",
    "sql": '(sqlite3.OperationalError) near "\'": syntax error [SQL: SELECT users.id FROM users]',
    "source-path": "error in /work/wt/rbac_api/core/tokens.py",
    "secret": f"signed with {SECRET}",
    "password": f"wrong password {PASSWORD!r}",
    "private-key": "-----BEGIN PRIVATE KEY-----",
}


@pytest.mark.parametrize("text", LEAKS.values(), ids=LEAKS.keys())
def test_the_leak_check_finds_a_leak(text: str) -> None:
    with pytest.raises(AssertionError):
        assert_nothing_leaks(text)


def test_the_leak_check_finds_an_echoed_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl"
    with pytest.raises(AssertionError):
        assert_nothing_leaks(f'{{"detail": "bad token {token}"}}', sent=[token])


def test_the_leak_check_passes_the_answers_the_service_gives() -> None:
    assert_nothing_leaks('{"detail":"Invalid or expired token; log in again to get a new one"}')
    assert_nothing_leaks('{"errors":[{"message":"Syntax Error: Document contains more than 2000 tokens."}]}')
