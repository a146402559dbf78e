"""SQLModel tables. The password hash lives only here and in `UserStore.credentials`; nothing returns it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Field, SQLModel

USERNAME_MAX = 64


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
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class UserRoleRow(SQLModel, table=True):
    __tablename__ = "user_roles"

    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    role: str = Field(primary_key=True, max_length=64)


class DocumentRow(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = {"sqlite_autoincrement": True}

    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(max_length=200)
    body: str = Field(default="", max_length=100_000)
    owner_id: int | None = Field(default=None, foreign_key="users.id", ondelete="SET NULL")
    created_at: datetime = Field(default_factory=utcnow)
