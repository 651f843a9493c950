"""`b2bot telegram ...` (set-webhook, delete-webhook, poll) and `b2bot invite CONTACT`.

The webhook is registered with the secret Telegram will send back in `X-Telegram-Bot-Api-Secret-Token`, and
with the update kinds b2bot handles. `poll` runs the bot by long polling (what `make run` does when a token is
set and TELEGRAM_MODE=polling). `invite` prints a single-use, expiring invite and its `t.me` deep link.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Coroutine
from typing import Annotated, Any
from urllib.parse import urlsplit

import typer
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.methods import DeleteWebhook, GetMe, SetWebhook
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from b2bot.bootstrap import build_runtime
from bots.telegram import ALLOWED_UPDATES, TelegramChannel, TelegramSender, create_bot, run_polling
from core.bootstrap import build_core
from core.config import Settings, get_settings
from core.errors import DomainError, NotFound
from core.models import Contact
from core.services import invites
from core.services.onboarding import normalize_phone

telegram_app = typer.Typer(help="The Telegram bot: webhook registration and long polling.", no_args_is_help=True)


def bot_from(settings: Settings) -> Bot:
    """The bot for the configured token and Bot API server; exits with a clear message when no token is set."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        typer.echo("set TELEGRAM_BOT_TOKEN (from @BotFather) first", err=True)
        raise typer.Exit(1)
    return create_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)


@telegram_app.command("set-webhook")
def set_webhook(
    url: Annotated[str, typer.Argument(help="Public HTTPS URL of this app's /telegram/webhook.")],
    drop_pending: Annotated[bool, typer.Option("--drop-pending", help="Discard updates waiting at Telegram.")]
    = False,
) -> None:
    """Tell Telegram to deliver updates to URL, signed with TELEGRAM_WEBHOOK_SECRET."""
    settings = get_settings()
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise typer.BadParameter("give a full URL, e.g. https://bot.example.com/telegram/webhook", param_hint="URL")
    secret = settings.telegram_webhook_secret.get_secret_value() if settings.telegram_webhook_secret else ""
    if not secret:
        typer.echo("set TELEGRAM_WEBHOOK_SECRET first: Telegram sends it back and b2bot refuses updates without it",
                   err=True)
        raise typer.Exit(1)

    async def run() -> None:
        bot = bot_from(settings)
        try:
            await bot(SetWebhook(url=url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                 drop_pending_updates=drop_pending))
        finally:
            await bot.session.close()

    _call_telegram(run())
    typer.echo(f"webhook set: {url}")


@telegram_app.command("delete-webhook")
def delete_webhook() -> None:
    """Stop webhook delivery (needed before long polling; `poll` does it itself)."""
    settings = get_settings()

    async def run() -> None:
        bot = bot_from(settings)
        try:
            await bot(DeleteWebhook(drop_pending_updates=False))
        finally:
            await bot.session.close()

    _call_telegram(run())
    typer.echo("webhook deleted")


@telegram_app.command("poll")
def poll() -> None:
    """Run the bot by long polling until interrupted."""
    settings = get_settings()
    logging.basicConfig(level=settings.log_level)
    bot = bot_from(settings)
    try:
        asyncio.run(poll_until_stopped(settings, bot))
    except KeyboardInterrupt:
        typer.echo("stopped")


async def poll_until_stopped(settings: Settings, bot: Bot, stop: asyncio.Event | None = None) -> None:
    """The polling wiring: core, a Telegram sender registered as a channel, the gateway, the runner."""
    core = build_core(settings)
    sender = TelegramSender(bot, core.uow)
    runtime = await build_runtime(settings, core=core, senders=[sender])
    try:
        await run_polling(TelegramChannel(runtime.core, runtime.gateway, sender), stop=stop)
    finally:
        await runtime.close()
        await bot.session.close()


def invite_command(
    contact: Annotated[str, typer.Argument(help="The contact's e-mail, phone or id.")],
    days: Annotated[int, typer.Option(min=1, max=90, help="Days the invite stays valid.")] = 7,
) -> None:
    """Create a single-use invite for a contact; prints the code and, with a bot token, the t.me link."""
    settings = get_settings()
    try:
        created = asyncio.run(create_invite_for(settings, contact, dt.timedelta(days=days)))
    except DomainError as refused:
        typer.echo(refused.message, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"invite code: {created.token}")
    typer.echo(f"valid until: {created.expires_at:%Y-%m-%d %H:%M} UTC")
    if created.telegram_link:
        typer.echo(f"Telegram link: {created.telegram_link}")


async def create_invite_for(settings: Settings, login: str, ttl: dt.timedelta) -> invites.CreatedInvite:
    username = await _bot_username(settings)
    core = build_core(settings)
    try:
        async with core.uow() as uow:
            contact_id = await _contact_id(uow.session, login)
            created = await invites.create_invite(uow.session, contact_id, now=core.clock.now(), ttl=ttl,
                                                  telegram_bot_username=username)
            await uow.commit()
        return created
    finally:
        await core.close()


async def _contact_id(session: AsyncSession, login: str) -> int:
    clean = login.strip()
    conditions = [func.lower(Contact.email) == clean.lower()]
    if clean.isdigit() and len(clean) < 10:
        conditions.append(Contact.id == int(clean))
    else:
        with contextlib.suppress(DomainError):
            conditions.append(Contact.phone == normalize_phone(clean))
    found = await session.scalar(select(Contact.id).where(or_(*conditions), Contact.is_active.is_(True)))
    if found is None:
        raise NotFound(f"no active contact with the e-mail, phone or id {login!r}")
    return int(found)


async def _bot_username(settings: Settings) -> str | None:
    """The bot's username for the deep link, when a token is configured and Telegram answers."""
    if settings.telegram_bot_token is None or not settings.telegram_bot_token.get_secret_value():
        return None
    bot = create_bot(settings.telegram_bot_token.get_secret_value(), settings.telegram_api_base)
    try:
        me = await bot(GetMe())
    except TelegramAPIError as failure:
        typer.echo(f"could not ask Telegram for the bot's name ({failure}); no link printed", err=True)
        return None
    finally:
        await bot.session.close()
    return me.username


def _call_telegram(job: Coroutine[Any, Any, None]) -> None:
    try:
        asyncio.run(job)
    except TelegramAPIError as failure:
        typer.echo(f"Telegram refused: {failure}", err=True)
        raise typer.Exit(1) from None
