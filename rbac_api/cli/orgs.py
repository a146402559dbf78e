"""`rbac-api orgs ...`: organizations and their members in the configured database, changed as the operator.

Like the user commands, these are exempt from the no-escalation rule (the operator holds the database).
Running services see a change within RBAC_USER_CACHE_SECONDS.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import accounts, fail
from rbac_api.cli.help import example

if TYPE_CHECKING:
    from rbac_api.cli.env import Accounts
    from rbac_api.store.organizations import OrganizationRecord, OrganizationStore


@click.group(short_help="Create organizations and manage their members.")
def orgs() -> None:
    """Manage organizations and the roles their members hold in them (RBAC_DATABASE_URL)."""


@orgs.command(epilog=example("rbac-api orgs create acme"))
@click.argument("name")
def create(name: str) -> None:
    """Create an organization (its name is normalised like a user name)."""
    from rbac_api.core.errors import RbacError
    from rbac_api.store.organizations import normalize_organization_name

    try:
        record = _store().create(name=normalize_organization_name(name))
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"created organization {record.name} (id {record.id})")


@orgs.command("list", epilog=example("rbac-api orgs list"))
def list_organizations() -> None:
    """List organizations.

    One line per organization, tab-separated: id, name, created (UTC).
    """
    store = _store()
    cursor: str | None = None
    while True:
        records, cursor = store.page(limit=500, cursor=cursor)
        for record in records:
            click.echo(f"{record.id}\t{record.name}\t{record.created_at:%Y-%m-%dT%H:%M:%SZ}")
        if cursor is None:
            return


@orgs.command(epilog=example("rbac-api orgs members acme"))
@click.argument("organization", metavar="ORG")
def members(organization: str) -> None:
    """List an organization's members.

    One line per member, tab-separated: user id, name, roles in the organization.
    """
    store = _store()
    found = _organization(store, organization)
    cursor: str | None = None
    while True:
        records, cursor = store.members(organization_id=found.id, limit=500, cursor=cursor)
        for record in records:
            click.echo(f"{record.user_id}\t{record.username}\t{','.join(record.roles)}")
        if cursor is None:
            return


@orgs.command(
    "set-member", epilog=example("rbac-api orgs set-member acme carol --role editor --role auditor")
)
@click.argument("organization", metavar="ORG")
@click.argument("username", metavar="USER")
@click.option(
    "--role",
    "roles",
    multiple=True,
    required=True,
    metavar="ROLE",
    help="Repeat for several: the whole new set.",
)
def set_member(organization: str, username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles in an organization with exactly these (making them a member)."""
    from rbac_api.core.errors import RbacError
    from rbac_api.services.user_import import roles_problem

    found = accounts()
    problem = roles_problem(found.policy, roles)
    if problem:
        fail(problem)
    try:
        name, _before = _replace(found, organization, username, frozenset(roles))
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"{name} in {_stored(organization)}: roles {', '.join(sorted(set(roles)))}")


@orgs.command("remove-member", epilog=example("rbac-api orgs remove-member acme carol"))
@click.argument("organization", metavar="ORG")
@click.argument("username", metavar="USER")
def remove_member(organization: str, username: str) -> None:
    """Take every role a user holds in an organization."""
    from rbac_api.core.errors import RbacError

    try:
        name, before = _replace(accounts(), organization, username, frozenset())
    except RbacError as exc:
        fail(exc.message)
    if not before:
        fail(f"{name} is not a member of {_stored(organization)}; `rbac-api orgs members` lists them")
    click.echo(f"{name} is no longer a member of {_stored(organization)}")


@orgs.command(epilog=example("rbac-api orgs delete acme"))
@click.argument("name")
def delete(name: str) -> None:
    """Delete an organization and every membership in it."""
    from rbac_api.core.errors import RbacError

    store = _store()
    found = _organization(store, name)
    try:
        store.delete(organization_id=found.id)
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"deleted organization {found.name} and its memberships")


def _replace(
    found: Accounts, organization: str, username: str, roles: frozenset[str]
) -> tuple[str, frozenset[str]]:
    """Replace the user's roles in the organization as the operator; the user's name and former roles."""
    from rbac_api.store.change_rules import ChangeRules
    from rbac_api.store.organizations import OrganizationStore
    from rbac_api.store.usernames import normalize_username

    store = OrganizationStore(found.db)
    org = _organization(store, organization)
    name = normalize_username(username)
    user_id = found.users.id_of(name)
    return name, store.replace_roles(
        organization_id=org.id, user_id=user_id, roles=roles, rules=ChangeRules()
    )


def _store() -> OrganizationStore:
    from rbac_api.store.organizations import OrganizationStore

    return OrganizationStore(accounts().db)


def _organization(store: OrganizationStore, name: str) -> OrganizationRecord:
    from rbac_api.core.errors import RbacError

    try:
        return store.get(_stored(name))
    except RbacError as exc:
        fail(f"{exc.message}; `rbac-api orgs list` shows which exist")


def _stored(name: str) -> str:
    from rbac_api.core.errors import RbacError
    from rbac_api.store.organizations import normalize_organization_name

    try:
        return normalize_organization_name(name)
    except RbacError as exc:
        fail(exc.message)
