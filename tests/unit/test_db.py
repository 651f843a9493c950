"""The engine follows its settings: PostgreSQL pre-pings pooled connections only when asked to."""

from __future__ import annotations

import pytest

from core.config import Settings
from core.db import create_engine

PG = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


@pytest.mark.parametrize("pre_ping", [False, True])
async def test_pre_ping_is_the_settings_choice(pre_ping: bool) -> None:
    engine = create_engine(Settings(environment="test", database_url=PG, database_pool_pre_ping=pre_ping))
    try:
        assert engine.pool._pre_ping is pre_ping  # the pool keeps it private
    finally:
        await engine.dispose()
