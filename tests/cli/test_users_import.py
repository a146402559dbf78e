"""`rbac-api users import` and `users export`: all rows or none, each refusal at its line."""

from __future__ import annotations

import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from rbac_api import create_app
from rbac_api.core.passwords import bcrypt_context
from rbac_api.store.database import make_engine
from rbac_api.store.users import UserRecord, UserStore, every_user
from tests.cli.runner import run
from tests.conftest import PASSWORD, bearer, login, make_settings
from tests.databases import backend, fresh_database_url

HEADER = "username,email,full_name,roles,password\n"
#: A trigger refusing one row, so a write fails half-way through, on either backend.
REFUSE_MALLORY = {
    "sqlite": [
        "CREATE TRIGGER no_mallory BEFORE INSERT ON users WHEN NEW.username = 'mallory' "
        "BEGIN SELECT RAISE(ABORT, 'mallory is not welcome'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION no_mallory() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.username = 'mallory' THEN RAISE EXCEPTION 'mallory is not welcome'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER no_mallory BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION no_mallory()",
    ],
}


def store_engine(tmp_path: Path) -> Engine:
    return make_engine(fresh_database_url(tmp_path))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[UserStore]:
    """The CLI's database, read and seeded in the test's own process (the import runs as a command)."""
    engine = make_engine(fresh_database_url(tmp_path))
    yield UserStore(engine)
    engine.dispose()


@pytest.fixture
def add_user(store: UserStore) -> Callable[..., UserRecord]:
    def add(username: str, *roles: str, full_name: str | None = None) -> UserRecord:
        password_hash = bcrypt_context(4).hash(PASSWORD)
        return store.create(
            username=username, password_hash=password_hash, email=None, full_name=full_name, roles=roles
        )

    return add


@pytest.fixture
def root(add_user: Callable[..., UserRecord]) -> UserRecord:
    """The only administrator."""
    return add_user("root", "admin")


@pytest.fixture
def service(tmp_path: Path, root: UserRecord) -> Iterator[TestClient]:
    """The service on the database the CLI uses, re-reading user state on every request."""
    settings = make_settings(tmp_path, user_cache_seconds=0)
    with TestClient(create_app(settings)) as client:
        yield client


def csv_file(tmp_path: Path, *rows: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(f"{row}\n" for row in rows))
    return path


def accounts(store: UserStore) -> list[tuple[str, tuple[str, ...]]]:
    return [(record.username, record.roles) for record in every_user(store)]


def exported(tmp_path: Path) -> str:
    result = run(tmp_path, "users", "export")
    assert result.returncode == 0, result.stderr
    return result.stdout


def import_file(tmp_path: Path, path: Path, *options: str) -> tuple[int, str, str]:
    result = run(tmp_path, "users", "import", str(path), *options)
    return result.returncode, result.stdout, result.stderr


def test_new_users_are_created_and_existing_ones_updated(
    tmp_path: Path, store: UserStore, root: UserRecord, add_user: Callable[..., UserRecord]
) -> None:
    add_user("alice", "user")
    people = csv_file(
        tmp_path,
        "Bob,bob@example.org,Bob B,editor reader,bob-password-1",
        "alice,alice@example.org,,auditor,",
    )
    code, out, _err = import_file(tmp_path, people)
    assert (code, out) == (0, "created 1, updated 1, 0 unchanged\n")
    alice, bob = store.get("alice"), store.get("bob")
    assert (alice.email, alice.full_name, alice.roles) == ("alice@example.org", None, ("auditor",))
    assert (bob.email, bob.full_name, bob.roles) == ("bob@example.org", "Bob B", ("editor", "reader"))


def test_export_then_import_changes_nothing(
    tmp_path: Path, store: UserStore, root: UserRecord, add_user: Callable[..., UserRecord]
) -> None:
    add_user("alice", "editor", "reader")
    add_user("mallory", full_name='=HYPERLINK("x")')
    before = list(every_user(store))
    export = tmp_path / "all.csv"
    assert run(tmp_path, "users", "export", str(export)).stdout == f"exported 3 users to {export}\n"
    code, out, _err = import_file(tmp_path, export)
    assert (code, out) == (0, "nothing to change: create 0, update 0, 3 unchanged; nothing was written\n")
    assert list(every_user(store)) == before


def test_export_writes_formula_like_cells_as_text(
    tmp_path: Path, add_user: Callable[..., UserRecord]
) -> None:
    add_user("mallory", "user", full_name="=1+2")
    assert exported(tmp_path).splitlines() == [
        "username,email,full_name,roles,password",
        "mallory,,'=1+2,user,",
    ]


def test_a_password_in_the_file_replaces_the_old_one_and_ends_live_tokens(
    tmp_path: Path, service: TestClient, add_user: Callable[..., UserRecord]
) -> None:
    add_user("alice", "user")
    token = login(service, "alice", PASSWORD)
    code, out, _err = import_file(tmp_path, csv_file(tmp_path, "alice,,,,a-new-password-2"))
    assert (code, out) == (0, "created 0, updated 1, 0 unchanged\n")
    assert service.get("/users/me", headers=bearer(token)).status_code == 401
    assert (
        service.get("/users/me", headers=bearer(login(service, "alice", "a-new-password-2"))).status_code
        == 200
    )


def test_every_refused_row_is_named_in_line_order_with_all_its_problems(
    tmp_path: Path, root: UserRecord
) -> None:
    people = csv_file(
        tmp_path,
        'jane,,"two\nlines",,short',
        "kurt,not-mail,,wizard,long-enough-1",
        "root,,,,short",
    )
    code, _out, err = import_file(tmp_path, people)
    assert code == 1
    assert err.splitlines()[:3] == [
        f"{people}:2: password must be at least 8 characters",
        f"{people}:4: email must look like name@example.org; unknown role(s) wizard; the policy defines "
        "admin, auditor, editor, member, reader, user",
        f"{people}:5: password must be at least 8 characters",
    ]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        (b"name,email\nbob,bob@example.org\n", "line 1: the header must name the columns"),
        (b"", "line 1: the header must name the columns"),
        (HEADER.encode() + b"bob,,Bj\xf6rn,,long-enough-1\n", "line 2: not UTF-8 text"),
        (HEADER.encode() + b'bob,,"Bob,,long-enough-1\n', "line 2: unexpected end of data"),
    ],
    ids=["header", "empty", "not utf-8", "broken quoting"],
)
def test_an_unreadable_file_is_refused_whole(
    tmp_path: Path, store: UserStore, root: UserRecord, content: bytes, why: str
) -> None:
    people = tmp_path / "people.csv"
    people.write_bytes(content)
    code, out, err = import_file(tmp_path, people)
    assert (code, out) == (1, "")
    assert err.startswith(f"rbac-api: {people}: {why}")
    assert err.strip().endswith("nothing was written")
    assert list(every_user(store)) == [root]


def test_a_dry_run_says_what_would_change_and_writes_nothing(
    tmp_path: Path, store: UserStore, root: UserRecord, add_user: Callable[..., UserRecord]
) -> None:
    add_user("alice", "user")
    before = list(every_user(store))
    people = csv_file(tmp_path, "bob,,,,bob-password-1", "alice,alice@example.org,,,", "root,,,,")
    code, out, _err = import_file(tmp_path, people, "--dry-run")
    assert (code, out) == (0, "dry run: would create 1, update 1, 1 unchanged; nothing was written\n")
    assert list(every_user(store)) == before


def test_a_failure_in_the_middle_of_writing_leaves_everything_as_it_was(
    tmp_path: Path, store: UserStore, root: UserRecord, add_user: Callable[..., UserRecord]
) -> None:
    alice = add_user("alice", "user")
    with store_engine(tmp_path).begin() as db:  # the database itself refuses one of the new rows
        for statement in REFUSE_MALLORY[backend()]:
            db.execute(text(statement))
    before, alice_hash = list(every_user(store)), store.credentials_of(alice.id)
    people = csv_file(
        tmp_path,
        "alice,alice@example.org,,auditor,alice-password-2",
        "bob,,,,bob-password-1",
        "mallory,,,,mallory-password-1",
        "zed,,,,zed-password-1",
    )
    code, out, err = import_file(tmp_path, people)
    assert (code, out) == (1, "")
    assert err.splitlines()[-1] == (
        "rbac-api: the database refused the import: mallory is not welcome; nothing was written"
    )
    assert list(every_user(store)) == before
    assert store.credentials_of(alice.id) == alice_hash


def test_an_import_that_would_leave_no_administrator_is_refused_whole(
    tmp_path: Path, store: UserStore, root: UserRecord
) -> None:
    people = csv_file(tmp_path, "bob,,,,bob-password-1", "root,,,user,")
    for options in ((), ("--dry-run",)):
        code, out, err = import_file(tmp_path, people, *options)
        assert (code, out) == (1, "")
        assert err.startswith("rbac-api: refused: afterwards no enabled account would hold both roles:assign")
        assert "(the roles on line(s) 3 take administration away); nothing was written" in err
    assert list(every_user(store)) == [root]


def test_an_administrator_may_be_demoted_when_the_file_makes_another(
    tmp_path: Path, store: UserStore, root: UserRecord
) -> None:
    people = csv_file(tmp_path, "root,,,user,", "boss,,,admin,boss-password-1")
    assert import_file(tmp_path, people)[:2] == (0, "created 1, updated 1, 0 unchanged\n")
    assert accounts(store) == [("root", ("user",)), ("boss", ("admin",))]


def test_generated_passwords_go_once_to_a_private_file_and_work(tmp_path: Path, service: TestClient) -> None:
    secrets_file = tmp_path / "new-passwords.csv"
    people = csv_file(tmp_path, "bob,,,,", "carol,,,,carol-password-1")
    code, out, err = import_file(
        tmp_path, people, "--generate-passwords", "--passwords-out", str(secrets_file)
    )
    assert code == 0, err
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    header, line = secrets_file.read_text().splitlines()
    name, password = line.split(",")
    assert (header, name) == ("username,password", "bob")
    assert password not in out + err
    assert service.get("/users/me", headers=bearer(login(service, "bob", password))).status_code == 200


def test_generated_passwords_never_overwrite_a_file(
    tmp_path: Path, store: UserStore, root: UserRecord
) -> None:
    secrets_file = tmp_path / "new-passwords.csv"
    secrets_file.write_text("keep me\n")
    people = csv_file(tmp_path, "bob,,,,")
    code, _out, err = import_file(
        tmp_path, people, "--generate-passwords", "--passwords-out", str(secrets_file)
    )
    assert code == 2
    assert "exists; generated passwords are written once, to a new file" in err
    assert secrets_file.read_text() == "keep me\n"
    assert list(every_user(store)) == [root]


def test_the_file_may_come_on_standard_input(tmp_path: Path, store: UserStore, root: UserRecord) -> None:
    result = run(tmp_path, "users", "import", "-", stdin=HEADER + "bob,,,reader,bob-password-1\n")
    assert (result.returncode, result.stdout) == (0, "created 1, updated 0, 0 unchanged\n")
    assert accounts(store) == [("root", ("admin",)), ("bob", ("reader",))]
