"""`b2bot apikey`: create prints the key once, list never shows secrets, revoke stops the key."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from b2bot.apikey_cli import apikey_app
from core.config import Settings, get_settings


@pytest.fixture
def cli_settings(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    if settings.database_schema:
        monkeypatch.setenv("DATABASE_SCHEMA", settings.database_schema)
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_a_key_is_created_listed_without_its_secret_and_revoked(cli_settings: Settings) -> None:
    runner = CliRunner()
    created = runner.invoke(apikey_app, ["create", "--name", "accounting", "--scopes", "sync,orders"])
    assert created.exit_code == 0, created.output
    secret = created.output.strip().splitlines()[-1]
    assert secret.startswith("b2b_")
    listed = runner.invoke(apikey_app, ["list"])
    assert "accounting" in listed.output and "orders,sync" in listed.output and secret not in listed.output
    key_id = listed.output.split("\t", 1)[0]
    revoked = runner.invoke(apikey_app, ["revoke", key_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert "revoked" in runner.invoke(apikey_app, ["list"]).output


def test_an_unknown_scope_is_refused_with_a_clear_error(cli_settings: Settings) -> None:
    result = CliRunner().invoke(apikey_app, ["create", "--name", "x", "--scopes", "root"])
    assert result.exit_code == 2 and "scopes must be some of" in result.output
