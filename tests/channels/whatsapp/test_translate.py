"""WhatsApp translation without I/O: webhook bodies to items and events, neutral messages to message objects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bots.whatsapp.sender import template_parameters
from bots.whatsapp.translate import (
    Ignored,
    Notice,
    UserMessage,
    read_message,
    split_webhook,
    template_request,
    to_requests,
)
from core.errors import InvalidInput
from core.messaging import FileUpload, Location, Text, TextOut
from core.ports import Notification
from dialogs.i18n import format_money
from tests.channels.whatsapp.conftest import WA_ID, load_payload, message_of
from tests.channels.whatsapp.fake_graph_api import PHONE_NUMBER_ID


def _event(name: str, **changes: object) -> UserMessage | Notice | Ignored:
    body = load_payload(name)
    message_of(body).update(changes)
    (item,) = split_webhook(body, PHONE_NUMBER_ID)
    return read_message(item.payload)


def test_one_body_can_carry_several_messages_and_statuses() -> None:
    body = load_payload("text")
    value = body["entry"][0]["changes"][0]["value"]
    second = dict(message_of(body), id="wamid.second")
    value["messages"].append(second)
    value["statuses"] = [{"id": "wamid.out.1", "status": "read", "recipient_id": WA_ID},
                         {"id": "wamid.out.2", "status": "deleted"}]  # a status b2bot does not know: skipped
    items = split_webhook(body, PHONE_NUMBER_ID)
    assert [(i.kind, i.key) for i in items] == [("message", message_of(body)["id"]), ("message", "wamid.second"),
                                               ("status", "wamid.out.1:read")]
    assert split_webhook(body, "another-number") == []


@pytest.mark.parametrize("raw", [None, [], {"object": "page"}, {"object": "whatsapp_business_account"},
                                 {"object": "whatsapp_business_account", "entry": [1]}])
def test_a_body_that_is_not_a_notification_is_invalid(raw: object) -> None:
    with pytest.raises(InvalidInput):
        split_webhook(raw, PHONE_NUMBER_ID)


def test_contents_are_read_as_neutral_inbound() -> None:
    location = _event("location")
    assert isinstance(location, UserMessage) and location.content == Location(55.757718, 37.611613)
    assert location.inbound(WA_ID).external_user_id == WA_ID and location.inbound(WA_ID).locale_hint is None
    order = _event("order")
    assert isinstance(order, UserMessage) and isinstance(order.content, FileUpload)
    assert order.content.data == b"SKU;Qty\nA4-80;20\n"
    document = _event("document_csv")
    assert isinstance(document, UserMessage) and document.content is None and document.media is not None
    assert (document.media.filename, document.media.content_type) == ("order.csv", "text/csv")


def test_malformed_parts_of_a_message_are_answered_with_a_hint_not_an_error() -> None:
    assert isinstance(_event("location", location={"latitude": "north"}), Notice)
    assert isinstance(_event("location", location={"latitude": 95, "longitude": 0}), Notice)
    bad_quantity = {"product_items": [{"product_retailer_id": "A4-80", "quantity": "-3"}]}
    assert isinstance(_event("order", order=bad_quantity), Notice)
    assert isinstance(_event("text", text={"body": "   "}), Notice)
    assert isinstance(_event("text", **{"from": None}), UserMessage)  # the contact still names the sender


def test_a_message_with_no_sender_at_all_is_ignored() -> None:
    body = load_payload("text")
    body["entry"][0]["changes"][0]["value"]["contacts"] = []
    message_of(body)["from"] = None
    (item,) = split_webhook(body, PHONE_NUMBER_ID)
    assert isinstance(read_message(item.payload), Ignored)


def test_a_text_over_4096_characters_is_split() -> None:
    (requests,) = to_requests([TextOut("word " * 2000)])
    assert len(requests) == 3 and all(len(r.body["text"]["body"]) <= 4096 for r in requests)


def test_template_parameters_hold_no_newlines_or_runs_of_spaces() -> None:
    request = template_request("order_update", "ru", ["42", "в  пути\nскоро"])
    parameters = request.body["template"]["components"][0]["parameters"]
    assert [p["text"] for p in parameters] == ["42", "в пути скоро"]
    assert request.body["template"]["language"] == {"code": "ru"}


def test_a_reaction_is_not_answered_and_a_first_opening_is_a_start() -> None:
    reaction = _event("text", type="reaction", reaction={"message_id": "wamid.out.1", "emoji": "👍"})
    assert isinstance(reaction, Ignored)
    welcome = _event("text", type="request_welcome")
    assert isinstance(welcome, UserMessage) and welcome.content == Text("/start")


def test_each_notification_kind_fills_its_template_in_the_documented_order() -> None:
    order = Notification(1, "order_status", {"order_id": 42, "status": "shipped"})
    stock = Notification(1, "back_in_stock", {"name": "Paper A4", "sku": "A4-80"})
    approval = Notification(1, "approval_request", {"placed_by": "Ivan", "order_id": 7, "total": "1500.00",
                                                    "currency": "RUB"})
    campaign = Notification(1, "campaign", {"text": "Spring sale:\n\n-10% on paper"})
    assert template_parameters(order, "ru", []) == ["42", "отгружен"]  # the status as the customer reads it
    assert template_parameters(order, "en", []) == ["42", "shipped"]
    assert template_parameters(stock, "en", []) == ["Paper A4", "A4-80"]
    assert template_parameters(approval, "en", []) == ["Ivan", "7", format_money(Decimal("1500.00"), "RUB", "en")]
    assert template_parameters(campaign, "en", [TextOut("Spring sale:\n\n-10% on paper")]) == [
        "Spring sale: -10% on paper"]
