"""Personal API tokens: scoped, expiring, revocable credentials for scripts, shared by REST, GraphQL and CLI.

A token never holds more than its owner: its effective scopes are its own scopes within what the owner's
roles grant under the policy in force, re-evaluated on every request, so demoting or disabling the owner
demotes or disables the token.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import partial

import anyio

from rbac_api.core.audit import log_event
from rbac_api.core.errors import InvalidInput, InvalidScope, NotFound, PermissionDenied
from rbac_api.core.opaque import digest as opaque_digest
from rbac_api.core.opaque import new_secret
from rbac_api.core.principal import Principal
from rbac_api.policy.reach import reachable_scopes
from rbac_api.runtime import Rbac
from rbac_api.services.accounts import lookup_name, own_id
from rbac_api.services.administration import caller_rules, operator_rules
from rbac_api.services.authentication import API_TOKEN_PREFIX
from rbac_api.services.login import check_requested_scopes
from rbac_api.store.api_tokens import ApiTokenRecord
from rbac_api.store.change_rules import ChangeRules
from rbac_api.store.tables import MAX_USER_ID

NAME_MAX = 100
#: Token ids are INTEGERs like user ids: a larger one must not reach the database.
MAX_TOKEN_ID = MAX_USER_ID


@dataclass(frozen=True, slots=True)
class NewApiToken:
    """A token just created: the only moment its secret exists outside the client."""

    record: ApiTokenRecord
    token: str


async def create_api_token(
    rbac: Rbac, principal: Principal, *, name: str, scopes: list[str], expires_in_days: int
) -> NewApiToken:
    """The caller's own token; scopes it does not hold itself are 403 (no escalation through tokens).

    Only a login may mint tokens: a token minting tokens would let a leaked one outlive its expiry.
    """
    if principal.api_token_id is not None:
        raise PermissionDenied(
            frozenset(), frozenset(), "an API token cannot create API tokens; log in with a password to do so"
        )
    asked = _checked_scopes(rbac, scopes)
    missing = asked - _held_anywhere(rbac, principal)
    if missing:
        raise PermissionDenied(
            asked, missing, f"you cannot give a token scopes you do not hold: {' '.join(sorted(missing))}"
        )
    created = await issue(
        rbac, user_id=own_id(principal), name=name, scopes=asked, days=expires_in_days, rules=ChangeRules()
    )
    log_event(
        "api_token_created", username=principal.username, subject=principal.subject, token=created.record.id
    )
    return created


def _held_anywhere(rbac: Rbac, principal: Principal) -> frozenset[str]:
    """What the caller's token may pass on: its scopes within what the caller's roles reach, globally or
    in an organization (a token, like a login, may carry a scope that applies in one organization only)."""
    in_organizations = {name: held.roles for name, held in principal.memberships.items()}
    return principal.token_scopes & reachable_scopes(rbac.engine.policy, principal.roles, in_organizations)


async def create_for_operator(
    rbac: Rbac, username: str, *, name: str, scopes: list[str], expires_in_days: int
) -> NewApiToken:
    """A token for `username` from the operator's terminal (`rbac-api api-tokens create`): no login needed,
    since the operator holds the database, but no scope the user's roles do not grant."""
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, lookup_name(username))
    state = await anyio.to_thread.run_sync(rbac.users.state, user_id)
    if state is None:
        raise NotFound(f"user {username!r} not found")
    if state.disabled:
        raise InvalidInput(f"user {state.record.username!r} is disabled; enable it first")
    asked = _checked_scopes(rbac, scopes)
    missing = asked - reachable_scopes(rbac.engine.policy, state.roles, state.memberships)
    if missing:
        raise InvalidInput(f"{state.record.username}'s roles do not grant: {' '.join(sorted(missing))}")
    created = await issue(
        rbac,
        user_id=user_id,
        name=name,
        scopes=asked,
        days=expires_in_days,
        rules=operator_rules(rbac.engine.policy),
    )
    log_event("api_token_created", username=state.record.username, subject=str(user_id), by="operator")
    return created


async def issue(
    rbac: Rbac, *, user_id: int, name: str, scopes: frozenset[str], days: int, rules: ChangeRules
) -> NewApiToken:
    """Store a new token for `user_id` (scopes already checked) and return its secret, once."""
    clean_name = _checked_name(name)
    maximum = rbac.settings.api_token_max_days
    if not 1 <= days <= maximum:
        raise InvalidInput(
            f"expires_in_days must be between 1 and {maximum} (RBAC_API_TOKEN_MAX_DAYS)",
            field="expires_in_days",
        )
    token = new_secret(API_TOKEN_PREFIX)
    now = time.time()
    create = partial(
        rbac.api_tokens.create,
        user_id=user_id,
        name=clean_name,
        token_hash=opaque_digest(token),
        scopes=scopes,
        now=now,
        expires_at=now + days * 86_400,
        limit=rbac.settings.api_tokens_per_user,
        rules=rules,
    )
    return NewApiToken(await anyio.to_thread.run_sync(create), token)


async def own_tokens(rbac: Rbac, principal: Principal) -> list[ApiTokenRecord]:
    return await anyio.to_thread.run_sync(rbac.api_tokens.of_user, own_id(principal))


async def tokens_of(rbac: Rbac, username: str) -> list[ApiTokenRecord]:
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, lookup_name(username))
    return await anyio.to_thread.run_sync(rbac.api_tokens.of_user, user_id)


async def revoke_own(rbac: Rbac, principal: Principal, token_id: int) -> None:
    await _revoke(rbac, principal, own_id(principal), token_id, operator_rules(rbac.engine.policy))


async def revoke_of(rbac: Rbac, principal: Principal, username: str, token_id: int) -> None:
    """An administrator's revocation, under the same no-acting-on-a-superior rule as any account change."""
    user_id = await anyio.to_thread.run_sync(rbac.users.id_of, lookup_name(username))
    rules = caller_rules(rbac, principal, action=f"revoke an API token of {username}")
    await _revoke(rbac, principal, user_id, token_id, rules)


async def _revoke(rbac: Rbac, principal: Principal, user_id: int, token_id: int, rules: ChangeRules) -> None:
    revoke = partial(rbac.api_tokens.revoke, user_id=user_id, token_id=token_id, rules=rules)
    record = await anyio.to_thread.run_sync(revoke)
    forget_api_token(rbac, record.id)
    log_event("api_token_revoked", username=principal.username, subject=str(user_id), token=record.id)


def forget_api_token(rbac: Rbac, token_id: int) -> None:
    """A revocation applies to this instance's very next request; other instances within the bound."""
    rbac.api_token_cache.invalidate_where(lambda found: found is not None and found.id == token_id)


def _checked_scopes(rbac: Rbac, scopes: list[str]) -> frozenset[str]:
    if not scopes:
        raise InvalidInput("give the token at least one scope", field="scopes")
    try:
        return check_requested_scopes(scopes, rbac.engine.policy)
    except InvalidScope as exc:
        raise InvalidInput(exc.message, field="scopes") from None


def _checked_name(name: str) -> str:
    clean = name.strip()
    if not clean or len(clean) > NAME_MAX or not clean.isprintable():
        raise InvalidInput(
            f"a token name is 1 to {NAME_MAX} printable characters, such as 'ci-deploy'", field="name"
        )
    return clean


def token_id_of(text: str) -> int:
    """A token id as a client sent it (a GraphQL `ID` is a string); what cannot be one is not found."""
    if text.isascii() and text.isdigit() and 0 < int(text[:10]) <= MAX_TOKEN_ID and len(text) <= 10:
        return int(text)
    raise NotFound(f"no API token with id {text[:20]!r}; apiTokens lists them")
