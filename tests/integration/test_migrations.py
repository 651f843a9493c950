"""The migrations build exactly the schema the models describe, and go down and up again cleanly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from core.bootstrap import Core, build_core
from core.config import Settings
from core.migrate import alembic_config, upgrade
from core.models import Base
from tests.conftest import ON_POSTGRES


def differences(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def test_the_migrated_schema_is_the_models_schema(core: Core) -> None:
    async with core.engine.connect() as connection:
        found = await connection.run_sync(differences)
    assert found == []


@pytest.mark.skipif(ON_POSTGRES, reason="the PostgreSQL run shares one migrated schema; SQLite shows the round trip")
async def test_every_migration_goes_down_and_up_again(tmp_path: Path) -> None:
    settings = Settings(environment="test", database_url=f"sqlite+aiosqlite:///{tmp_path / 'trip.sqlite3'}")

    def round_trip() -> None:
        upgrade(settings)
        command.downgrade(alembic_config(settings), "base")
        upgrade(settings)

    await asyncio.to_thread(round_trip)
    built = build_core(settings)
    try:
        async with built.engine.connect() as connection:
            assert await connection.run_sync(differences) == []
    finally:
        await built.close()
