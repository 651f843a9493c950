"""The `b2bot` command line: serve, migrate, seed-demo, and the commands later issues add."""

from __future__ import annotations

import asyncio
import logging
import time

import typer

from b2bot.apikey_cli import apikey_app
from b2bot.chat_cli import chat
from b2bot.nlu_cli import nlu_app
from b2bot.telegram_cli import invite_command, telegram_app
from core.config import get_settings

app = typer.Typer(help="b2bot: messenger-first B2B ordering.", no_args_is_help=True, add_completion=False)
app.add_typer(nlu_app, name="nlu")
app.add_typer(apikey_app, name="apikey")
app.add_typer(telegram_app, name="telegram")
app.command("invite")(invite_command)
app.command("chat")(chat)


@app.command()
def migrate(revision: str = typer.Argument("head", help="Alembic revision to upgrade to.")) -> None:
    """Bring the database schema up to date."""
    from core.migrate import upgrade

    settings = get_settings()
    upgrade(settings, revision)
    typer.echo(f"database at {revision} ({settings.database_url.split('://', 1)[0]})")


@app.command("seed-demo")
def seed_demo(
    seed: int = typer.Option(42, help="Random seed: the same seed gives the same supplier."),
    products: int = typer.Option(5000, min=100, max=1_000_000, help="How many products."),
    companies: int = typer.Option(50, min=3, max=10_000, help="How many customer companies."),
    if_empty: bool = typer.Option(False, "--if-empty", help="Do nothing when the catalogue has products."),
) -> None:
    """Fill the database with a believable demo supplier."""
    from core.bootstrap import build_core
    from core.demo import catalogue_is_empty, seed_demo_data
    from core.errors import DomainError

    async def run() -> None:
        core = build_core(get_settings())
        try:
            if if_empty and not await catalogue_is_empty(core.uow):
                typer.echo("demo data: database already has a catalogue, left as it is")
                return
            started = time.perf_counter()
            try:
                summary = await seed_demo_data(core.uow, seed=seed, products=products, companies=companies)
            except DomainError as refused:
                typer.echo(f"demo data refused: {refused.message}", err=True)
                raise typer.Exit(1) from refused
            typer.echo(f"demo data: {summary} in {time.perf_counter() - started:.1f} s")
        finally:
            await core.close()

    asyncio.run(run())


@app.command()
def serve(
    host: str | None = typer.Option(None, help="Interface to bind (default: HOST setting)."),
    port: int | None = typer.Option(None, help="Port (default: PORT setting)."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Serve the one ASGI app: health, the admin API and its docs, and the channels."""
    import uvicorn

    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    uvicorn.run(
        "b2bot.app:serve_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        log_level=settings.log_level.lower(),
    )
