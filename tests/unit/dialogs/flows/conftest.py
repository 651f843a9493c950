"""A conversation harness for the commerce journeys: a small shop in the database, an engine with the
real flows and a table-driven fake NLU, and a `Chat` that sends turns and reads the answers."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from core.bootstrap import Core
from core.domain.access import Actor
from core.messaging import Button, ButtonPress, Buttons, Content, Inbound, Outbound, ProductCardOut, Text, TextOut
from core.models import ChannelIdentity, Company, CompanyAddress, Contact, Conversation, Product
from core.services.catalog import bump_catalog_version
from dialogs.engine import Engine
from dialogs.flow import Flow, FlowRegistry
from dialogs.flows import cart, catalog, checkout, delivery
from dialogs.services import Services
from dialogs.state import MemoryStateStore
from dialogs.understanding import Parse
from tests.factories import Build

COMMERCE_FLOWS: list[Flow[Services]] = [*catalog.FLOWS, *cart.FLOWS, *delivery.FLOWS, *checkout.FLOWS]
_ids = itertools.count(1)


class FakeUnderstand:
    """Answers from a table of texts; records every call."""

    def __init__(self, table: dict[str, Parse]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, text: str, locale: str) -> Parse:
        self.calls.append(text)
        return self.table.get(text, Parse("nlu_fallback", 0.1))


@dataclass
class Shop:
    company: Company
    contact: Contact
    actor: Actor
    products: dict[str, Product]
    address: CompanyAddress


@pytest.fixture
async def shop(core: Core) -> Shop:
    """Paper (packs of 5 reams, minimum 5), a second paper, stretch film out of stock with a sister in stock."""
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        warehouse = await build.warehouse(name="Central", city="Moscow", code=f"C{next(_ids)}")
        paper = await build.category("Paper", "Бумага")
        packing = await build.category("Packaging", "Упаковка")
        products = {
            "a4": await build.product(sku="A4-80", name="Paper A4 80 g/m2", name_ru="Бумага офисная А4 80 г/м2",
                                      synonyms=["copy paper"], unit="pack", pack_size=5, min_order_qty=5,
                                      price="300.00", category_id=paper.id, stock={warehouse: 100}),
            "a4x": await build.product(sku="A4-90", name="Paper A4 90 g/m2", name_ru="Бумага офисная А4 90 г/м2",
                                       unit="pack", price="350.00", category_id=paper.id, stock={warehouse: 50}),
            "film": await build.product(sku="FILM-17", name="Stretch film 17 mic", name_ru="Стрейч-плёнка 17 мкм",
                                        unit="roll", price="900.00", category_id=packing.id, stock={warehouse: 0}),
            "film20": await build.product(sku="FILM-20", name="Stretch film 20 mic",
                                          name_ru="Стрейч-плёнка 20 мкм", unit="roll", price="1000.00",
                                          category_id=packing.id, stock={warehouse: 30}),
        }
        await build.incoming(products["film"], warehouse, 200, days=5)
        address = CompanyAddress(company_id=company.id, label="Office", city="Kazan", line="1 Main St",
                                 is_default=True)
        uow.session.add(address)
        await bump_catalog_version(uow.session)
        await uow.commit()
    return Shop(company, contact, actor, products, address)


class Chat:
    """One conversation through `Engine.process`, with a real identity and conversation row."""

    def __init__(self, core: Core, actor: Actor, identity_id: int, conversation_id: int, locale: str,
                 nlu: dict[str, Parse], extra: Sequence[Flow[Services]] = ()) -> None:
        self.core = core
        self.actor = actor
        self.locale = locale
        self.fake = FakeUnderstand(nlu)
        self.engine = Engine(FlowRegistry([*COMMERCE_FLOWS, *extra]), self.fake,
                             MemoryStateStore())
        self.services = Services(core, "console", identity_id, conversation_id)
        self.external_id = f"user-{identity_id}"
        self.last: list[Outbound] = []

    async def send(self, content: str | Content) -> list[Outbound]:
        message = Text(content) if isinstance(content, str) else content
        inbound = Inbound(channel="console", external_user_id=self.external_id, message_id=f"m{next(_ids)}",
                          received_at=dt.datetime.now(dt.UTC), locale_hint=self.locale, content=message)
        adapted = await self.engine.process(inbound, self.actor, self.services, user_locale=self.locale)
        self.last = list(adapted.messages)
        return self.last

    async def press(self, title: str) -> list[Outbound]:
        return await self.send(ButtonPress(button(self.last, title).payload))

    async def press_payload(self, payload: str) -> list[Outbound]:
        return await self.send(ButtonPress(payload))

    @property
    def text(self) -> str:
        return "\n".join(texts(self.last))

    @property
    def titles(self) -> list[str]:
        return [b.title for b in buttons(self.last)]

    @property
    def state(self) -> object:
        return self.engine.store


def texts(messages: Sequence[Outbound]) -> list[str]:
    out: list[str] = []
    for message in messages:
        if isinstance(message, TextOut | Buttons):
            out.append(message.text)
        elif isinstance(message, ProductCardOut):
            out += [message.title, message.body]
    return out


def buttons(messages: Sequence[Outbound]) -> list[Button]:
    found: list[Button] = []
    for message in messages:
        if isinstance(message, Buttons | ProductCardOut):
            found += message.buttons
    return found


def button(messages: Sequence[Outbound], title: str) -> Button:
    """The button whose title is `title`, or starts with it."""
    every = buttons(messages)
    exact = [b for b in every if b.title == title]
    if exact:
        return exact[0]
    starting = [b for b in every if b.title.startswith(title)]
    assert starting, f"no button {title!r} among {[b.title for b in every]}"
    return starting[0]


@dataclass
class ChatMaker:
    core: Core
    made: list[Chat] = field(default_factory=list)

    async def __call__(self, actor: Actor, locale: str, nlu: dict[str, Parse] | None = None,
                       extra: Sequence[Flow[Services]] = ()) -> Chat:
        async with self.core.uow() as uow:
            identity = ChannelIdentity(channel="console", external_id=f"ext-{next(_ids)}",
                                       contact_id=actor.contact_id, locale=locale)
            uow.session.add(identity)
            await uow.session.flush()
            conversation = Conversation(identity_id=identity.id, contact_id=actor.contact_id, channel="console")
            uow.session.add(conversation)
            await uow.session.flush()
            await uow.commit()
            ids = identity.id, conversation.id
        chat = Chat(self.core, Actor(actor.contact_id, actor.company_id, actor.role, locale), ids[0], ids[1],
                    locale, nlu or {}, extra)
        self.made.append(chat)
        return chat


@pytest.fixture
def chat_for(core: Core) -> ChatMaker:
    return ChatMaker(core)


def rub(amount: str, locale: str) -> str:
    from dialogs.i18n import format_money

    return format_money(Decimal(amount), "RUB", locale)
