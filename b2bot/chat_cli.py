"""`b2bot chat`: a terminal conversation through the one gateway, as a chosen contact or as a guest.

Buttons are shown as numbered choices; typing the number presses the button. With a terminal on standard
input it prompts ("> "); otherwise it reads one message per line and prints each reply, so sessions can be
scripted: `printf 'hi\\n/lang ru\\nбаланс\\n' | b2bot chat --as buyer@demo.b2bot`.
"""

from __future__ import annotations

import asyncio
import sys
import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Annotated, TextIO

import typer
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession

from b2bot.bootstrap import Runtime, build_runtime
from bots.console.translate import CHANNEL, CONSOLE_CAPABILITIES, ConsoleSession
from bots.fallback import presenter
from bots.registry import ConsoleSender
from core.bootstrap import Core, build_core
from core.config import Settings, get_settings
from core.errors import DomainError
from core.migrate import head_revision
from core.models import Contact, Product
from core.services import conversations
from core.services.onboarding import normalize_phone
from dialogs.i18n import normalize_locale

QUIT = frozenset({"/quit", "/exit"})


class ChatSetupError(Exception):
    """Something the user must fix before chatting (an unmigrated database, an unknown contact)."""


def chat(
    as_: Annotated[str | None, typer.Option("--as", help="Chat as this contact (e-mail or phone); a guest if omitted.")]
    = None,
    lang: Annotated[str | None, typer.Option("--lang", help="en or ru (default: the saved choice, else English).")]
    = None,
) -> None:
    """Chat with the bot in the terminal, through the same pipeline as the messengers."""
    if lang is not None and normalize_locale(lang) is None:
        raise typer.BadParameter("choose en or ru", param_hint="--lang")
    try:
        asyncio.run(run_chat(get_settings(), as_, normalize_locale(lang), sys.stdin, interactive=sys.stdin.isatty()))
    except ChatSetupError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None


async def run_chat(
    settings: Settings, login: str | None, locale: str | None, lines: TextIO, *, interactive: bool
) -> None:
    core = build_core(settings)
    try:
        await check_database(core)
    except ChatSetupError:
        await core.close()
        raise
    if interactive:
        typer.echo("b2bot chat: loading the language model…", err=True)
    notices = ConsoleSender(lambda text: typer.echo(f"[notification] {text}"))
    runtime = await build_runtime(settings, core=core, senders=[notices])
    try:
        session = await open_session(runtime, login, locale)
        if interactive:
            who = login or "a guest"
            typer.echo(f"Chatting as {who}. Numbers press buttons; /lang ru, /help, /quit.", err=True)
        await converse(runtime, session, _lines(lines, interactive))
    finally:
        await runtime.close()


async def open_session(runtime: Runtime, login: str | None, locale: str | None) -> ConsoleSession:
    """Check the database, find the contact, and tie a console identity to it (unlinked for a guest)."""
    # A guest starts afresh every run; a contact keeps one console identity (and its history).
    external_id = f"{CHANNEL}:{login.strip().lower()}" if login else f"{CHANNEL}:guest-{uuid.uuid4().hex[:8]}"
    core = runtime.core
    async with core.uow() as uow:
        contact_id = await _find_contact(uow.session, login) if login else None
        identity = await conversations.resolve_identity(uow.session, CHANNEL, external_id, now=core.clock.now())
        if contact_id is not None:
            await conversations.link_identity(uow.session, identity.id, contact_id)
        if locale is not None:
            await conversations.set_locale(uow.session, identity.id, locale)
        conversation = await conversations.conversation_for(uow.session, identity)
        if conversation.bot_is_silent:
            # Nobody else answers a console: a handover left open by an earlier run ends here.
            await conversations.hand_back(uow.session, conversation.id, now=core.clock.now())
        await uow.commit()
    return ConsoleSession(user_id=external_id, locale_hint=locale)


async def check_database(core: Core) -> None:
    """A clear word when the schema is missing (refuse) or the catalogue empty (warn)."""
    async with core.uow() as uow:
        try:
            has_products = await uow.session.scalar(select(Product.id).limit(1)) is not None
            revision = await uow.session.scalar(text("SELECT version_num FROM alembic_version"))
        except DBAPIError:
            raise ChatSetupError(
                "the database has no b2bot tables yet: run `b2bot migrate` (and `b2bot seed-demo` for a demo)"
            ) from None
    if revision != head_revision():
        raise ChatSetupError(f"the database schema ({revision}) is not this b2bot's ({head_revision()}): "
                             "run `b2bot migrate`")
    if not has_products:
        typer.echo("the catalogue is empty: `b2bot seed-demo` fills it with a demo supplier", err=True)


async def _find_contact(session: AsyncSession, login: str) -> int:
    phone: str | None
    try:
        phone = normalize_phone(login) if "@" not in login else None
    except DomainError:
        phone = None
    conditions = [func.lower(Contact.email) == login.strip().lower()]
    if phone is not None:
        conditions.append(Contact.phone == phone)
    contact_id = await session.scalar(select(Contact.id).where(or_(*conditions), Contact.is_active.is_(True)))
    if contact_id is None:
        raise ChatSetupError(f"no active contact with the e-mail or phone {login!r}")
    return int(contact_id)


async def converse(runtime: Runtime, session: ConsoleSession, lines: Iterator[str]) -> None:
    """One gateway turn per line; replies printed as the console renders them."""
    present = presenter(CONSOLE_CAPABILITIES)
    run = uuid.uuid4().hex[:12]  # message ids must not repeat across runs: the gateway drops repeats
    for line in lines:
        if line.strip() in QUIT:
            return
        try:
            inbound = session.read(line, runtime.core.clock.now())
        except DomainError as error:
            typer.echo(error.message)
            continue
        if inbound is None:
            continue
        inbound = replace(inbound, message_id=f"{run}-{inbound.message_id}")
        adapted = await runtime.gateway.handle(inbound, present)
        if adapted is None or not adapted.messages:
            typer.echo("(a manager has this conversation; your message is passed on)")
            continue
        typer.echo(session.show(adapted.messages))
        typer.echo("")


def _lines(stream: TextIO, interactive: bool) -> Iterator[str]:
    if not interactive:
        yield from (line.rstrip("\n") for line in stream)
        return
    while True:
        try:
            yield input("> ")
        except EOFError:
            return
