"""`b2bot apikey`: create, list and revoke the admin API's integration keys."""

from __future__ import annotations

import asyncio

import typer

from core.bootstrap import build_core
from core.config import get_settings
from core.errors import DomainError
from core.services import apikeys

apikey_app = typer.Typer(help="Admin API keys for integrations.", no_args_is_help=True, add_completion=False)


@apikey_app.command("create")
def create(
    name: str = typer.Option(..., help="Who uses the key, e.g. 'accounting' or 'crm'."),
    scopes: str = typer.Option(..., help=f"Comma-separated, from: {', '.join(apikeys.SCOPES)}."),
) -> None:
    """Create a key and print it once: only its hash is kept."""

    async def run() -> apikeys.CreatedApiKey:
        core = build_core(get_settings())
        try:
            async with core.uow() as uow:
                created = await apikeys.create_api_key(
                    uow.session, name=name, scopes=[s.strip() for s in scopes.split(",") if s.strip()],
                    server_secret=core.settings.secret_key.get_secret_value(), now=core.clock.now(),
                )
                await uow.commit()
            return created
        finally:
            await core.close()

    try:
        created = asyncio.run(run())
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key {created.key.id} '{created.key.name}' scopes={','.join(created.key.scopes)}")
    typer.echo("store it now, it is not shown again:")
    typer.echo(created.secret)


@apikey_app.command("list")
def list_keys() -> None:
    """List keys (prefix, scopes, state); secrets are never shown."""

    async def run() -> list[apikeys.ApiKeyView]:
        core = build_core(get_settings())
        try:
            async with core.uow() as uow:
                return await apikeys.list_api_keys(uow.session)
        finally:
            await core.close()

    for key in asyncio.run(run()):
        state = f"revoked {key.revoked_at:%Y-%m-%d}" if key.revoked_at else "active"
        used = f"{key.last_used_at:%Y-%m-%d %H:%M}" if key.last_used_at else "never"
        typer.echo(f"{key.id}\t{key.name}\tb2b_{key.prefix}_…\t{','.join(key.scopes)}\t{state}\tlast used {used}")


@apikey_app.command("revoke")
def revoke(key_id: int = typer.Argument(..., help="The key's id, from `b2bot apikey list`.")) -> None:
    """Revoke a key at once; requests with it get 401 from then on."""

    async def run() -> apikeys.ApiKeyView:
        core = build_core(get_settings())
        try:
            async with core.uow() as uow:
                view = await apikeys.revoke_api_key(uow.session, key_id, now=core.clock.now())
                await uow.commit()
                return view
        finally:
            await core.close()

    try:
        view = asyncio.run(run())
    except DomainError as error:
        typer.echo(f"error: {error.message}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"key {view.id} '{view.name}' revoked")
