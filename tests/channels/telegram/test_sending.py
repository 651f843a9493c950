"""Sending to Telegram within its limits, through the real aiogram `Bot` and the fake Bot API server: rate
limits on an injected clock, 429 retry_after honoured, 5xx retried with backoff, 403 marks the identity
unreachable and the notifier moves on; paged keyboards, long texts, cards, documents."""

from __future__ import annotations

import itertools

import pytest
from aiogram.exceptions import TelegramServerError
from sqlalchemy import select

from bots.registry import ChannelRegistry, ConsoleSender
from bots.telegram import RateLimiter, RecipientUnreachable, TelegramSender
from bots.telegram.translate import PAGE_SIZE
from core.bootstrap import Core
from core.messaging import Button, Buttons, DocumentOut, ProductCardOut, TextOut, encode_payload
from core.models import ChannelIdentity
from core.ports import Notification
from core.services import conversations
from tests.channels.telegram.conftest import Rig, press_update
from tests.factories import Build
from tests.fakes.telegram_bot_api import FakeBotApi, FakeTime


def test_a_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    time = FakeTime()
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    waits = [limiter.reserve(7) for _ in range(6)]
    assert waits[:3] == pytest.approx([0, 1 / 30, 2 / 30])
    assert waits[3:] == pytest.approx([1, 2, 3])


def test_the_bot_as_a_whole_sends_at_most_thirty_a_second() -> None:
    time = FakeTime()
    limiter = RateLimiter(monotonic=time.monotonic, sleep=time.sleep)
    waits = [limiter.reserve(chat) for chat in range(90)]
    assert waits[-1] == pytest.approx(89 / 30)
    assert all(b > a for a, b in itertools.pairwise(waits))


async def test_a_429_waits_retry_after_and_then_sends(rig: Rig, fake_api: FakeBotApi, fake_time: FakeTime) -> None:
    fake_api.fail("sendMessage", 429, retry_after=7)
    await rig.sender.send("555001", [TextOut("hello")])
    assert [call.text for call in fake_api.messages(555001)] == ["hello"]
    assert fake_time.sleeps and max(fake_time.sleeps) >= 7


async def test_a_5xx_is_retried_with_growing_backoff_and_gives_up_in_the_end(
    rig: Rig, fake_api: FakeBotApi, fake_time: FakeTime
) -> None:
    fake_api.fail("sendMessage", 500, times=2)
    await rig.sender.send("555001", [TextOut("hello")])
    assert len(fake_api.messages(555001)) == 1
    assert [s for s in fake_time.sleeps if s >= 0.5] == [0.5, 1.0]
    fake_api.fail("sendMessage", 502, "Bad Gateway", times=5)
    with pytest.raises(TelegramServerError):
        await rig.sender.send("555001", [TextOut("again")])
    assert len(fake_api.messages(555001)) == 1


async def test_a_blocked_user_is_marked_unreachable_and_the_notifier_moves_on(
    rig: Rig, core: Core, fake_api: FakeBotApi
) -> None:
    printed: list[str] = []
    async with core.uow() as uow:
        _, _, contact = await Build(uow.session).actor()
        other = await Build(uow.session).contact(await Build(uow.session).company())
        for channel, external_id, who in (("console", "c1", contact.id), ("telegram", "555001", contact.id),
                                          ("telegram", "555002", other.id)):
            identity = await conversations.resolve_identity(uow.session, channel, external_id,
                                                            now=core.clock.now())
            await conversations.link_identity(uow.session, identity.id, who)
        await uow.commit()
    registry = ChannelRegistry(core.uow, [rig.sender, ConsoleSender(printed.append)], clock=core.clock)
    fake_api.fail("sendMessage", 403)
    await registry.notify(Notification(contact.id, "back_in_stock", {"name": "Paper", "sku": "A4-80"}))
    await registry.notify(Notification(other.id, "back_in_stock", {"name": "Film", "sku": "FILM-17"}))
    async with core.uow() as uow:
        rows = {r.external_id: r.unreachable for r in await uow.session.scalars(select(ChannelIdentity))}
    assert rows == {"c1": False, "555001": True, "555002": False}
    assert printed and "A4-80" in printed[0]  # the contact's console identity got it instead
    assert "FILM-17" in fake_api.messages(555002)[0].text  # the other send was not stopped
    with pytest.raises(RecipientUnreachable):
        fake_api.fail("sendMessage", 403)
        await rig.sender.send("555002", [TextOut("hi")])


async def test_a_long_keyboard_is_paged_and_the_page_buttons_turn_pages(rig: Rig, fake_api: FakeBotApi) -> None:
    buttons = [Button(f"Product {n}", encode_payload("card", n)) for n in range(1, 20)]
    await rig.sender.send("555001", [Buttons("Pick one", buttons)])
    message = fake_api.messages(555001)[0]
    titles = [title for title, _ in message.buttons]
    assert titles[:PAGE_SIZE] == [f"Product {n}" for n in range(1, PAGE_SIZE + 1)]
    assert titles[PAGE_SIZE:] == ["‹", "1/3", "›"]
    next_page = dict(message.buttons)["›"]
    await rig.post(press_update(next_page, message_id=message.params["_message_id"]))
    edit = fake_api.sent("editMessageReplyMarkup")[0]
    assert [title for title, _ in edit.buttons][:2] == ["Product 9", "Product 10"]
    assert len(fake_api.sent("answerCallbackQuery")) == 1
    # A page of a message this process no longer remembers: the list has expired.
    await rig.post(press_update(next_page, message_id=1))
    assert "expired" in fake_api.messages(555001)[-1].text


async def test_every_callback_data_fits_64_bytes(rig: Rig, fake_api: FakeBotApi) -> None:
    buttons = [Button("Ж" * 40, encode_payload("card", "я" * 9)) for _ in range(30)]
    await rig.sender.send("555001", [Buttons("x", buttons)])
    datas = [data for call in fake_api.messages() for _, data in call.buttons]
    assert datas and all(len(data.encode()) <= 64 for data in datas)


async def test_a_text_longer_than_4096_is_split_cleanly(rig: Rig, fake_api: FakeBotApi) -> None:
    paragraphs = [f"Line {n}: " + "word " * 60 for n in range(40)]
    text = "\n\n".join(paragraphs)
    emoji = "📦 " * 3000  # 2 UTF-16 units each: Telegram's limit is in those units
    await rig.sender.send("555001", [TextOut(text)])
    await rig.sender.send("555002", [TextOut(emoji)])
    for chat, original in ((555001, text), (555002, emoji)):
        pieces = [call.text for call in fake_api.messages(chat)]
        assert len(pieces) > 1
        assert all(len(p.encode("utf-16-le")) // 2 <= 4096 for p in pieces)
        assert "".join("".join(pieces).split()) == "".join(original.split())  # nothing lost, nothing added
    assert all(p.startswith("Line") for p in (call.text for call in fake_api.messages(555001)))  # paragraphs


async def test_a_product_card_is_a_photo_with_caption_and_buttons_or_text_if_the_photo_fails(
    rig: Rig, fake_api: FakeBotApi
) -> None:
    card = ProductCardOut("Paper A4", "300.00 ₽ / pack", "https://img.example/a4.jpg",
                          [Button("Add", encode_payload("add", 1))])
    await rig.sender.send("555001", [card])
    photo = fake_api.messages(555001)[0]
    assert photo.method == "sendPhoto" and photo.params["photo"] == "https://img.example/a4.jpg"
    assert "Paper A4" in photo.text and photo.buttons == [("Add", "add:1")]
    fake_api.fail("sendPhoto", 400, "Bad Request: wrong file identifier/HTTP URL specified")
    await rig.sender.send("555001", [card])
    fallback = fake_api.messages(555001)[-1]
    assert fallback.method == "sendMessage" and "300.00" in fallback.text and fallback.buttons == [("Add", "add:1")]


async def test_a_document_is_uploaded_with_its_name(rig: Rig, fake_api: FakeBotApi) -> None:
    await rig.sender.send("555001", [DocumentOut("statement.csv", "text/csv", b"date;amount\n", caption="June")])
    call = fake_api.messages(555001)[0]
    assert call.method == "sendDocument" and call.files == {"statement.csv": b"date;amount\n"}
    assert call.params["caption"] == "June"


async def test_a_method_goes_as_a_json_body_and_only_an_upload_as_a_form(rig: Rig, fake_api: FakeBotApi) -> None:
    await rig.sender.send("555001", [Buttons("Pick one", [Button("A4 paper", encode_payload("card", 1))])])
    sent = fake_api.messages(555001)[0]
    # Typed as JSON carries them: a form would have given the chat id and the keyboard as strings.
    assert sent.params["chat_id"] == 555001 and sent.buttons == [("A4 paper", encode_payload("card", 1))]
    assert isinstance(sent.params["reply_markup"], dict)
    await rig.sender.send("555001", [DocumentOut("order.csv", "text/csv", b"sku;qty\n")])
    upload = fake_api.messages(555001)[-1]
    assert upload.files == {"order.csv": b"sku;qty\n"} and upload.params["chat_id"] == "555001"


async def test_a_sender_without_a_limiter_given_builds_its_own(rig: Rig) -> None:
    sender = TelegramSender(rig.bot, rig.core.uow)
    assert sender.limiter is not None and sender.capabilities.max_text_length == 4096
