"""Sending to WhatsApp through the fake Graph API: the capability fallback (3 reply buttons, lists of 10 rows,
numbered text beyond), bodies and captions within 1024 characters, cards and documents, pacing on an injected
clock, backoff on throttling, unreachable recipients, and the 24-hour window with templates and held messages."""

from __future__ import annotations

import datetime as dt
import logging

import httpx
import pytest
from sqlalchemy import select, update

from bots.fallback import adapt
from bots.registry import ChannelRegistry, ConsoleSender
from bots.whatsapp import WHATSAPP_CAPABILITIES, GraphApi, GraphError, RecipientUnreachable
from core.bootstrap import Core
from core.messaging import (
    Button,
    Buttons,
    DocumentOut,
    ListOut,
    ListRow,
    ListSection,
    Outbound,
    ProductCardOut,
    TextOut,
    encode_payload,
)
from core.models import ChannelIdentity, HeldNotification, Message
from core.ports import Notification
from core.services import conversations
from tests.channels.whatsapp.conftest import WA_ID, Rig, member, text_payload
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID, TOKEN, FakeGraphApi
from tests.fakes.telegram_bot_api import FakeTime


def _buttons(count: int, title: str = "Product") -> Buttons:
    return Buttons("Pick one", [Button(f"{title} {n}", encode_payload("card", n)) for n in range(1, count + 1)])


async def _send(rig: Rig, messages: list[Outbound]) -> None:
    await rig.sender.send_turn(WA_ID, adapt(messages, WHATSAPP_CAPABILITIES, "en").messages)


# The capability ladder -------------------------------------------------------------------------------


async def test_three_options_are_reply_buttons_with_titles_of_at_most_20_characters(rig: Rig) -> None:
    await _send(rig, [_buttons(3, "A very long product title indeed")])
    call = rig.api.sent(WA_ID)[0]
    assert call.interactive["type"] == "button"
    assert [reply_id for _, reply_id in call.buttons] == ["card:1", "card:2", "card:3"]
    assert all(len(title) <= 20 for title, _ in call.buttons)


async def test_four_to_ten_options_are_a_list_and_more_are_numbered_text(rig: Rig) -> None:
    await _send(rig, [_buttons(10)])
    listed = rig.api.sent(WA_ID)[0]
    assert listed.interactive["type"] == "list" and len(listed.buttons) == 10
    assert len(listed.interactive["action"]["button"]) <= 20
    await _send(rig, [_buttons(11)])
    numbered = rig.api.sent(WA_ID)[1]
    assert numbered.type == "text" and "11. Product 11" in numbered.text


async def test_a_list_with_sections_keeps_them_with_titles(rig: Rig) -> None:
    sections = [ListSection("Paper and office supplies", [ListRow("A4", "card:1", "x" * 100)]),
                ListSection("Film", [ListRow("Stretch film 500 mm", "card:2")])]
    await _send(rig, [ListOut("Choose", "Open the catalogue please", sections)])
    action = rig.api.sent(WA_ID)[0].interactive["action"]
    assert [len(s["title"]) <= 24 for s in action["sections"]] == [True, True]
    assert len(action["sections"][0]["rows"][0]["description"]) <= 72 and len(action["button"]) <= 20


async def test_an_interactive_body_longer_than_1024_goes_first_as_text(rig: Rig) -> None:
    text = "\n\n".join(f"Line {n}: " + "word " * 30 for n in range(12))
    await _send(rig, [Buttons(text, [Button("OK", "ok")])])
    calls = rig.api.sent(WA_ID)
    assert [c.type for c in calls][-1] == "interactive" and len(calls) >= 2
    assert len(calls[-1].text) <= 1024 and all(len(c.text) <= 4096 for c in calls)
    assert "".join("".join(c.text for c in calls).split()) == "".join(text.split())


async def test_a_product_card_is_its_image_with_a_caption(rig: Rig) -> None:
    card = ProductCardOut("Paper A4", "300.00 ₽ / pack", "https://img.example/a4.jpg",
                          [Button("Add", encode_payload("add", 1))])
    await _send(rig, [card, ProductCardOut("Film", "120.00 ₽", "https://img.example/film.jpg")])
    with_buttons, plain = rig.api.sent(WA_ID)
    assert with_buttons.interactive["header"] == {"type": "image", "image": {"link": "https://img.example/a4.jpg"}}
    assert "Paper A4" in with_buttons.text and with_buttons.buttons == [("Add", "add:1")]
    assert plain.type == "image" and plain.body["image"] == {"link": "https://img.example/film.jpg",
                                                             "caption": "Film\n120.00 ₽"}


async def test_a_document_is_uploaded_then_sent_by_its_media_id(rig: Rig) -> None:
    await _send(rig, [DocumentOut("statement.csv", "text/csv", b"date;amount\n", caption="June")])
    upload = next(c for c in rig.api.calls if c.kind == "media")
    assert upload.files == {"statement.csv": b"date;amount\n"} and upload.body["type"] == "text/csv"
    sent = rig.api.sent(WA_ID)[0]
    assert sent.type == "document" and sent.body["document"]["filename"] == "statement.csv"
    assert sent.body["document"]["id"].startswith("media-") and sent.text == "June"


# Limits ----------------------------------------------------------------------------------------------


async def test_one_recipient_gets_a_burst_then_one_message_every_six_seconds(rig: Rig, fake_time: FakeTime) -> None:
    await rig.sender.send_turn(WA_ID, [TextOut(f"message {n}") for n in range(12)])
    assert len(rig.api.sent(WA_ID)) == 12
    # Ten at the number's pace (1/80 s apart), then the 11th and 12th six seconds after the slots before them.
    assert fake_time.sleeps[:9] == pytest.approx([1 / 80] * 9)
    assert fake_time.sleeps[9:] == pytest.approx([6.0 - 9 / 80, 6.0])


async def test_the_number_as_a_whole_sends_at_most_80_a_second(rig: Rig, fake_time: FakeTime) -> None:
    waits = [rig.sender.limiter.reserve(recipient) for recipient in range(160)]
    assert waits[-1] == pytest.approx(159 / 80)


@pytest.mark.parametrize("code", [130429, 131056])
async def test_throttling_backs_off_and_then_sends(rig: Rig, fake_time: FakeTime, code: int) -> None:
    rig.api.fail("messages", 400, code=code, message="Rate limit hit", times=2)
    await rig.sender.send_turn(WA_ID, [TextOut("hello")])
    assert [c.text for c in rig.api.sent(WA_ID)] == ["hello"]
    assert [c.failed for c in rig.api.calls] == [code, code, None]
    assert fake_time.now - 1000.0 >= 1.0 + 2.0  # waited 1 s, then 2 s


async def test_persistent_throttling_or_server_errors_give_up_in_the_end(rig: Rig) -> None:
    rig.api.fail("messages", 400, code=130429, times=5)
    with pytest.raises(GraphError) as raised:
        await rig.sender.send_turn(WA_ID, [TextOut("hello")])
    assert raised.value.code == 130429 and len(rig.api.calls) == 5
    rig.api.fail("messages", 503, code=131016, message="Service unavailable", times=2)
    await rig.sender.send_turn(WA_ID, [TextOut("again")])
    assert [c.text for c in rig.api.sent(WA_ID)] == ["again"]


async def test_a_refusal_is_not_retried_and_the_token_never_shows(
    rig: Rig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    rig.api.fail("messages", 400, code=100, message="Invalid parameter")
    with pytest.raises(GraphError) as raised:
        await rig.sender.send_turn(WA_ID, [TextOut("hello")])
    assert len(rig.api.calls) == 1 and TOKEN not in str(raised.value) and TOKEN not in caplog.text


async def test_an_undeliverable_recipient_is_marked_unreachable_and_the_notifier_moves_on(
    rig: Rig, core: Core
) -> None:
    printed: list[str] = []
    _, contact = await member(core)
    async with core.uow() as uow:
        for channel, external_id in (("console", "c1"), ("whatsapp", WA_ID)):
            identity = await conversations.resolve_identity(uow.session, channel, external_id, now=core.clock.now())
            await conversations.link_identity(uow.session, identity.id, contact.id)
        await uow.commit()
    registry = ChannelRegistry(core.uow, [rig.sender, ConsoleSender(printed.append)], clock=core.clock)
    rig.api.fail("messages", 400, code=131026, message="Message undeliverable")
    await registry.notify(Notification(contact.id, "back_in_stock", {"name": "Paper", "sku": "A4-80"}))
    async with core.uow() as uow:
        rows = {r.external_id: r.unreachable for r in await uow.session.scalars(select(ChannelIdentity))}
    assert rows == {"c1": False, WA_ID: True}
    assert printed and "A4-80" in printed[0]
    with pytest.raises(RecipientUnreachable):
        rig.api.fail("messages", 400, code=131026)
        await rig.sender.send_turn(WA_ID, [TextOut("hi")])
    # The registry no longer tries WhatsApp for this contact.
    rig.api.clear()
    await registry.notify(Notification(contact.id, "back_in_stock", {"name": "Film", "sku": "FILM-17"}))
    assert rig.api.calls == [] and "FILM-17" in printed[-1]


# The 24-hour window ----------------------------------------------------------------------------------


async def _whatsapp_member(core: Core, *, last_message_hours_ago: float) -> int:
    _, contact = await member(core)
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "whatsapp", WA_ID, now=core.clock.now())
        await conversations.link_identity(uow.session, identity.id, contact.id)
        await uow.session.execute(update(ChannelIdentity).values(
            last_inbound_at=core.clock.now() - dt.timedelta(hours=last_message_hours_ago)))
        await uow.commit()
    return contact.id


async def _outbound(core: Core) -> list[Message]:
    async with core.uow() as uow:
        return list(await uow.session.scalars(select(Message).where(Message.direction == "out").order_by(Message.id)))


async def test_within_24_hours_a_notification_is_a_free_form_message(rig: Rig, core: Core) -> None:
    contact_id = await _whatsapp_member(core, last_message_hours_ago=23)
    await core.notifier.notify(Notification(contact_id, "back_in_stock", {"name": "Paper", "sku": "A4-80"}))
    sent = rig.api.sent(WA_ID)
    assert len(sent) == 1 and sent[0].type == "text" and "A4-80" in sent[0].text
    logged = await _outbound(core)
    assert [(m.status, m.channel_message_id) for m in logged] == [("sent", sent[0].wamid)]


async def test_after_24_hours_an_order_status_goes_as_its_approved_template(rig: Rig, core: Core) -> None:
    contact_id = await _whatsapp_member(core, last_message_hours_ago=25)
    await core.notifier.notify(Notification(contact_id, "order_status", {"order_id": 42, "status": "shipped"}))
    sent = rig.api.sent(WA_ID)
    assert len(sent) == 1 and sent[0].type == "template"
    template = sent[0].body["template"]
    assert (template["name"], template["language"]) == ("order_update", {"code": "en"})
    assert template["components"] == [{"type": "body", "parameters": [
        {"type": "text", "text": "42"}, {"type": "text", "text": "shipped"}]}]
    assert [(m.status, m.channel_message_id) for m in await _outbound(core)] == [("sent", sent[0].wamid)]


async def test_when_whatsapp_says_the_window_is_closed_the_template_is_used(rig: Rig, core: Core) -> None:
    contact_id = await _whatsapp_member(core, last_message_hours_ago=1)
    rig.api.fail("messages", 400, code=131047, message="Re-engagement message")
    await core.notifier.notify(Notification(contact_id, "order_status", {"order_id": 7, "status": "delivered"}))
    assert [c.type for c in rig.api.sent(WA_ID)] == ["template"]


async def test_after_24_hours_without_a_template_it_is_held_reported_and_sent_when_they_write(
    rig: Rig, core: Core, caplog: pytest.LogCaptureFixture
) -> None:
    contact_id = await _whatsapp_member(core, last_message_hours_ago=30)
    await core.notifier.notify(Notification(contact_id, "back_in_stock", {"name": "Paper", "sku": "A4-80"}))
    assert rig.api.calls == []
    assert "held" in caplog.text and "back_in_stock" in caplog.text
    async with core.uow() as uow:
        held = list(await uow.session.scalars(select(HeldNotification)))
    assert [(h.kind, h.released_at) for h in held] == [("back_in_stock", None)]
    assert [m.status for m in await _outbound(core)] == ["held"]

    answer = await rig.exchange(text_payload("balance"))
    assert "Alpha Trade" in answer[0].text and "A4-80" in answer[-1].text  # the answer, then what was held
    async with core.uow() as uow:
        released = await uow.session.scalar(select(HeldNotification))
    assert released is not None and released.released_at is not None
    await rig.exchange(text_payload("balance"))  # released once only
    assert sum("A4-80" in c.text for c in rig.api.sent(WA_ID)) == 1


async def test_graph_api_fake_refuses_a_wrong_token(fake_graph: FakeGraphApi, core: Core) -> None:
    api = GraphApi(httpx.AsyncClient(), base_url=fake_graph.api_base, token="wrong", phone_number_id=PHONE_NUMBER_ID)
    with pytest.raises(GraphError) as raised:
        await api.send_message(WA_ID, {"type": "text", "text": {"body": "x"}})
    await api.aclose()
    assert raised.value.code == 190 and raised.value.status == 401


async def test_a_held_notification_that_fails_to_go_out_stays_held(rig: Rig, core: Core) -> None:
    contact_id = await _whatsapp_member(core, last_message_hours_ago=30)
    await core.notifier.notify(Notification(contact_id, "back_in_stock", {"name": "Paper", "sku": "A4-80"}))
    rig.api.fail("messages", 400, code=100, message="Invalid parameter")
    with pytest.raises(GraphError):
        await rig.sender.release_held(WA_ID)
    async with core.uow() as uow:
        held = await uow.session.scalar(select(HeldNotification))
    assert held is not None and held.released_at is None
    assert await rig.sender.release_held(WA_ID) == 1
    assert "A4-80" in rig.api.sent(WA_ID)[-1].text
    assert await rig.sender.release_held(WA_ID) == 0
