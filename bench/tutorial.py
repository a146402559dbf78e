"""The baseline: `GET /users/me` written the way FastAPI's OAuth2-scopes tutorial does it.

A sync dependency (so FastAPI runs it in its threadpool) decodes the JWT with pyjwt on every request and
looks the user up with SQLModel on every request; scopes are checked against the token. Same database file,
secret, tokens and uvicorn settings as the service.
"""

# No `from __future__ import annotations`: FastAPI must see the dependencies defined inside `app()`.
import os
from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Security, status
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlmodel import Session, SQLModel, create_engine

from rbac_api.core.tokens import REQUIRED_CLAIMS
from rbac_api.store.tables import UserRow


class UserPublic(SQLModel):
    id: int
    username: str
    email: str | None
    full_name: str | None
    disabled: bool
    created_at: datetime
    updated_at: datetime


def app() -> FastAPI:
    """uvicorn --factory bench.tutorial:app"""
    engine = create_engine(os.environ["RBAC_DATABASE_URL"], connect_args={"check_same_thread": False})
    secret = os.environ["RBAC_SECRET_KEY"]
    issuer = audience = "rbac-api"
    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token", scopes={"profile:read": "Read your profile"})
    application = FastAPI()

    def get_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    def get_current_user(
        security_scopes: SecurityScopes,
        token: Annotated[str, Depends(oauth2_scheme)],
        session: Annotated[Session, Depends(get_session)],
    ) -> UserRow:
        challenge = f'Bearer scope="{security_scopes.scope_str}"' if security_scopes.scopes else "Bearer"
        credentials_exception = HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="Could not validate credentials",
            headers={"WWW-Authenticate": challenge},
        )
        try:
            payload = jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=audience,
                issuer=issuer,
                options={"require": list(REQUIRED_CLAIMS), "strict_aud": True},
            )
            token_scopes = str(payload["scope"]).split(" ")
            user = session.get(UserRow, int(payload["sub"]))
        except (jwt.InvalidTokenError, ValueError):
            raise credentials_exception from None
        if user is None:
            raise credentials_exception
        for scope in security_scopes.scopes:
            if scope not in token_scopes:
                raise HTTPException(
                    status_code=401, detail="Not enough permissions", headers=credentials_exception.headers
                )
        return user

    async def get_current_active_user(
        current_user: Annotated[UserRow, Security(get_current_user, scopes=["profile:read"])],
    ) -> UserRow:
        if current_user.disabled:
            raise HTTPException(status_code=400, detail="Inactive user")
        return current_user

    @application.get("/users/me", response_model=UserPublic)
    async def read_users_me(
        current_user: Annotated[UserRow, Security(get_current_active_user, scopes=["profile:read"])],
    ) -> UserRow:
        return current_user

    @application.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return application
