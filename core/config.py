"""Settings: one pydantic-settings class read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET = "change-me"  # noqa: S105 - the placeholder that production refuses
VAR_DIR = Path("var")


class Settings(BaseSettings):
    """Everything b2bot reads from its environment, in one place."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite+aiosqlite:///{VAR_DIR / 'b2bot.sqlite3'}"
    database_schema: str | None = None  # PostgreSQL search_path; the tests use one schema per run
    database_echo: bool = False
    # Check each pooled PostgreSQL connection with a round trip before use. Off: a connection a server restart
    # broke fails its one request and the pool is then refreshed; on: safer through flaky networks.
    database_pool_pre_ping: bool = False
    redis_url: str | None = None

    # Secrets: refused at their defaults outside development and tests.
    secret_key: SecretStr = SecretStr(DEFAULT_SECRET)
    webhook_signing_secret: SecretStr = SecretStr(DEFAULT_SECRET)
    webchat_identity_secret: SecretStr = SecretStr(DEFAULT_SECRET)

    # Commerce rules.
    default_currency: str = "RUB"
    max_line_quantity: int = Field(default=100_000, gt=0)
    max_cart_lines: int = Field(default=500, gt=0)
    loyalty_redeem_cap_percent: int = Field(default=30, ge=0, le=100)
    loyalty_points_ttl_days: int = Field(default=365, gt=0)
    quote_valid_minutes: int = Field(default=60, gt=0)

    # Delivery providers.
    delivery_zones_file: Path | None = None  # None: the table shipped in core/data/
    delivery_http_url: str | None = None
    delivery_http_timeout_s: float = Field(default=3.0, gt=0)
    delivery_http_token: SecretStr | None = None

    # Channels and NLU (used by later layers; read here so there is one place to look).
    telegram_bot_token: SecretStr | None = None
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr | None = None
    telegram_api_base: str = "https://api.telegram.org"
    telegram_bot_username: str | None = None  # for invite deep links t.me/<name>?start=<token>
    # Sending pace: Telegram's limits by default; raised for a self-hosted Bot API server or a benchmark's fake.
    telegram_rate_per_chat: float = Field(default=1.0, gt=0)  # messages a second to one chat, bursts of 3
    telegram_rate_overall: float = Field(default=30.0, gt=0)  # messages a second to all chats together
    whatsapp_verify_token: SecretStr | None = None
    whatsapp_app_secret: SecretStr | None = None
    whatsapp_access_token: SecretStr | None = None
    whatsapp_phone_number_id: str | None = None
    whatsapp_api_base: str = "https://graph.facebook.com/v21.0"
    # Notification kind (order_status, back_in_stock, ...) -> the name of an approved message template, used
    # outside the 24-hour customer-service window; a kind without one is held until the customer writes.
    whatsapp_templates: dict[str, str] = Field(default_factory=dict)
    whatsapp_messages_per_second: float = Field(default=80.0, gt=0)  # Cloud API throughput per business number
    whatsapp_recipient_interval_s: float = Field(default=6.0, gt=0)  # pacing per recipient (Meta's pair limit)
    whatsapp_recipient_burst: int = Field(default=10, gt=0)  # messages a recipient may get at once (one turn)
    rasa_url: str | None = None
    nlu_cache_dir: Path = VAR_DIR / "nlu-cache"

    # Admin API and outbound webhooks.
    api_rate_per_second: float = Field(default=20.0, gt=0)
    api_rate_burst: int = Field(default=100, gt=0)
    staff_session_hours: int = Field(default=12, gt=0)
    worker_kick_interval_s: float = Field(default=5.0, gt=0)
    # The order export leaves out changes younger than this, so a transaction that commits late (its
    # updated_at older than a change already exported) is never skipped by a cursor that moved past it.
    order_export_settle_s: float = Field(default=5.0, ge=0, le=3600)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, gt=0, lt=65536)
    log_level: str = "INFO"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @model_validator(mode="after")
    def _refuse_default_secrets(self) -> Settings:
        if self.environment == "production":
            defaults = [
                name
                for name in ("secret_key", "webhook_signing_secret", "webchat_identity_secret")
                if getattr(self, name).get_secret_value() == DEFAULT_SECRET
            ]
            if defaults:
                raise ValueError(f"set these secrets before running in production: {', '.join(defaults)}")
        return self


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings; tests clear the cache or pass their own `Settings`."""
    return Settings()
