"""Service configuration: one object, read from `RBAC_*` environment variables when constructed."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from rbac_api.core.keys import KeySet

#: Every generated development secret starts with this, so production can recognise and refuse one.
DEV_SECRET_PREFIX = "rbac-dev-"  # noqa: S105 (a marker, not a secret)
#: Placeholder secrets copied from examples; refused in production like a missing one.
KNOWN_PLACEHOLDER_SECRETS = frozenset({"changethis", "change-me", "changeme", "secret", "dev"})
#: RFC 7518 §3.2: an HMAC key at least as long as the hash output.
MIN_SECRET_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
#: 1 MiB: far above any request of this service, far below what fills a server's memory.
DEFAULT_MAX_BODY_BYTES = 1 << 20
DEFAULT_MAX_HEADER_BYTES = 32 * 1024


class ConfigError(Exception):
    """A setting that stops the service from starting; the message is one line that names the fix."""


class Settings(BaseSettings):
    """All settings of the service. Construct one and pass it to `create_app`; nothing reads the
    environment at import time.

    Insecure defaults: `env="development"` generates a signing secret into `secret_file` and accepts it;
    production refuses to start without a real `RBAC_SECRET_KEY`.
    """

    model_config = SettingsConfigDict(env_prefix="RBAC_", extra="ignore", frozen=True)

    env: Literal["development", "production"] = "development"
    database_url: str = "sqlite:///./var/rbac.db"
    #: Connections kept open to a PostgreSQL server per process (as many again under bursts).
    db_pool_size: int = Field(default=5, ge=1, le=200)
    #: How long a request waits for the database (a free pooled connection, SQLite's write lock) before it
    #: answers 503 with `Retry-After`: behind a load balancer, a quick 503 beats a request held for long.
    db_timeout_seconds: float = Field(default=30, gt=0, le=300)
    secret_key: SecretStr | None = None
    #: Where a development secret is generated once (mode 0600) when `secret_key` is not set.
    secret_file: Path = Path("var/dev-secret")
    algorithm: Literal["HS256", "HS384", "HS512", "RS256", "ES256", "EdDSA"] = "HS256"
    #: PEM private key that signs tokens, for RS256, ES256 or EdDSA (`rbac-api keys generate` writes one).
    signing_key_file: Path | None = None
    #: Comma-separated PEM public keys still accepted during a rotation (the signing key's own is implied).
    verify_key_files: str = ""
    issuer: str = "rbac-api"
    audience: str = "rbac-api"
    access_token_minutes: int = Field(default=15, ge=1, le=24 * 60)
    bcrypt_rounds: int = Field(default=12, ge=4, le=31)
    policy_dir: Path = Path("policies")
    #: Reload the policy when a file in `policy_dir` changes. Off: reload with SIGHUP or
    #: `rbac-api policy reload` only (for file systems where watching does not work).
    policy_watch: bool = True
    #: Where a serving process registers its pid for `rbac-api policy reload`. `rbac-api serve` uses
    #: `var/run` when this is not set; None elsewhere means the process does not register.
    pid_dir: Path | None = None
    allow_signup: bool = False
    admin_password: SecretStr | None = None
    #: Staleness bound: how long another instance's change to a user (disable, delete, role removal,
    #: password change) may take to reach this instance. The instance making a change sees it at once.
    user_cache_seconds: float = Field(default=5.0, ge=0, le=300)
    #: Verified tokens kept so a repeated token skips signature checks; entries never outlive `exp`.
    token_cache_size: int = Field(default=10_000, ge=0, le=1_000_000)
    #: Clock skew tolerated on `exp`, `nbf` and `iat`.
    leeway_seconds: int = Field(default=5, ge=0, le=30)
    #: A login session (its refresh tokens) ends this long after the login, however often it is refreshed.
    refresh_token_days: float = Field(default=14, gt=0, le=365)
    #: The longest life a personal API token may be given (`expires_in_days`), and how many one user holds.
    api_token_max_days: int = Field(default=365, ge=1, le=3650)
    api_tokens_per_user: int = Field(default=100, ge=1, le=10_000)
    #: After a service account's secret is rotated, the previous secret keeps working this long.
    client_secret_overlap_seconds: float = Field(default=86_400, ge=0, le=30 * 86_400)

    #: Failed logins allowed per (user name, client address) pair, and per client address, in the window.
    login_max_failures: int = Field(default=5, ge=1, le=10_000)
    login_max_failures_per_address: int = Field(default=100, ge=1, le=1_000_000)
    login_window_seconds: float = Field(default=900, gt=0, le=86_400)
    #: Anonymous sign-ups allowed per client address in the login window (when sign-up is on).
    signup_max_per_address: int = Field(default=10, ge=1, le=1_000_000)

    #: Largest request body of any route (REST, GraphQL, an application's own); larger ones get a 413.
    max_body_bytes: int = Field(default=DEFAULT_MAX_BODY_BYTES, ge=1, le=1 << 30)
    #: Largest request head (request line and header fields) `rbac-api serve` reads; larger ones get a 431.
    max_header_bytes: int = Field(default=DEFAULT_MAX_HEADER_BYTES, ge=1024, le=1 << 20)
    #: Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` `rbac-api serve` believes (comma-separated
    #: addresses or networks, `*` for any). Unset: nobody's, so a client cannot name its own address to get
    #: round the per-address login throttle. Behind a proxy, list it, or every client counts as the proxy.
    forwarded_allow_ips: str | None = None

    #: GraphQL abuse limits. Depth counts nested selections; aliases are counted through fragment spreads.
    graphql_max_depth: int = Field(default=10, ge=1, le=100)
    graphql_max_aliases: int = Field(default=20, ge=0, le=1000)
    graphql_max_tokens: int = Field(default=2000, ge=50, le=100_000)
    #: Characters per document, checked before parsing (comments count).
    graphql_max_query_length: int = Field(default=32 * 1024, ge=100, le=10 * 1024 * 1024)
    #: Fields counted through fragments, each times the page size (`first`) of the lists above it. The
    #: default passes a page of 100 of every field of the service's schema at once (about 2,000).
    graphql_max_complexity: int = Field(default=5000, ge=1, le=10_000_000)
    #: Memory the cache of valid documents may hold (an estimate of text and parsed form).
    graphql_cache_bytes: int = Field(default=64 * 1024 * 1024, ge=0, le=4 * 1024 * 1024 * 1024)
    #: None means on in development, off in production.
    graphql_introspection: bool | None = None
    graphql_suggestions: bool | None = None
    graphql_ide: bool | None = None
    #: Queries over GET (never mutations).
    graphql_allow_get: bool = True
    #: The policy console at `/console`: read-only, and every view needs a token with `policy:read`, so it
    #: is on in production too. Off: `/console` and its files are a 404.
    console: bool = True
    #: One line per request on standard output, in uvicorn's format, secrets in query strings redacted.
    access_log: bool = True
    #: Traces and metrics through `opentelemetry-instrumentation-fastapi` (`pip install 'rbac-api[otel]'`).
    #: Off: FastAPI's own per-request OpenTelemetry probe is skipped as well.
    opentelemetry: bool = False

    def dev_default(self, value: bool | None) -> bool:
        """Resolve an on-in-development, off-in-production switch."""
        return self.env == "development" if value is None else value

    def key_set(self) -> KeySet:
        """The keys that sign and verify tokens, or a `ConfigError` naming the fix."""
        from rbac_api.core.keys import ASYMMETRIC_ALGORITHMS, KeyFileError, asymmetric_key_set, hmac_key_set

        if self.algorithm not in ASYMMETRIC_ALGORITHMS:
            if self.signing_key_file is not None:
                raise ConfigError(
                    f"RBAC_SIGNING_KEY_FILE is set but RBAC_ALGORITHM is {self.algorithm}; "
                    "set RBAC_ALGORITHM to the key's algorithm (RS256, ES256 or EdDSA)"
                )
            return hmac_key_set(self.algorithm, self.signing_key())
        if self.signing_key_file is None:
            raise ConfigError(
                f"RBAC_ALGORITHM={self.algorithm} needs RBAC_SIGNING_KEY_FILE, a PEM private key; "
                f"create one with: rbac-api keys generate --algorithm {self.algorithm}"
            )
        verify = [Path(part.strip()) for part in self.verify_key_files.split(",") if part.strip()]
        try:
            return asymmetric_key_set(self.algorithm, self.signing_key_file, verify)
        except KeyFileError as exc:
            raise ConfigError(str(exc)) from None

    def signing_key(self) -> bytes:
        """The HMAC key, or a `ConfigError` saying how to provide one.

        In development a missing key is generated once into `secret_file` (mode 0600) and reused.
        """
        if self.secret_key is not None:
            key = self.secret_key.get_secret_value()
            self._refuse_weak_in_production(key)
            return key.encode()
        if self.env == "production":
            raise ConfigError(
                "RBAC_SECRET_KEY is required in production; set it to at least 32 random bytes, "
                'e.g. python3 -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        return _read_or_create_dev_secret(self.secret_file).encode()

    def _refuse_weak_in_production(self, key: str) -> None:
        if self.env != "production":
            return
        if key.startswith(DEV_SECRET_PREFIX) or key.lower() in KNOWN_PLACEHOLDER_SECRETS:
            raise ConfigError(
                "RBAC_SECRET_KEY is a development default; set a fresh random secret in production"
            )
        needed = MIN_SECRET_BYTES.get(self.algorithm, 32)
        if len(key.encode()) < needed:
            raise ConfigError(
                f"RBAC_SECRET_KEY is {len(key.encode())} bytes; "
                f"production needs at least {needed} for {self.algorithm}"
            )


def _read_or_create_dev_secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = DEV_SECRET_PREFIX + secrets.token_urlsafe(64)
    # O_EXCL: two processes starting at once must not both write; the loser reads the winner's secret.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secret + "\n")
    return secret
