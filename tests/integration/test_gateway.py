"""The one pipeline end to end: scripted inbound messages through the gateway, expected replies and rows."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bots.gateway import Gateway
from core.bootstrap import Core
from core.messaging import SharedContact
from core.models import ChannelIdentity, Conversation, Handover, Lead, LedgerKind, Message
from core.models.conversations import ConversationStatus
from core.services import conversations, invites
from dialogs.assembly import build_engines, build_registry
from dialogs.state import ConversationState, MemoryStateStore
from tests.factories import Build
from tests.gateway_harness import MY_FLOW_MODULES, ChatUser, FakeUnderstand, engines_for_tests
from tests.statements import recorded_sql


@dataclass(frozen=True)
class World:
    contact_a: int
    order_a: int
    order_b: int
    phone_a: str


@pytest.fixture
async def world(core: Core) -> World:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company_a, contact_a = await build.actor(name="Alpha Trade")
        _, company_b, contact_b = await build.actor(name="Beta Build")
        await build.ledger(company_a, LedgerKind.INVOICE, "1000.00", days_ago=5, due_in_days=30)
        await build.ledger(company_a, LedgerKind.PAYMENT, "400.00", days_ago=2)
        await build.ledger(company_b, LedgerKind.INVOICE, "98765.00", days_ago=5, due_in_days=30)
        product = await build.product(price="10.00")
        order_a = await build.order(company_a, contact_a, lines=[(product, 3, "10.00")])
        order_b = await build.order(company_b, contact_b, lines=[(product, 7, "10.00")])
        await uow.commit()
        assert contact_a.phone is not None
        return World(contact_a.id, order_a.id, order_b.id, contact_a.phone)


@pytest.fixture
def gateway(core: Core) -> Gateway:
    return Gateway(core, engines_for_tests(core))


async def linked_user(core: Core, gateway: Gateway, contact_id: int, user_id: str = "alice") -> ChatUser:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "test", user_id, now=core.clock.now())
        await conversations.link_identity(uow.session, identity.id, contact_id)
        await uow.commit()
    return ChatUser(gateway, user_id=user_id)


async def count(core: Core, model: type) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_first_message_creates_a_guest_identity_and_logs_both_ways(core: Core, gateway: Gateway) -> None:
    reply = await ChatUser(gateway, user_id="newcomer").say("balance")
    assert "customer account" in reply and "Request access" in reply
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
        directions = sorted(await uow.session.scalars(select(Message.direction)))
    assert identity is not None and identity.contact_id is None and identity.external_id == "newcomer"
    assert directions == ["in", "out", "out"]


async def test_a_replayed_message_id_is_processed_and_logged_once(core: Core, gateway: Gateway,
                                                                  world: World) -> None:
    user = await linked_user(core, gateway, world.contact_a)
    first = await user.say("balance", message_id="tg-100")
    replay = await user.say("balance", message_id="tg-100")
    assert "600.00" in first and replay == ""
    async with core.uow() as uow:
        inbound = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
        outbound = await uow.session.scalar(select(func.count()).where(Message.direction == "out"))
    assert (inbound, outbound) == (1, 1)


async def test_a_contact_sees_only_its_own_companys_balance_and_orders(core: Core, gateway: Gateway,
                                                                       world: World) -> None:
    user = await linked_user(core, gateway, world.contact_a)
    balance = await user.say("balance")
    orders = await user.say("my orders")
    assert "Alpha Trade" in balance and "600.00" in balance and "98,765" not in balance
    assert f"№{world.order_a}" in orders and f"№{world.order_b}" not in orders
    foreign = await user.say(f"track {world.order_b}")
    assert f"can't find order №{world.order_b}" in foreign and "70.00" not in foreign


async def test_handover_silences_the_bot_keeps_logging_and_hand_back_resumes(core: Core, gateway: Gateway,
                                                                             world: World) -> None:
    user = await linked_user(core, gateway, world.contact_a)
    answer = await user.say("manager")
    assert "manager" in answer.lower() and "quiet" in answer
    assert await user.say("hello? anyone?") == ""
    assert await user.say("balance") == ""
    async with core.uow() as uow:
        conversation = await uow.session.scalar(select(Conversation))
        assert conversation is not None and conversation.status == ConversationStatus.WAITING
        logged_in = await uow.session.scalar(select(func.count()).where(Message.direction == "in"))
        await conversations.hand_back(uow.session, conversation.id, now=core.clock.now())
        await uow.commit()
    assert logged_in == 3
    assert "600.00" in await user.say("balance")
    assert await count(core, Handover) == 1


async def test_lang_is_saved_on_the_identity_and_outlives_the_conversation_state(core: Core, world: World) -> None:
    first = Gateway(core, engines_for_tests(core))
    user = await linked_user(core, first, world.contact_a)
    assert "русский" in (await user.say("/lang ru")).lower()
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity))
    assert identity is not None and identity.locale == "ru"
    # A fresh engine (a restart: state lost) still answers in Russian.
    restarted = ChatUser(Gateway(core, engines_for_tests(core)), user_id="alice")
    assert "Счёт компании" in await restarted.say("баланс")


async def test_a_guest_enters_an_invite_code_and_is_greeted_by_name_with_the_full_menu(
    core: Core, gateway: Gateway, world: World
) -> None:
    async with core.uow() as uow:
        invite = await invites.create_invite(uow.session, world.contact_a, now=core.clock.now())
        await uow.commit()
    guest = ChatUser(gateway, user_id="guest-1")
    assert "invite code" in await guest.say("invite")
    welcome = await guest.say(invite.token)
    assert "Welcome" in welcome and "Alpha Trade" in welcome and "Loyalty points" in welcome
    assert "600.00" in await guest.say("balance")


async def test_an_invite_code_in_a_sentence_is_taken_and_a_word_at_the_code_question_is_not(
    core: Core, gateway: Gateway, world: World
) -> None:
    async with core.uow() as uow:
        invite = await invites.create_invite(uow.session, world.contact_a, now=core.clock.now())
        await uow.commit()
    waiting = ChatUser(gateway, user_id="guest-5")
    await waiting.say("invite")
    assert "invite code" in await waiting.say("balance")  # not taken for a code: asked again
    assert "Welcome" in await ChatUser(gateway, user_id="guest-6").say(f"hello, here is my code {invite.token}.")


async def test_a_guest_shares_their_own_phone_and_is_signed_in(core: Core, gateway: Gateway, world: World) -> None:
    guest = ChatUser(gateway, user_id="guest-2")
    reply = await guest.send(SharedContact(phone=world.phone_a, user_id_matches=True))
    assert reply is not None
    async with core.uow() as uow:
        identity = await uow.session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == "guest-2"))
    assert identity is not None and identity.contact_id == world.contact_a
    assert "600.00" in await guest.say("balance")


async def test_a_guest_request_for_access_records_a_lead_and_rejects_a_bad_tax_id(core: Core,
                                                                                 gateway: Gateway) -> None:
    guest = ChatUser(gateway, user_id="guest-3")
    assert "tax id" in await guest.say("access")
    assert "doesn't look like a tax id" in await guest.say("123")
    assert "reach you" in await guest.say("7707083893")
    assert "recorded" in await guest.say("8 (900) 123-45-67")
    async with core.uow() as uow:
        lead = await uow.session.scalar(select(Lead))
    assert lead is not None and (lead.tax_id, lead.phone, lead.email) == ("7707083893", "+79001234567", None)


async def test_a_guest_whose_messenger_gave_a_phone_is_not_asked_how_to_be_reached(core: Core,
                                                                                 gateway: Gateway) -> None:
    guest = ChatUser(gateway, user_id="guest-4")
    await guest.say("access")
    async with core.uow() as uow:  # as WhatsApp gives it, or a contact shared in Telegram
        identity = await uow.session.scalar(select(ChannelIdentity).where(ChannelIdentity.external_id == "guest-4"))
        assert identity is not None
        identity.phone = "+79990001122"
        await uow.commit()
    assert "recorded" in await guest.say("7707083893")
    async with core.uow() as uow:
        lead = await uow.session.scalar(select(Lead))
    assert lead is not None and lead.phone == "+79990001122"



class CountingStateStore(MemoryStateStore):
    """The memory store, counting loads: with Redis each is a round trip."""

    def __init__(self, core: Core) -> None:
        super().__init__(clock=core.clock)
        self.loads = 0

    async def load(self, key: str) -> ConversationState | None:
        self.loads += 1
        return await super().load(key)


async def test_a_known_writers_turn_costs_the_gateway_three_statements_and_one_state_load(core: Core,
                                                                                          world: World) -> None:
    store = CountingStateStore(core)
    gateway = Gateway(core, build_engines(FakeUnderstand(), store, registry=build_registry(MY_FLOW_MODULES),
                                          clock=core.clock))
    user = await linked_user(core, gateway, world.contact_a)
    await user.say("hi")  # the first message makes the conversation
    store.loads = 0
    with recorded_sql(core.engine) as sql:
        reply = await user.send("something no flow reads")  # two messages back, and no SQL of a flow's own
    assert reply is not None and len(reply.messages) == 2
    # Identity with conversation and actor, inbound log; outbound log (the logs' trigger keeps the conversation's
    # time).
    assert sql.verbs == ["UPDATE", "INSERT", "INSERT"] and sql.commits == 2
    assert store.loads == 1


async def test_a_message_to_a_handed_over_conversation_is_logged_and_touches_it_without_an_answer(
    core: Core, gateway: Gateway, world: World
) -> None:
    user = await linked_user(core, gateway, world.contact_a)
    await user.say("manager")
    with recorded_sql(core.engine) as sql:
        assert await user.say("are you there?") == ""
    assert sql.verbs == ["UPDATE", "INSERT"] and sql.commits == 1
    async with core.uow() as uow:
        last_in = await uow.session.scalar(select(func.max(Message.created_at)).where(Message.direction == "in"))
        touched = await uow.session.scalar(select(Conversation.last_message_at))
        texts = list(await uow.session.scalars(select(Message.text).where(Message.direction == "in")))
    assert touched == last_in and texts[-1] == "are you there?"


async def test_lang_then_a_turn_in_the_same_language_writes_the_identity_once(core: Core, gateway: Gateway,
                                                                             world: World) -> None:
    user = await linked_user(core, gateway, world.contact_a)
    with recorded_sql(core.engine) as chosen:
        await user.say("/lang ru")
    with recorded_sql(core.engine) as after:
        assert "Счёт компании" in await user.say("баланс")
    assert len(locale_writes(chosen.statements)) == 1 and locale_writes(after.statements) == []


def locale_writes(statements: list[str]) -> list[str]:
    """`set_locale`'s writes: updates of the identity other than the one that records a message's arrival."""
    return [sql for sql in statements if sql.startswith("UPDATE channel_identities") and "last_inbound_at" not in sql]
