"""`rbac-api users import` and `users export`: many accounts through one CSV file (format: user_csv.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from rbac_api.cli.env import accounts, fail
from rbac_api.cli.help import example

if TYPE_CHECKING:
    from rbac_api.cli.env import Accounts
    from rbac_api.services.user_csv import Failure, Row
    from rbac_api.services.user_import import Plan

FORMAT = (
    "The file: CSV with the header username,email,full_name,roles,password; roles separated by spaces. "
    "For an existing user an empty cell keeps what is stored; for a new one, empty roles mean the "
    "policy's default role and an empty password needs --generate-passwords."
)


@click.command(
    "import",
    epilog="\n\n".join(
        (
            FORMAT,
            example(
                "rbac-api users import people.csv --dry-run",
                "rbac-api users import people.csv --generate-passwords --passwords-out new-passwords.csv",
            ),
        )
    ),
)
@click.argument("file", metavar="FILE.csv", type=click.Path(dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and say what would change; write nothing.")
@click.option(
    "--generate-passwords",
    is_flag=True,
    help="Generate a password for each new user whose password cell is empty (needs --passwords-out).",
)
@click.option(
    "--passwords-out",
    metavar="FILE",
    type=click.Path(dir_okay=False, path_type=Path),
    help="New file (mode 0600) that receives the generated passwords, once; it must not exist yet.",
)
def import_users(file: Path, dry_run: bool, generate_passwords: bool, passwords_out: Path | None) -> None:
    """Create or update users from a CSV file.

    Every row of FILE.csv (- for standard input) is checked first; then all are written in one
    transaction, or none (exit 1, each refused row named by its line).
    """
    from rbac_api.services.user_import import last_administrator_problem, plan_import
    from rbac_api.store.users import every_user

    _check_password_options(generate_passwords, passwords_out)
    rows, unreadable = _read(file)
    found = accounts()
    existing = {record.username: record for record in every_user(found.users)}
    plan = plan_import(rows, existing=existing, policy=found.policy, generate_passwords=generate_passwords)
    _refuse_failures(file, len(rows) + len(unreadable), [*unreadable, *plan.failures])
    refusal = last_administrator_problem(plan, existing.values(), found.policy)
    if refusal:
        fail(f"{refusal}; nothing was written")
    if dry_run or not (plan.new or plan.changes):
        prefix = "dry run: would " if dry_run else "nothing to change: "
        click.echo(f"{prefix}{_counts(plan, 'create', 'update')}; nothing was written")
        return
    generated = _write(found, plan, passwords_out)
    click.echo(_counts(plan, "created", "updated"))
    if generated:
        click.echo(f"generated passwords are in {passwords_out} (mode 0600): hand them over, then delete it")


def _check_password_options(generate: bool, out: Path | None) -> None:
    if generate != (out is not None):
        fail("--generate-passwords and --passwords-out FILE go together", code=2)
    if out is not None and (out.exists() or out.is_symlink()):
        fail(f"{out} exists; generated passwords are written once, to a new file", code=2)
    if out is not None and not out.parent.is_dir():
        fail(f"{out.parent} is not a directory; --passwords-out needs a new file in an existing one", code=2)


def _read(file: Path) -> tuple[list[Row], list[Failure]]:
    from rbac_api.core.errors import InvalidInput
    from rbac_api.services.user_csv import decode, read_rows

    try:
        data = sys.stdin.buffer.read() if str(file) == "-" else file.read_bytes()
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror}", code=2)
    try:
        return read_rows(decode(data))
    except InvalidInput as exc:
        fail(f"{'stdin' if str(file) == '-' else file}: {exc.message}; nothing was written")


def _refuse_failures(file: Path, rows: int, failures: list[Failure]) -> None:
    shown = "stdin" if str(file) == "-" else file
    for failure in sorted(failures, key=lambda f: f.line):
        click.echo(f"{shown}:{failure.line}: {failure.message}", err=True)
    if failures:
        fail(f"{len(failures)} of {rows} rows refused (above); nothing was written")


def _counts(plan: Plan, create: str, update: str) -> str:
    generated = sum(1 for user in plan.new if user.password is None)
    with_passwords = f" ({generated} with generated passwords)" if generated else ""
    return (
        f"{create} {len(plan.new)}{with_passwords}, {update} {len(plan.changes)}, {plan.unchanged} unchanged"
    )


def _write(found: Accounts, plan: Plan, passwords_out: Path | None) -> int:
    """Hash, keep the generated passwords, then write everything in one transaction, or nothing.

    Returns how many passwords were generated (and saved in `passwords_out`)."""
    from sqlalchemy.exc import SQLAlchemyError

    from rbac_api.core.errors import RbacError
    from rbac_api.services.administration import operator_rules
    from rbac_api.services.user_import import hashed_batch, new_passwords
    from rbac_api.store.user_batch import write_batch

    rounds = found.settings.bcrypt_rounds
    generated = new_passwords(plan)
    new, changes = hashed_batch(plan, generated, lambda passwords: _hash_with_progress(passwords, rounds))
    saved = _save_passwords(passwords_out, generated) if generated and passwords_out else None
    click.echo(f"writing {len(new)} new and {len(changes)} changed accounts in one transaction", err=True)
    try:
        write_batch(found.db, new=new, changes=changes, rules=operator_rules(found.policy))
    except BaseException as exc:
        if saved is not None:  # passwords of accounts that do not exist: of no use to anyone
            saved.unlink(missing_ok=True)
        if not isinstance(exc, RbacError | SQLAlchemyError):
            raise
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines() or ["(no reason given)"]
        # PostgreSQL adds CONTEXT/DETAIL lines meant for a DBA; the first line is the reason.
        reason = exc.message if isinstance(exc, RbacError) else f"the database refused the import: {cause[0]}"
        fail(f"{reason}; nothing was written")
    return len(generated)


def _hash_with_progress(passwords: list[str], rounds: int) -> list[str]:
    """Every core hashing, with a progress bar on standard error: at bcrypt's cost this is the long part."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from rbac_api.core.password_pool import hash_all, pool_size

    if not passwords:
        return []
    workers = pool_size(len(passwords))
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True)) as progress:
        task = progress.add_task(f"hashing (bcrypt cost {rounds}, {workers} processes)", total=len(passwords))
        return hash_all(passwords, rounds=rounds, workers=workers, done=lambda: progress.advance(task))


def _save_passwords(path: Path, generated: dict[str, str]) -> Path:
    """Into a new file that only its owner can read, never onto the terminal or into a log."""
    import csv
    import os

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        descriptor = os.open(path, flags, 0o600)
    except OSError as exc:
        fail(f"cannot create {path}: {exc.strerror}; nothing was written", code=2)
    with os.fdopen(descriptor, "w", newline="", encoding="utf-8") as out:
        # "\n": no cell can hold a line break (names refuse control characters, passwords are URL-safe).
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(("username", "password"))
        writer.writerows(generated.items())
    return path


@click.command(
    "export", epilog=example("rbac-api users export people.csv", "rbac-api users export - | wc -l")
)
@click.argument("file", default="-", metavar="[FILE|-]", type=click.Path(dir_okay=False, allow_dash=True))
def export_users(file: str) -> None:
    """Write every user to a CSV file.

    FILE (default: - for standard output) gets the format `users import` reads, with the password
    column empty.
    """
    from rbac_api.services.user_csv import write_rows
    from rbac_api.store.users import every_user

    records = every_user(accounts().users)
    if file == "-":
        write_rows(records, sys.stdout)
        return
    with open(file, "w", newline="", encoding="utf-8") as out:
        count = write_rows(records, out)
    click.echo(f"exported {count} users to {file}")
