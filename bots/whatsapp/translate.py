"""WhatsApp translation: Cloud API webhook JSON -> neutral inbound events, neutral outbound -> message objects.

Pure functions and small value types, no I/O: the transport records what `split_webhook` finds, feeds each
message to `read_message`, and posts what `to_requests` returns. A webhook body that is not a WhatsApp Business
Account notification is refused with `InvalidInput`; parts of a valid one b2bot does not use are skipped, so
Meta, which redelivers until it gets a 200, is not made to retry them forever.

Button payloads travel as reply-button and list-row ids unchanged (at most 64 bytes, well within WhatsApp's 256
and 200). Texts are split to WhatsApp's limits: 4096 characters for a text, 1024 for the body of an interactive
message or a caption.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bots.fallback import split_text, truncate
from core.errors import InvalidInput
from core.messaging import (
    Button,
    ButtonPress,
    Buttons,
    ChannelCapabilities,
    Content,
    DocumentOut,
    FileUpload,
    ImageOut,
    Inbound,
    ListOut,
    Location,
    Outbound,
    ProductCardOut,
    SharedContact,
    Text,
    TextOut,
    decode_payload,
)

CHANNEL = "whatsapp"
MAX_TEXT = 4096
MAX_BODY = 1024  # interactive message bodies and media captions
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_SECTION_TITLE = 24
MAX_LIST_BUTTON = 20
MAX_ID = 100  # message ids we record; Meta's are about 60 characters
EMPTY_TEXT = "⋯"  # WhatsApp refuses an interactive message without a body
CATALOG_ORDER_FILE = "catalog-order.csv"

WHATSAPP_CAPABILITIES = ChannelCapabilities(
    max_buttons=MAX_BUTTONS,
    max_button_title=MAX_BUTTON_TITLE,
    supports_lists=True,
    max_list_rows=MAX_LIST_ROWS,
    supports_images=True,
    supports_documents=True,
    max_text_length=MAX_TEXT,
    max_row_title=MAX_ROW_TITLE,
    max_row_description=MAX_ROW_DESCRIPTION,
    max_list_button_title=MAX_LIST_BUTTON,
)

DeliveryStatus = Literal["sent", "delivered", "read", "failed"]
_STATUSES: frozenset[str] = frozenset({"sent", "delivered", "read", "failed"})


# The webhook envelope -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WebhookItem:
    """One message or status of a webhook body, with what is needed to handle it alone.

    `key` identifies it across Meta's redeliveries: the message id for a message, id and status for a status.
    """

    kind: Literal["message", "status"]
    key: str
    payload: dict[str, Any]


def split_webhook(raw: object, phone_number_id: str | None) -> list[WebhookItem]:
    """The messages and statuses of a webhook body addressed to `phone_number_id` (any number when None).

    `InvalidInput` when the body is not a WhatsApp Business Account webhook at all.
    """
    if not isinstance(raw, dict) or raw.get("object") != "whatsapp_business_account":
        raise InvalidInput("not a WhatsApp Business Account webhook")
    entries = raw.get("entry")
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise InvalidInput("a webhook needs a list of entries")
    items: list[WebhookItem] = []
    for entry in entries:
        changes = entry.get("changes")
        if not isinstance(changes, list) or not all(isinstance(change, dict) for change in changes):
            raise InvalidInput("a webhook entry needs a list of changes")
        for change in changes:
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                continue  # account, template and other notifications: not used
            items.extend(_items_of(value, phone_number_id))
    return items


def _items_of(value: Mapping[str, Any], phone_number_id: str | None) -> list[WebhookItem]:
    metadata = value.get("metadata")
    number = str(metadata.get("phone_number_id", "")) if isinstance(metadata, dict) else ""
    if phone_number_id is not None and number != phone_number_id:
        return []  # another number of the same app
    contacts = [c for c in value.get("contacts") or () if isinstance(c, dict)]
    items: list[WebhookItem] = []
    for message in value.get("messages") or ():
        if not isinstance(message, dict) or not _good_id(message.get("id")) or not isinstance(message.get("type"), str):
            continue  # nothing to dedupe it by or to read: skipped rather than retried forever
        contact = _contact_for(contacts, message.get("from"))
        items.append(WebhookItem("message", message["id"],
                                 {"phone_number_id": number, "contact": contact, "message": message}))
    for status in value.get("statuses") or ():
        if not isinstance(status, dict) or not _good_id(status.get("id")) or status.get("status") not in _STATUSES:
            continue
        items.append(WebhookItem("status", f"{status['id']}:{status['status']}", {"status": status}))
    return items


def _good_id(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ID


def _contact_for(contacts: Sequence[dict[str, Any]], sender: object) -> dict[str, Any]:
    for contact in contacts:
        if sender is not None and sender in (contact.get("wa_id"), contact.get("user_id")):
            return contact
    return contacts[0] if len(contacts) == 1 else {}


# Inbound events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sender:
    """Who wrote: their phone number as WhatsApp gives it (digits, no '+'), their business-scoped user id, or both."""

    wa_id: str | None
    scoped_user_id: str | None
    name: str | None

    @property
    def external_id(self) -> str:
        """The identity's key: the phone number when known, else the business-scoped user id."""
        key = self.wa_id or self.scoped_user_id
        assert key is not None  # `read_message` refuses a sender with neither
        return key

    @property
    def phone(self) -> str | None:
        return f"+{self.wa_id}" if self.wa_id else None

    @property
    def locale_hint(self) -> str | None:
        # WhatsApp tells no language; a Russian or Kazakh number (+7) is the best hint there is.
        return "ru" if self.wa_id and self.wa_id.startswith("7") else None


@dataclass(frozen=True, slots=True)
class MediaRef:
    """A document the user sent, still on Meta's servers."""

    media_id: str
    filename: str
    content_type: str


@dataclass(frozen=True, slots=True)
class UserMessage:
    """Something for the gateway: a content, or a document to download first (then `content` is None)."""

    sender: Sender
    message_id: str
    received_at: dt.datetime
    content: Content | None
    media: MediaRef | None = None

    def inbound(self, external_id: str, content: Content | None = None) -> Inbound:
        body = content if content is not None else self.content
        if body is None:
            raise InvalidInput("a WhatsApp message without content")
        return Inbound(channel=CHANNEL, external_user_id=external_id, message_id=self.message_id,
                       received_at=self.received_at, locale_hint=self.sender.locale_hint, content=body)


@dataclass(frozen=True, slots=True)
class Notice:
    """Something answered with a hint only (a sticker, a voice note): `key` is the hint's catalogue key."""

    sender: Sender
    message_id: str
    key: str


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What became of a message we sent."""

    message_id: str
    status: DeliveryStatus
    recipient_id: str | None
    errors: tuple[tuple[int, str], ...] = field(default=())

    @property
    def error_text(self) -> str | None:
        return "; ".join(f"{code}: {title}" for code, title in self.errors) or None


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str


WhatsAppEvent = UserMessage | Notice | Ignored

UNSUPPORTED_HINT = "telegram.unsupported"  # the channel-neutral wording: what the bot understands
_SILENT_TYPES = frozenset({"reaction", "system", "ephemeral"})  # a 👍 on a message needs no hint back


def read_message(payload: Mapping[str, Any]) -> WhatsAppEvent:
    """What one recorded message means for b2bot (`payload` as `split_webhook` made it)."""
    message = payload.get("message")
    if not isinstance(message, dict):
        return Ignored("no message")
    contact = _dict(payload.get("contact"))
    profile = _dict(contact.get("profile"))
    sent_by = _str(message.get("from"))  # a phone number, or a business-scoped id for a user who hides it
    wa_id = _str(contact.get("wa_id")) or (sent_by if sent_by and sent_by.isdigit() else None)
    scoped = (_str(contact.get("user_id")) or _str(message.get("from_user_id"))
              or (sent_by if sent_by and not sent_by.isdigit() else None))
    sender = Sender(wa_id=wa_id if wa_id and wa_id.isdigit() else None, scoped_user_id=scoped,
                    name=_str(profile.get("name")))
    if sender.wa_id is None and sender.scoped_user_id is None:
        return Ignored("a message without a sender")
    message_id = str(message["id"])
    received_at = _timestamp(message.get("timestamp"))

    def said(content: Content | None, media: MediaRef | None = None) -> UserMessage:
        return UserMessage(sender, message_id, received_at, content, media)

    kind = message.get("type")
    if kind in _SILENT_TYPES:
        return Ignored(f"{kind} messages are not answered")
    body = _dict(message.get(kind) if isinstance(kind, str) else None)
    try:
        if kind == "request_welcome":  # the user opened the chat for the first time
            return said(Text("/start"))
        if kind == "text" and isinstance(body.get("body"), str) and body["body"].strip():
            return said(Text(body["body"]))
        if kind == "interactive":
            reply = body.get("button_reply") or body.get("list_reply")
            if isinstance(reply, dict) and _str(reply.get("id")):
                return said(_press(str(reply["id"]), _str(reply.get("title"))))
        if kind == "button":  # a quick-reply button of a template
            pressed = _str(body.get("payload"))
            if pressed:
                return said(_press(pressed, _str(body.get("text"))))
        if kind == "document" and _str(body.get("id")):
            filename = _safe_filename(_str(body.get("filename")))
            content_type = (_str(body.get("mime_type")) or mimetypes.guess_type(filename)[0]
                            or "application/octet-stream")
            return said(None, MediaRef(str(body["id"]), filename, content_type))
        if kind == "location":
            return said(Location(float(body["latitude"]), float(body["longitude"])))
        if kind == "contacts":
            shared = _shared_contact(message.get("contacts"), sender)
            if shared is not None:
                return said(shared)
        if kind == "order":
            upload = catalog_order_file(body)
            if upload is not None:
                return said(upload)
    except (KeyError, TypeError, ValueError, InvalidInput):
        pass  # a malformed part of a message from Meta: answered like anything else not understood
    return Notice(sender, message_id, UNSUPPORTED_HINT)


def read_status(payload: Mapping[str, Any]) -> StatusUpdate:
    status = payload["status"]
    errors = tuple(
        (int(error.get("code", 0)), str(error.get("title") or error.get("message") or ""))
        for error in status.get("errors") or () if isinstance(error, dict)
    )
    return StatusUpdate(str(status["id"]), status["status"], _str(status.get("recipient_id")), errors)


def _press(payload: str, title: str | None) -> Content:
    """A reply button or list row: its payload, or the title as text when the payload is not one of ours."""
    try:
        decode_payload(payload)
    except InvalidInput:
        return Text(title) if title else ButtonPress(payload)
    return ButtonPress(payload)


def _shared_contact(cards: object, sender: Sender) -> SharedContact | None:
    """The first phone of a shared contact card; it is the user's own when its WhatsApp id is theirs."""
    if not isinstance(cards, list):
        return None
    for card in cards:
        for phone in (card.get("phones") or ()) if isinstance(card, dict) else ():
            if isinstance(phone, dict) and _str(phone.get("phone")):
                own = sender.wa_id is not None and phone.get("wa_id") == sender.wa_id
                return SharedContact(str(phone["phone"]), own)
    return None


def catalog_order_file(order: Mapping[str, Any]) -> FileUpload | None:
    """An order from the WhatsApp catalogue as the order file it amounts to: one `SKU;Qty` row per item.

    The catalogue items' content ids (`product_retailer_id`) are SKUs; the cart checks them like any order file.
    """
    items = order.get("product_items")
    if not isinstance(items, list) or not items:
        return None
    rows = ["SKU;Qty"]
    for item in items:
        sku = _str(item.get("product_retailer_id")) if isinstance(item, dict) else None
        quantity = str(item.get("quantity", "")).strip() if isinstance(item, dict) else ""
        if sku is None or ";" in sku or "\n" in sku or not quantity.isdigit():
            return None
        rows.append(f"{sku};{quantity}")
    data = ("\n".join(rows) + "\n").encode()
    return FileUpload(CATALOG_ORDER_FILE, "text/csv", data, len(data))


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _timestamp(raw: object) -> dt.datetime:
    try:
        return dt.datetime.fromtimestamp(int(str(raw)), dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return dt.datetime.now(dt.UTC)


def _safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or "file"


# Outbound -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Request:
    """One message object to post to `/<phone number id>/messages` (without `messaging_product` and `to`).

    `upload` is a document to upload first; its media id then goes into `body["document"]["id"]`.
    """

    body: dict[str, Any]
    upload: DocumentOut | None = None


def to_requests(messages: Sequence[Outbound]) -> list[list[Request]]:
    """The message objects that show each of `messages` (already fitted by `bots.fallback`), one list each."""
    return [_requests(message) for message in messages]


def _requests(message: Outbound) -> list[Request]:
    if isinstance(message, TextOut):
        return [_text(piece) for piece in split_text(message.text, MAX_TEXT) or [EMPTY_TEXT]]
    if isinstance(message, Buttons):
        *before, body = _with_body(message.text)
        return [*before, Request(_button_message(body, message.buttons))]
    if isinstance(message, ListOut):
        *before, body = _with_body(message.text)
        return [*before, Request(_list_message(body, message))]
    if isinstance(message, ProductCardOut):
        return _card(message)
    if isinstance(message, DocumentOut):
        caption = message.caption if message.caption and len(message.caption) <= MAX_BODY else None
        document: dict[str, Any] = {"filename": message.filename}
        if caption:
            document["caption"] = caption
        extra = [] if caption or not message.caption else _requests(TextOut(message.caption))
        return [Request({"type": "document", "document": document}, upload=message), *extra]
    assert isinstance(message, ImageOut)
    image: dict[str, Any] = {"link": message.url}
    if message.caption:
        image["caption"] = truncate(message.caption, MAX_BODY)
    return [Request({"type": "image", "image": image})]


def _text(text: str) -> Request:
    return Request({"type": "text", "text": {"body": text, "preview_url": False}})


def _with_body(text: str) -> list[Any]:
    """Text messages for all but the last piece of `text`, then the last piece (within an interactive body)."""
    pieces = split_text(text, MAX_TEXT) or [EMPTY_TEXT]
    *before, last = pieces
    if len(last) > MAX_BODY:
        *more, last = split_text(last, MAX_BODY)
        before.extend(more)
    return [*(_text(piece) for piece in before), last.strip() or EMPTY_TEXT]


def _button_message(body: str, buttons: Sequence[Button], header: dict[str, Any] | None = None) -> dict[str, Any]:
    interactive: dict[str, Any] = {
        "type": "button",
        "body": {"text": body},
        "action": {"buttons": [
            {"type": "reply", "reply": {"id": b.payload, "title": truncate(b.title, MAX_BUTTON_TITLE)}}
            for b in buttons[:MAX_BUTTONS]
        ]},
    }
    if header is not None:
        interactive["header"] = header
    return {"type": "interactive", "interactive": interactive}


def _list_message(body: str, message: ListOut) -> dict[str, Any]:
    sections = [section for section in message.sections if section.rows]
    out = []
    for index, section in enumerate(sections):
        rows = []
        for row in section.rows:
            item = {"id": row.payload, "title": truncate(row.title, MAX_ROW_TITLE)}
            if row.description:
                item["description"] = truncate(row.description, MAX_ROW_DESCRIPTION)
            rows.append(item)
        shown: dict[str, Any] = {"rows": rows}
        title = truncate(section.title, MAX_SECTION_TITLE) or (f"{index + 1}" if len(sections) > 1 else "")
        if title:
            shown["title"] = title  # required when there is more than one section
        out.append(shown)
    button = truncate(message.button_title, MAX_LIST_BUTTON) or EMPTY_TEXT
    return {"type": "interactive",
            "interactive": {"type": "list", "body": {"text": body}, "action": {"button": button, "sections": out}}}


def _card(card: ProductCardOut) -> list[Request]:
    """A product card: its picture with the title and body as the caption (with its buttons when it has some)."""
    full = "\n".join(part for part in (card.title, card.body) if part)
    if card.image_url is None:
        return _requests(Buttons(full, card.buttons) if card.buttons else TextOut(full))
    if len(full) > MAX_BODY:
        # A body too long for a caption follows the picture as a message of its own, with the buttons.
        picture = Request({"type": "image", "image": {"link": card.image_url,
                                                       "caption": truncate(card.title, MAX_BODY)}})
        return [picture, *_requests(Buttons(card.body, card.buttons) if card.buttons else TextOut(card.body))]
    if not card.buttons:
        return [Request({"type": "image", "image": {"link": card.image_url, "caption": full}})]
    header = {"type": "image", "image": {"link": card.image_url}}
    return [Request(_button_message(full, card.buttons, header))]


def template_request(name: str, language: str, parameters: Sequence[str]) -> Request:
    """An approved template with its body parameters, as sent outside the 24-hour window."""
    template: dict[str, Any] = {"name": name, "language": {"code": language}}
    if parameters:
        # Template parameters may hold no newlines, tabs or runs of spaces.
        values = [" ".join(value.split()) or "-" for value in parameters]
        template["components"] = [{"type": "body", "parameters": [{"type": "text", "text": v} for v in values]}]
    return Request({"type": "template", "template": template})
