"""A token of exactly the form we issue is verified without pyjwt's general path, and that changes nothing:
for any token signed with our key or not, in any header, with any claims, `TokenCodec.decode` gives what
pyjwt alone gives (the same claims, or a refusal)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rbac_api.core.errors import NotAuthenticated
from rbac_api.core.keys import hmac_key_set
from rbac_api.core.tokens import AccessClaims, TokenCodec

SECRET = b"fast-path-test-secret-long-enough-for-hs256-0123456789"
OTHER = b"another-secret-long-enough-for-hs256-but-not-ours-98765"
ISSUER, AUDIENCE, LEEWAY = "rbac-api", "rbac-api-clients", 30


def codec(*, fast: bool = True) -> TokenCodec:
    made = TokenCodec(
        keys=hmac_key_set("HS256", SECRET),
        issuer=ISSUER,
        audience=AUDIENCE,
        lifetime_seconds=900,
        leeway=LEEWAY,
    )
    if not fast:
        made._own = None  # pyjwt decides every token
    return made


FAST, REFERENCE = codec(), codec(fast=False)


def b64(data: bytes, padding: bool = False) -> str:
    text = base64.urlsafe_b64encode(data).decode()
    return text if padding else text.rstrip("=")


def sign(header: str, payload: str, key: bytes = SECRET, padding: bool = False) -> str:
    mac = hmac.new(key, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(mac, padding)}"


def claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "42",
        "iat": now,
        "nbf": now,
        "exp": now + 600,
        "jti": "0123456789abcdef",
        "sid": "session-id-16chr",
        "scope": "profile:read users:read",
        "roles": ["user"],
        "ver": 0,
    }
    for name, value in changes.items():
        if value is _DROP:
            base.pop(name, None)
        else:
            base[name] = value
    return base


_DROP = object()
OUR_HEADER = FAST.issue(subject="1", scopes=[], roles=[], version=0, session_id="s").token.split(".")[0]


def outcome(made: TokenCodec, token: str) -> AccessClaims | str:
    try:
        return made.decode(token)
    except NotAuthenticated:
        return "refused"


# Offsets from now chosen away from every boundary (the leeway is 30 s), so a slow run cannot flip one.
offsets = st.sampled_from([-7200, -600, -45, -15, 0, 15, 45, 600, 7200])
valid_starts = st.sampled_from([-600, -15, 0, 15])
valid_ends = st.sampled_from([-15, 45, 600])
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    st.lists(st.text(max_size=4), max_size=2),
    st.just(_DROP),
)
claim_names = st.sampled_from(
    ["iss", "aud", "sub", "iat", "nbf", "exp", "jti", "sid", "scope", "roles", "ver"]
)
headers = st.one_of(
    st.just(OUR_HEADER),
    st.just(OUR_HEADER),
    st.just(OUR_HEADER),
    st.sampled_from(
        [
            {"alg": "HS256", "typ": "at+jwt"},
            {"typ": "at+jwt", "alg": "HS256"},
            {"alg": "HS256", "typ": "JWT"},
            {"alg": "HS512", "typ": "at+jwt"},
            {"alg": "none", "typ": "at+jwt"},
            {"alg": "HS256", "typ": "at+jwt", "kid": "x"},
            {"alg": "HS256", "typ": "at+jwt", "kid": 1},
            {"alg": "HS256", "typ": "at+jwt", "crit": ["b64"], "b64": False},
            {"alg": "HS256", "typ": "at+jwt", "crit": ["exp"]},
            {"alg": "HS256"},
        ]
    ).map(lambda header: b64(json.dumps(header).encode())),
)


@st.composite
def tokens(draw: st.DrawFn) -> str:
    now = int(time.time())
    variant = draw(st.sampled_from(["valid", "times", "claim", "party"]))
    if variant == "times":
        payload = claims(iat=now + draw(offsets), nbf=now + draw(offsets), exp=now + draw(offsets))
    else:  # times within the rules (the leeway counted), so that most tokens pass but for what changes
        payload = claims(
            iat=now + draw(valid_starts), nbf=now + draw(valid_starts), exp=now + draw(valid_ends)
        )
    if variant == "party":  # another issuer or audience, or ours in the other claim
        payload[draw(st.sampled_from(["iss", "aud"]))] = draw(st.sampled_from(["", "x", ISSUER, AUDIENCE]))
    if variant == "claim":
        changed, value = draw(claim_names), draw(odd_values)
        if value is _DROP:
            payload.pop(changed, None)
        else:
            payload[changed] = value
    text = json.dumps(payload, separators=draw(st.sampled_from([(",", ":"), (", ", ": ")])))
    if draw(st.booleans()):  # a duplicate claim: the later one counts, for pyjwt as for us
        name = draw(claim_names)
        text = (
            "{"
            + json.dumps(name)
            + ": "
            + json.dumps(draw(odd_values.filter(lambda v: v is not _DROP)))
            + ", "
            + text[1:]
        )
    body = draw(st.sampled_from(["json"] * 14 + ["list", "not-json"]))
    data = text.encode() if body == "json" else (b"[1, 2]" if body == "list" else b"{not json")
    segment = b64(data, padding=draw(st.booleans()))
    key = draw(st.sampled_from([SECRET] * 5 + [OTHER]))
    token = sign(draw(headers), segment, key, padding=draw(st.booleans()))
    mangle = draw(st.sampled_from(["none"] * 9 + ["drop-signature", "extra-segment", "flip", "non-ascii"]))
    if mangle == "drop-signature":
        token = token.rsplit(".", 1)[0] + "."
    elif mangle == "extra-segment":
        token += ".x"
    elif mangle == "non-ascii":
        index = draw(st.integers(0, len(token) - 1))
        token = token[:index] + "é" + token[index + 1 :]
    elif mangle == "flip":
        index = draw(st.integers(0, len(token) - 1))
        token = token[:index] + ("A" if token[index] != "A" else "B") + token[index + 1 :]
    return token


@settings(max_examples=500)
@given(tokens())
def test_every_token_is_decided_as_pyjwt_alone_decides_it(token: str) -> None:
    assert outcome(FAST, token) == outcome(REFERENCE, token)


def test_a_token_we_issue_takes_the_fast_path() -> None:
    token = FAST.issue(subject="7", scopes=["a:b"], roles=["user"], version=3, session_id="sid").token
    assert FAST._own is not None
    assert FAST._own.verified_payload(token) is not None
    assert outcome(FAST, token) == outcome(REFERENCE, token)


def ours(**changes: Any) -> str:
    """A token of our form, signed with our key, with `changes` to its claims (made when the test runs:
    a time made at collection may have passed by then)."""
    return sign(OUR_HEADER, b64(json.dumps(claims(**changes)).encode()))


@pytest.mark.parametrize(
    ("case", "token"),
    [
        ("signed with another key", lambda: sign(OUR_HEADER, b64(json.dumps(claims()).encode()), OTHER)),
        ("expired", lambda: ours(exp=int(time.time()) - 120)),
        ("not yet valid", lambda: ours(nbf=int(time.time()) + 120)),
        ("issued in the future", lambda: ours(iat=int(time.time()) + 120)),
        ("for another audience", lambda: ours(aud="elsewhere")),
        ("from another issuer", lambda: ours(iss="elsewhere")),
        ("without a session", lambda: ours(sid=_DROP)),
        (
            "with alg none",
            lambda: b64(b'{"alg":"none","typ":"at+jwt"}') + "." + b64(json.dumps(claims()).encode()) + ".",
        ),
    ],
)
def test_a_bad_token_of_our_form_is_refused(case: str, token: Callable[[], str]) -> None:
    assert outcome(FAST, token()) == "refused", case
