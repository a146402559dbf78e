"""SQLModel tables. The password hash lives only here and in `UserStore.credentials`; nothing returns it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

USERNAME_MAX = 64
#: Organization names follow the user-name rules (`rbac_api.store.names`), at the same length.
ORGANIZATION_NAME_MAX = USERNAME_MAX
#: The largest user id: `users.id` is an INTEGER, 32 bits on PostgreSQL (64 on SQLite); a larger id cannot
#: be a user, and must not reach the database, where it would overflow the column's type.
MAX_USER_ID = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UserRow(SQLModel, table=True):
    __tablename__ = "users"
    # AUTOINCREMENT: SQLite otherwise reuses the id of a deleted newest user, and a live token of the
    # deleted user (sub = id) would then speak for the newcomer.
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=USERNAME_MAX, unique=True, index=True)
    email: str | None = Field(default=None, max_length=254)
    full_name: str | None = Field(default=None, max_length=200)
    hashed_password: str = Field(max_length=200)
    disabled: bool = False
    token_version: int = 0
    #: A service account: no password (the password grant refuses it); it authenticates as an OAuth2
    #: client (`service_clients`) with the client-credentials grant.
    service_account: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UserRoleRow(SQLModel, table=True):
    __tablename__ = "user_roles"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    #: Indexed for the last-administrator check, which looks accounts up by role.
    role: str = Field(primary_key=True, max_length=64, index=True)


DOCUMENT_STATUSES = ("draft", "published", "archived")


class OrganizationRow(SQLModel, table=True):
    """A tenant: members hold roles in it (`memberships`) that apply to what belongs to it."""

    __tablename__ = "organizations"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    #: Normalised like a user name (`rbac_api.store.names`): `Acme` and `ACME` are one organization.
    name: str = Field(max_length=ORGANIZATION_NAME_MAX, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class MembershipRow(SQLModel, table=True):
    """One role a user holds in one organization; a member holds one row per role. Deleting the user or
    the organization deletes its rows."""

    __tablename__ = "memberships"

    organization_id: int = Field(foreign_key="organizations.id", primary_key=True, ondelete="CASCADE")
    #: Indexed: every authenticated request's user state reads the user's memberships.
    user_id: int = Field(foreign_key="users.id", primary_key=True, index=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=64)


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"
    # Lists are filtered by organization and by owner and paged by id: each filter walks its own index.
    __table_args__ = (
        Index("ix_documents_org_id", "org", "id"),
        Index("ix_documents_org_status_id", "org", "status", "id"),
        Index("ix_documents_owner_id_id", "owner_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=100_000)
    owner_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    #: The owning organization's (normalised) name; None for a document outside every organization.
    org: str | None = Field(default=None, max_length=ORGANIZATION_NAME_MAX)
    status: str = Field(default="draft", max_length=20, sa_column_kwargs={"server_default": "draft"})
    created_at: datetime = Field(default_factory=utcnow)


class SessionRow(SQLModel, table=True):
    """One login (a refresh-token family). Times are epoch seconds: compared in SQL the same way on SQLite
    and PostgreSQL, whatever the server's time zone."""

    __tablename__ = "sessions"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    #: The `sid` claim of the session's access tokens and the id clients see; random, never reused.
    public_id: str = Field(max_length=32, unique=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    #: The user's token_version at login: any later bump (password change, disable) ends the session.
    token_version: int
    #: What the login granted, space-separated: a refresh may narrow it, never widen it.
    scopes: str = Field(max_length=10_000)
    client_address: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=256)
    created_at: float
    last_refreshed_at: float
    #: Indexed, as `revoked_at` is, for the clean-up every process runs every minute.
    expires_at: float = Field(index=True)
    revoked_at: float | None = Field(default=None, index=True)


class RefreshTokenRow(SQLModel, table=True):
    """Every refresh token a session was given, by SHA-256: a used one presented again is a reuse."""

    __tablename__ = "refresh_tokens"

    token_hash: str = Field(primary_key=True, max_length=64)
    session_id: int = Field(foreign_key="sessions.id", index=True, ondelete="CASCADE")
    created_at: float
    used_at: float | None = None


class RateEventRow(SQLModel, table=True):
    """One counted event (a failed login, a sign-up) in a throttling bucket, such as `login:<address>`."""

    __tablename__ = "rate_events"
    __table_args__ = (Index("ix_rate_events_bucket_at", "bucket", "at"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    bucket: str = Field(max_length=400)
    at: float


class ApiTokenRow(SQLModel, table=True):
    """A personal API token: its digest, what it may do, and until when. The secret itself is never kept."""

    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("user_id", "name"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=100)
    token_hash: str = Field(max_length=64, unique=True)
    #: Space-separated; the token's effective scopes are these within what the owner's roles grant now.
    scopes: str = Field(max_length=10_000)
    created_at: float
    expires_at: float
    #: Written at most once a minute per token, never on the request's critical path.
    last_used_at: float | None = None


class ServiceClientRow(SQLModel, table=True):
    """The OAuth2 client of a service account: its public id and the digests of its secrets.

    After a rotation the previous secret keeps working until `previous_expires_at`, so a fleet of clients
    can move to the new secret without an outage.
    """

    __tablename__ = "service_clients"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    client_id: str = Field(max_length=64, unique=True)
    secret_hash: str = Field(max_length=64)
    previous_secret_hash: str | None = Field(default=None, max_length=64)
    previous_expires_at: float | None = None
    created_at: float
    rotated_at: float | None = None
