"""Request and response bodies of the REST API (snake_case JSON, see the contract in the README)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from rbac_api.core.passwords import MAX_PASSWORD_BYTES, MIN_PASSWORD_CHARS, password_problem
from rbac_api.core.profile import EMAIL_MAX, EMAIL_PATTERN, FULL_NAME_MAX, email_problem
from rbac_api.core.text import NO_NUL_PATTERN, NUL_MESSAGE, nul_path
from rbac_api.store.api_tokens import ApiTokenRecord
from rbac_api.store.tables import USERNAME_MAX
from rbac_api.store.users import UserRecord


def _valid_password(value: str) -> str:
    problem = password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _valid_email(value: str | None) -> str | None:
    problem = None if value is None else email_problem(value)
    if problem:
        raise ValueError(problem)
    return value


#: The rules of `password_problem`, declared: 8 to 72 characters, and at most 72 bytes in UTF-8, which
#: JSON Schema cannot say, so the description does (and the check stays).
Password = Annotated[
    str,
    Field(
        # Declared only: `password_problem` enforces them, with messages that name the byte limit.
        json_schema_extra={"minLength": MIN_PASSWORD_CHARS, "maxLength": MAX_PASSWORD_BYTES},
        description=(
            f"{MIN_PASSWORD_CHARS} to {MAX_PASSWORD_BYTES} characters, and at most {MAX_PASSWORD_BYTES} "
            "bytes in UTF-8 (bcrypt reads no more); no NUL character"
        ),
    ),
    AfterValidator(_valid_password),
]
Email = Annotated[
    Annotated[str, Field(max_length=EMAIL_MAX, json_schema_extra={"pattern": EMAIL_PATTERN})] | None,
    AfterValidator(_valid_email),
]
FullName = Annotated[str | None, Field(max_length=FULL_NAME_MAX)]


def _declare_no_nul(schema: dict[str, Any]) -> None:
    """What `Strict._no_nul` enforces, in the OpenAPI document: each string without a pattern of its own
    (the e-mail's excludes NUL already) gets the NUL-free one."""
    if schema.get("type") == "string":
        schema.setdefault("pattern", NO_NUL_PATTERN)
    for value in schema.values():
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                _declare_no_nul(item)


class Strict(BaseModel):
    """Unknown fields are refused: sign-up cannot smuggle `disabled` or `roles` in (mass assignment).
    No field may hold a NUL character (`rbac_api.core.text`), whatever its type says."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_declare_no_nul)

    @field_validator("*", mode="before")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if nul_path(value) is not None:
            raise ValueError(NUL_MESSAGE)
        return value


#: A new account's name, as the document declares it and the code enforces it (`store/usernames.py`).
NewUsername = Annotated[
    str,
    Field(
        min_length=1,
        max_length=USERNAME_MAX,
        description=(
            f"1 to {USERNAME_MAX} characters, also once normalised (NFKC and case-folded: `Alice` and "
            "`ALICE` are one account); no control, invisible or space characters; not `me`"
        ),
    ),
]


class UserCreate(Strict):
    username: NewUsername
    password: Password
    email: Email = None
    full_name: FullName = None
    roles: list[str] | None = None


def _absent_means_unchanged(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class UserUpdate(Strict):
    email: Email = None
    full_name: FullName = None
    #: true or false; leave it out to leave it as it is (null is refused, as the document says). The
    #: None default only stands for "absent" (the handler dumps with `exclude_unset`), never for a value.
    disabled: bool = Field(default=None, strict=True, json_schema_extra=_absent_means_unchanged)  # type: ignore[assignment]


def _declare_password_pair(schema: dict[str, Any]) -> None:
    """`_password_pair`, declared: both passwords given, or neither (absent or null)."""
    schema["anyOf"] = [
        {
            "required": ["password", "old_password"],
            "properties": {name: {"type": "string"} for name in _PAIR},
        },
        {"properties": {name: {"type": "null"} for name in _PAIR}},
    ]
    _declare_no_nul(schema)


_PAIR = ("password", "old_password")


class ProfileUpdate(Strict):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_declare_password_pair)

    email: Email = None
    full_name: FullName = None
    password: Password | None = None
    old_password: str | None = Field(default=None, max_length=1024)

    @model_validator(mode="after")
    def _password_pair(self) -> ProfileUpdate:
        if (self.password is None) != (self.old_password is None):
            raise ValueError("to change the password send both `password` and `old_password`")
        return self


class UserOut(BaseModel):
    id: int
    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    roles: list[str]
    created_at: datetime
    updated_at: datetime
    #: A service account (a program's account: client credentials, no password).
    service_account: bool

    @classmethod
    def of(cls, record: UserRecord) -> UserOut:
        return cls(
            id=record.id,
            username=record.username,
            email=record.email,
            full_name=record.full_name,
            disabled=record.disabled,
            roles=list(record.roles),
            created_at=record.created_at,
            updated_at=record.updated_at,
            service_account=record.service_account,
        )


class UserPage(BaseModel):
    items: list[UserOut]
    next_cursor: str | None


class RoleOut(BaseModel):
    name: str
    description: str
    scopes: list[str]
    effective_scopes: list[str]
    inherits: list[str]


class PolicyOut(BaseModel):
    version: str
    loaded_at: datetime
    files: list[str]
    scopes: dict[str, str]
    default_role: str


DocumentStatus = Literal["draft", "published", "archived"]


class DocumentCreate(Strict):
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(default="", max_length=100_000)
    #: The organization it belongs to (its name); none: a document of its owner's alone.
    org: str | None = Field(default=None, min_length=1, max_length=64)
    status: DocumentStatus = "draft"


class DocumentChange(Strict):
    title: str | None = Field(default=None, min_length=1, max_length=200)
    body: str | None = Field(default=None, max_length=100_000)
    status: DocumentStatus | None = None


class DocumentOut(BaseModel):
    id: int
    title: str
    body: str
    org: str | None
    owner_id: int | None
    status: str
    created_at: datetime


class DocumentPage(BaseModel):
    items: list[DocumentOut]
    next_cursor: str | None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 (the OAuth2 token type, not a secret)
    expires_in: int
    scope: str
    #: Opaque, prefixed `rbac_rt_`; rotated by every refresh. Absent for grants without sessions to refresh.
    refresh_token: str | None = None


class SessionOut(BaseModel):
    """A live login session, as its owner sees it (never a token)."""

    id: str
    created_at: datetime
    last_refreshed_at: datetime
    expires_at: datetime
    client_address: str | None
    user_agent: str | None
    #: True for the session the request's own token belongs to.
    current: bool


class ApiTokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100, description="Yours to choose, unique among your tokens")
    scopes: list[str] = Field(min_length=1, max_length=100, description="A subset of your own scopes")
    expires_in_days: int = Field(
        ge=1, description="Required; at most RBAC_API_TOKEN_MAX_DAYS (365 by default)"
    )


class ApiTokenOut(BaseModel):
    """A personal API token as listed: never its secret."""

    id: int
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime

    @classmethod
    def of(cls, record: ApiTokenRecord) -> ApiTokenOut:
        return cls(
            id=record.id,
            name=record.name,
            scopes=record.scope_list,
            created_at=record.created,
            last_used_at=record.last_used,
            expires_at=record.expires,
        )


class ApiTokenCreated(BaseModel):
    """The answer to a creation: the only time `token` is shown."""

    id: int
    name: str
    token: str = Field(description="The secret, shown this once: `Authorization: Bearer <token>`")
    scopes: list[str]
    expires_at: datetime


class ServiceAccountCreate(Strict):
    name: NewUsername
    roles: list[str] = Field(default_factory=list, max_length=100)


class ServiceAccountCreated(BaseModel):
    """The answer to a creation: the only time `client_secret` is shown."""

    name: str
    roles: list[str]
    client_id: str
    client_secret: str


class ClientSecretRotated(BaseModel):
    client_id: str
    client_secret: str = Field(description="The new secret, shown this once")
    previous_secret_expires_at: datetime = Field(description="Until then the previous secret works too")
