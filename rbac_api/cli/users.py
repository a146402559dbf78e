"""`rbac-api users ...`: accounts in the configured database, changed as the operator.

Changes here follow `operator_rules`: the CLI is exempt from the superior-account rule, never from the
last-administrator one.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import accounts, fail
from rbac_api.cli.help import example
from rbac_api.cli.user_files import export_users, import_users

if TYPE_CHECKING:
    from rbac_api.cli.env import Accounts


@click.group(short_help="Create, change, import and export users.")
def users() -> None:
    """Manage user accounts in the configured database (RBAC_DATABASE_URL)."""


users.add_command(import_users)
users.add_command(export_users)


@users.command(epilog=example("rbac-api users create carol --role editor --email carol@example.org"))
@click.argument("username")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    metavar="PASSWORD",
    help="Asked for when not given (the safer way: it stays out of the shell history).",
)
@click.option(
    "--role", "roles", multiple=True, metavar="ROLE", help="Repeat for several; default: the default role."
)
@click.option("--email", metavar="EMAIL", help="E-mail address.")
@click.option("--full-name", metavar="NAME", help="Full name.")
def create(
    username: str, password: str, roles: tuple[str, ...], email: str | None, full_name: str | None
) -> None:
    """Create a user."""
    from rbac_api.core.errors import RbacError
    from rbac_api.core.passwords import bcrypt_context, password_problem
    from rbac_api.store.usernames import new_username

    found = accounts()
    problem = password_problem(password)
    if problem:
        fail(problem)
    granted = list(roles) or [found.policy.default_role]
    _check_roles(found, granted)
    try:
        record = found.users.create(
            username=new_username(username),
            password_hash=bcrypt_context(found.settings.bcrypt_rounds).hash(password),
            email=email,
            full_name=full_name,
            roles=granted,
        )
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"created {record.username} (id {record.id}) with roles {', '.join(record.roles)}")


@users.command("list", epilog=example("rbac-api users list | grep disabled"))
def list_users() -> None:
    """List users with their state and roles.

    One line per user, tab-separated: id, name, active or disabled, roles.
    """
    from rbac_api.store.users import every_user

    for r in every_user(accounts().users):
        state = "disabled" if r.disabled else "active"
        click.echo(f"{r.id}\t{r.username}\t{state}\t{','.join(r.roles)}")


@users.command("set-roles", epilog=example("rbac-api users set-roles carol editor auditor"))
@click.argument("username")
@click.argument("roles", nargs=-1, required=True, metavar="ROLE...")
def set_roles(username: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles.

    ROLE... is the complete new set; removing the last administrator's role is refused.
    """
    from rbac_api.core.errors import RbacError
    from rbac_api.services.administration import operator_rules

    found = accounts()
    _check_roles(found, roles)
    try:
        user_id = _user_id(found, username)
        record = found.users.set_roles(user_id=user_id, roles=roles, rules=operator_rules(found.policy))
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"{record.username}: roles {', '.join(record.roles)}")


@users.command(epilog=example("rbac-api users disable carol", "rbac-api users disable --enable carol"))
@click.argument("username")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
def disable(username: str, enable: bool) -> None:
    """Disable a user, or enable one again.

    A disabled user's tokens stop working for good; --enable lets them log in again.
    """
    from rbac_api.core.errors import RbacError
    from rbac_api.services.administration import operator_rules

    found = accounts()
    rules = operator_rules(found.policy)
    try:
        record = found.users.update(user_id=_user_id(found, username), disabled=not enable, rules=rules)
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"{record.username}: {'disabled' if record.disabled else 'enabled'}")


@users.command(
    "set-password",
    epilog=example("rbac-api users set-password admin", "rbac-api users set-password carol --password-stdin"),
)
@click.argument("username")
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the new password from the first line of standard input (for scripts) instead of asking.",
)
def set_password(username: str, password_stdin: bool) -> None:
    """Set a user's password, as the operator (no old password needed).

    Ends every live token and session of the account, like a password change through the API. This is how the
    first admin's one-time password is replaced, and how an operator lets a locked-out user back in.
    """
    from rbac_api.core.errors import RbacError
    from rbac_api.core.passwords import bcrypt_context, password_problem

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = str(click.prompt("New password", hide_input=True, confirmation_prompt=True))
    problem = password_problem(password)
    if problem:
        fail(problem)
    found = accounts()
    try:
        user_id = _user_id(found, username)
        current = found.users.credentials_of(user_id)
        if current is None:
            fail(f"no user {username!r}; `rbac-api users list` shows who exists")
        new_hash = bcrypt_context(found.settings.bcrypt_rounds).hash(password)
        found.users.replace_password(user_id=user_id, read_hash=current.password_hash, new_hash=new_hash)
    except RbacError as exc:
        fail(exc.message)
    click.echo(f"{username}: password set; every session of the account has ended")


def _user_id(found: Accounts, username: str) -> int:
    from rbac_api.store.usernames import normalize_username

    return found.users.id_of(normalize_username(username))


def _check_roles(found: Accounts, roles: tuple[str, ...] | list[str]) -> None:
    from rbac_api.services.user_import import roles_problem

    problem = roles_problem(found.policy, roles)
    if problem:
        fail(problem)
