"""A handover end to end: a purchaser asks for a manager through the gateway, the manager takes the conversation,
replies through the admin API on the purchaser's own channel, and hands back to the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest

from admin_api.main import create_admin_api
from bots.gateway import Gateway
from bots.registry import ChannelRegistry
from core.bootstrap import Core
from core.models import LedgerKind, StaffRole
from core.services import conversations, staff
from dialogs.i18n import t
from tests.factories import Build
from tests.fakes.channel_sender import RecordingSender
from tests.gateway_harness import ChatUser, engines_for_tests


@dataclass
class Desk:
    user: ChatUser
    channel: RecordingSender
    api: httpx.AsyncClient  # signed in as Olga, the company's account manager
    olga: int


@pytest.fixture
async def desk(core: Core) -> AsyncIterator[Desk]:
    now = core.clock.now()
    async with core.uow() as uow:
        olga = await staff.create_staff_user(uow.session, email="olga@supplier.test", name="Olga",
                                             role=StaffRole.MANAGER, password="olga's long password")
        build = Build(uow.session)
        _, company, contact = await build.actor(name="Alpha Trade", account_manager_id=olga.id)
        await build.ledger(company, LedgerKind.INVOICE, "1000.00", days_ago=5, due_in_days=30)
        await build.ledger(company, LedgerKind.PAYMENT, "400.00", days_ago=2)
        identity = await conversations.resolve_identity(uow.session, "test", "alice", now=now)
        await conversations.link_identity(uow.session, identity.id, contact.id)
        await uow.commit()
    channel = RecordingSender()
    core.notifier = ChannelRegistry(core.uow, [channel], clock=core.clock)
    api = create_admin_api(core, rate_burst=100_000, rate_per_second=100_000)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://test") as client:
        login = await client.post("/auth/login", json={"email": "olga@supplier.test",
                                                       "password": "olga's long password"})
        client.headers["Authorization"] = f"Bearer {login.json()['token']}"
        yield Desk(ChatUser(Gateway(core, engines_for_tests(core)), user_id="alice"), channel, client, olga.id)


async def test_a_manager_takes_replies_on_the_clients_channel_and_hands_back_to_the_bot(desk: Desk) -> None:
    user, api = desk.user, desk.api
    called = await user.say("manager")
    assert "Olga" in called and "/menu" in called
    assert await user.say("Where is the invoice for my last order?") == ""  # silent, logged for the manager

    waiting = (await api.get("/conversations", params={"status": "waiting"})).json()["items"]
    assert [(c["channel"], c["assignee_id"]) for c in waiting] == [("test", desk.olga)]
    conversation = f"/conversations/{waiting[0]['id']}"
    assert (await api.post(f"{conversation}/take")).json()["conversation"]["status"] == "agent"
    assert await user.say("Hello?") == ""  # still the manager's

    reply = await api.post(f"{conversation}/messages", json={"text": "Hi! I'm sending it now."})
    assert reply.status_code == 201, reply.text
    assert desk.channel.sent == [("alice", "Olga: Hi! I'm sending it now.")]

    handed = await api.post(f"{conversation}/hand-back")
    assert handed.json()["client_told"] is True and handed.json()["conversation"]["status"] == "bot"
    assert desk.channel.sent[-1] == ("alice", t("en", "handover.back_to_bot"))
    assert "600.00" in await user.say("balance")  # the bot answers again

    transcript = (await api.get(conversation)).json()["transcript"]
    turns = [m["sender"] for n, m in enumerate(transcript) if n == 0 or m["sender"] != transcript[n - 1]["sender"]]
    assert turns == [
        "client", "bot",  # "manager"; the handover notice
        "client",  # two messages while the manager had it: logged, unanswered
        "manager", "system",  # the reply, then "you're back with the bot"
        "client", "bot",  # the balance, answered
    ]
    assert [m["text"] for m in transcript if m["sender"] == "manager"] == ["Olga: Hi! I'm sending it now."]
