"""Settings: defaults for development, refusal of default secrets in production."""

from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from core.config import Settings


def test_development_runs_on_an_embedded_sqlite_file_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("REDIS_URL", raising=False)
    settings = Settings(_env_file=None, environment="development")  # type: ignore[call-arg]
    assert settings.is_sqlite and settings.database_url.endswith("var/b2bot.sqlite3")
    assert settings.redis_url is None


def test_production_refuses_default_secrets() -> None:
    with pytest.raises(ValidationError, match="secret_key"):
        Settings(_env_file=None, environment="production")  # type: ignore[call-arg]


def test_production_accepts_real_secrets_and_never_prints_them() -> None:
    names = ("secret_key", "webhook_signing_secret", "webchat_identity_secret")
    secrets = {name: SecretStr("s3cr3t-value") for name in names}
    settings = Settings(_env_file=None, environment="production", **secrets)  # type: ignore[call-arg, arg-type]
    assert "s3cr3t-value" not in repr(settings) and "s3cr3t-value" not in str(settings.model_dump())
