"""Settings: environment names, the generated development secret, production refusals."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from rbac_api import ConfigError, Settings, create_app
from rbac_api.settings import DEV_SECRET_PREFIX
from tests.conftest import make_settings


def test_settings_come_from_rbac_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    env = {
        "RBAC_DATABASE_URL": "sqlite:///x.db",
        "RBAC_SECRET_KEY": "k" * 64,
        "RBAC_ALGORITHM": "HS512",
        "RBAC_ISSUER": "https://auth.example",
        "RBAC_AUDIENCE": "api://example",
        "RBAC_ACCESS_TOKEN_MINUTES": "5",
        "RBAC_BCRYPT_ROUNDS": "10",
        "RBAC_POLICY_DIR": "/etc/rbac",
        "RBAC_ALLOW_SIGNUP": "true",
        "RBAC_ADMIN_PASSWORD": "first-admin-password",
        "RBAC_ENV": "production",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert (settings.database_url, settings.algorithm, settings.issuer, settings.audience) == (
        "sqlite:///x.db",
        "HS512",
        "https://auth.example",
        "api://example",
    )
    assert (settings.access_token_minutes, settings.bcrypt_rounds, settings.allow_signup, settings.env) == (
        5,
        10,
        True,
        "production",
    )
    assert settings.policy_dir == Path("/etc/rbac")
    assert settings.signing_key() == b"k" * 64


def test_defaults_are_fifteen_minutes_and_twelve_rounds() -> None:
    settings = Settings(_env_file=None)
    assert (settings.access_token_minutes, settings.bcrypt_rounds, settings.env) == (15, 12, "development")


def test_development_generates_a_private_secret_once(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, secret_key=None)
    first = settings.signing_key()
    assert first.startswith(DEV_SECRET_PREFIX.encode())
    assert stat.S_IMODE((tmp_path / "dev-secret").stat().st_mode) == 0o600
    assert make_settings(tmp_path, secret_key=None).signing_key() == first


@pytest.mark.parametrize(
    ("secret", "reason"),
    [
        (None, "RBAC_SECRET_KEY is required in production"),
        ("too-short-secret", "production needs at least 32"),
        (DEV_SECRET_PREFIX + "x" * 64, "development default"),
        ("changethis", "development default"),
    ],
    ids=["missing", "short", "generated-dev-secret", "placeholder"],
)
def test_production_refuses_to_start_with_a_weak_secret(
    tmp_path: Path, secret: str | None, reason: str
) -> None:
    settings = make_settings(tmp_path, env="production", secret_key=secret)
    with pytest.raises(ConfigError, match=reason) as raised:
        create_app(settings)
    assert "\n" not in str(raised.value)


def test_production_starts_with_a_strong_secret(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path, env="production", secret_key="s" * 32))
    assert app.docs_url is None


def test_unsupported_algorithm_is_refused() -> None:
    with pytest.raises(ValueError, match="algorithm"):
        Settings(algorithm="none")  # type: ignore[arg-type]
