"""Run Alembic migrations programmatically (used by `b2bot migrate`, `make run` and the tests)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

from core.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", settings.database_url)
    config.attributes["settings"] = settings
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    """Bring the schema to `revision`. Safe to call from inside a running event loop's thread pool."""
    command.upgrade(alembic_config(settings), revision)


def head_revision() -> str | None:
    """The newest migration this code ships: a database at another revision needs `b2bot migrate`."""
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(config).get_current_head()


async def upgrade_async(settings: Settings, revision: str = "head") -> None:
    # Alembic's env runs its own event loop, so it must run in a worker thread.
    await asyncio.to_thread(upgrade, settings, revision)
