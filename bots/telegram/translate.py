"""Telegram translation: Bot API updates -> neutral inbound events, neutral outbound -> Bot API method calls.

Pure functions and small value types, no I/O: the transport feeds `read_update` and executes what
`to_outgoing` returns. Button payloads travel as `callback_data` unchanged (the codec keeps them within
Telegram's 64 bytes); a keyboard longer than a page is paged with `tg.page:N` buttons that never reach the
dialogs. Texts are split to Telegram's limits, which count UTF-16 code units, not characters.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from aiogram.methods import SendDocument, SendMessage, SendPhoto
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from aiogram.types import Message as TgMessage

from bots.fallback import split_text, truncate
from core.errors import InvalidInput
from core.messaging import (
    Button,
    ButtonPress,
    Buttons,
    ChannelCapabilities,
    Content,
    DocumentOut,
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
    encode_payload,
)
from dialogs.i18n import SUPPORTED_LOCALES, t
from dialogs.menus import GUEST_MENU, MEMBER_MENU

CHANNEL = "telegram"
MAX_TEXT = 4096  # UTF-16 code units, as Telegram counts
MAX_CAPTION = 1024
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # the cloud Bot API serves files up to 20 MB
PAGE_SIZE = 8  # option buttons per keyboard page; more are paged
SHORT_TITLE = 18  # titles up to this length sit two to a row
PAGE_ACTION = "tg.page"
EMPTY_TEXT = "⋯"  # Telegram refuses an empty message text
_START_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,64}")  # what a deep link's `start` parameter may carry

TELEGRAM_CAPABILITIES = ChannelCapabilities(
    max_buttons=100,  # Telegram's limit per inline keyboard; `to_outgoing` pages anything above PAGE_SIZE
    max_button_title=64,
    supports_lists=True,  # a list is its text plus one button per row
    max_list_rows=100,
    supports_images=True,
    supports_documents=True,
    max_text_length=MAX_TEXT,
    max_row_title=64,
    max_row_description=200,
    max_list_button_title=64,
)

# The main menu entries that sit on the persistent reply keyboard, by the payload they press.
REPLY_MENU_MEMBER = ("search", "cart", "orders", "balance")
REPLY_MENU_GUEST = ("search",)


# Inbound events -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DocumentRef:
    """A document the user sent, still on Telegram's servers."""

    file_id: str
    filename: str
    content_type: str
    size: int | None


@dataclass(frozen=True, slots=True)
class UserMessage:
    """Something for the gateway: a content, or a document to download first (then `content` is None)."""

    chat_id: int
    user_id: str
    message_id: str
    received_at: dt.datetime
    locale_hint: str | None
    content: Content | None
    document: DocumentRef | None = None
    callback_id: str | None = None
    start_token: str | None = None  # `/start <token>`: an invite to redeem before the greeting

    def inbound(self, content: Content | None = None) -> Inbound:
        body = content if content is not None else self.content
        if body is None:
            raise InvalidInput("a Telegram message without content")
        return Inbound(channel=CHANNEL, external_user_id=self.user_id, message_id=self.message_id,
                       received_at=self.received_at, locale_hint=self.locale_hint, content=body)


@dataclass(frozen=True, slots=True)
class PageTurn:
    """A tap on a keyboard's page button: show page `page` of the keyboard on `message_id`."""

    chat_id: int
    message_id: int
    page: int
    callback_id: str
    locale_hint: str | None


@dataclass(frozen=True, slots=True)
class Notice:
    """Something we answer with a hint only, never an action: an edited message, a sticker, a voice note."""

    chat_id: int
    user_id: str
    locale_hint: str | None
    key: str  # catalogue key of the hint
    callback_id: str | None = None


@dataclass(frozen=True, slots=True)
class MembershipChange:
    """The user blocked (or unblocked) the bot in their private chat."""

    user_id: str
    blocked: bool


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str
    callback_id: str | None = None


TelegramEvent = UserMessage | PageTurn | Notice | MembershipChange | Ignored


def read_update(update: Update) -> TelegramEvent:
    """What one update means for b2bot. Only private chats are conversations; everything else is ignored."""
    if update.message is not None:
        return _read_message(update.message)
    if update.callback_query is not None:
        query = update.callback_query
        message = query.message
        chat_id = message.chat.id if message is not None else query.from_user.id
        if message is not None and message.chat.type != "private":
            return Ignored("callback outside a private chat", callback_id=query.id)
        if not query.data:
            return Ignored("callback without data", callback_id=query.id)
        page = _page_of(query.data)
        if page is not None and message is not None:
            return PageTurn(chat_id, message.message_id, page, query.id, query.from_user.language_code)
        return UserMessage(chat_id=chat_id, user_id=str(query.from_user.id), message_id=f"cb{query.id}",
                           received_at=_utcnow(), locale_hint=query.from_user.language_code,
                           content=ButtonPress(query.data), callback_id=query.id)
    if update.edited_message is not None:
        edited = update.edited_message
        if edited.chat.type != "private" or edited.from_user is None:
            return Ignored("edit outside a private chat")
        # Redoing a turn on an edit could add to the cart twice; the user is asked to send it anew instead.
        return Notice(edited.chat.id, str(edited.from_user.id), edited.from_user.language_code,
                      "telegram.edited")
    if update.my_chat_member is not None:
        member = update.my_chat_member
        if member.chat.type != "private":
            return Ignored("membership outside a private chat")
        status = member.new_chat_member.status
        return MembershipChange(str(member.from_user.id), blocked=status in ("kicked", "left"))
    return Ignored("update kind not used")


def _read_message(message: TgMessage) -> TelegramEvent:
    user = message.from_user
    if message.chat.type != "private" or user is None or user.is_bot:
        return Ignored("message outside a private chat")

    def said(content: Content | None, **extra: object) -> UserMessage:
        return UserMessage(chat_id=message.chat.id, user_id=str(user.id), message_id=str(message.message_id),
                           received_at=_as_utc(message.date), locale_hint=user.language_code, content=content,
                           **extra)  # type: ignore[arg-type]  # extra is document / start_token

    if message.text is not None:
        token = start_token(message.text)
        if token is not None:
            return said(Text("/start"), start_token=token)
        pressed = menu_payload(message.text)
        return said(ButtonPress(pressed) if pressed is not None else Text(message.text))
    if message.contact is not None:
        # Only the user's own card counts: anyone can forward a customer's contact.
        own = message.contact.user_id is not None and message.contact.user_id == user.id
        return said(SharedContact(message.contact.phone_number, own))
    if message.document is not None:
        document = message.document
        filename = _safe_filename(document.file_name)
        content_type = document.mime_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        return said(None, document=DocumentRef(document.file_id, filename, content_type, document.file_size))
    if message.location is not None:
        return said(Location(message.location.latitude, message.location.longitude))
    return Notice(message.chat.id, str(user.id), user.language_code, "telegram.unsupported")


def start_token(text: str) -> str | None:
    """The token of a deep link `/start <token>` (what `t.me/bot?start=<token>` sends), or None."""
    words = text.strip().split()
    if len(words) != 2 or words[0].split("@", 1)[0] != "/start" or not _START_TOKEN.fullmatch(words[1]):
        return None
    return words[1]


def menu_payload(text: str) -> str | None:
    """The payload of a reply-keyboard entry whose title is `text` (in any language), or None."""
    return _menu_titles().get(text.strip().casefold())


@cache
def _menu_titles() -> dict[str, str]:
    return {t(locale, item.title_key).casefold(): item.payload
            for locale in SUPPORTED_LOCALES for item in (*MEMBER_MENU, *GUEST_MENU)
            if decode_payload(item.payload).action in REPLY_MENU_MEMBER}


def _page_of(data: str) -> int | None:
    try:
        payload = decode_payload(data)
    except InvalidInput:
        return None
    if payload.action != PAGE_ACTION:
        return None
    raw = payload.arg(0)
    return int(raw) if raw is not None and raw.isdigit() else 0


def _safe_filename(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return base[:200] or "file"


def _as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Outbound -----------------------------------------------------------------------------------------

SendMethod = SendMessage | SendPhoto | SendDocument


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One Bot API call of a turn; `pages` is the full keyboard when the call shows only its first page;
    `plain` is what to send instead if Telegram cannot fetch a photo."""

    method: SendMethod
    pages: tuple[Button, ...] = ()
    plain: SendMessage | None = None


def to_outgoing(
    messages: Sequence[Outbound], chat_id: int, reply_keyboard: ReplyKeyboardMarkup | None = None
) -> list[Outgoing]:
    """The Bot API calls that show `messages` (already fitted by `bots.fallback`).

    The reply keyboard, when given, rides on the first plain text message (a message carries one keyboard).
    """
    out: list[Outgoing] = []
    for message in messages:
        out.extend(_outgoing(message, chat_id))
    if reply_keyboard is not None:
        for index, item in enumerate(out):
            if isinstance(item.method, SendMessage) and item.method.reply_markup is None:
                method = item.method.model_copy(update={"reply_markup": reply_keyboard})
                out[index] = Outgoing(method, item.pages, item.plain)
                break
    return out


def _outgoing(message: Outbound, chat_id: int) -> list[Outgoing]:
    if isinstance(message, TextOut):
        return [Outgoing(SendMessage(chat_id=chat_id, text=piece)) for piece in split_message(message.text)]
    if isinstance(message, Buttons):
        return _with_keyboard(chat_id, message.text, message.buttons)
    if isinstance(message, ListOut):
        return _with_keyboard(chat_id, list_text(message), [Button(row.title, row.payload) for row in message.rows])
    if isinstance(message, ProductCardOut):
        return _card(chat_id, message)
    if isinstance(message, DocumentOut):
        caption = message.caption if message.caption and utf16_len(message.caption) <= MAX_CAPTION else None
        document = SendDocument(chat_id=chat_id, document=BufferedInputFile(message.data, message.filename),
                                caption=caption)
        extra = [] if caption or not message.caption else _outgoing(TextOut(message.caption), chat_id)
        return [Outgoing(document), *extra]
    assert isinstance(message, ImageOut)
    caption = fit_caption(message.caption)
    plain = SendMessage(chat_id=chat_id, text=fit_caption(f"{message.caption or ''}\n{message.url}".strip()) or "")
    return [Outgoing(SendPhoto(chat_id=chat_id, photo=message.url, caption=caption), plain=plain)]


def _with_keyboard(chat_id: int, text: str, buttons: Sequence[Button]) -> list[Outgoing]:
    *before, last = split_message(text) or [EMPTY_TEXT]
    out = [Outgoing(SendMessage(chat_id=chat_id, text=piece)) for piece in before]
    pages = tuple(buttons) if len(buttons) > PAGE_SIZE else ()
    out.append(Outgoing(SendMessage(chat_id=chat_id, text=last or EMPTY_TEXT,
                                    reply_markup=inline_keyboard(buttons, page=0)), pages=pages))
    return out


def _card(chat_id: int, card: ProductCardOut) -> list[Outgoing]:
    full = "\n".join(part for part in (card.title, card.body) if part)
    keyboard = inline_keyboard(card.buttons, page=0) if card.buttons else None
    pages = tuple(card.buttons) if len(card.buttons) > PAGE_SIZE else ()
    if card.image_url is None:
        return _with_keyboard(chat_id, full, card.buttons) if card.buttons else _outgoing(TextOut(full), chat_id)
    text_instead = _with_keyboard(chat_id, full, card.buttons)[-1].method
    assert isinstance(text_instead, SendMessage)
    if utf16_len(full) <= MAX_CAPTION:
        photo = SendPhoto(chat_id=chat_id, photo=card.image_url, caption=full, reply_markup=keyboard)
        return [Outgoing(photo, pages=pages, plain=text_instead if utf16_len(full) <= MAX_TEXT else None)]
    # A body too long for a caption follows the photo as a message of its own, with the buttons.
    photo = SendPhoto(chat_id=chat_id, photo=card.image_url, caption=fit_caption(card.title))
    return [Outgoing(photo), *(_with_keyboard(chat_id, card.body, card.buttons) if card.buttons
                               else _outgoing(TextOut(card.body), chat_id))]


def list_text(message: ListOut) -> str:
    """A list's text with its rows' descriptions, since a Telegram button shows only a title."""
    lines = [message.text] if message.text else []
    for section in message.sections:
        if section.title:
            lines.append(f"\n{section.title}")
        lines.extend(f"• {row.title} — {row.description}" for row in section.rows if row.description)
    return "\n".join(lines)


def inline_keyboard(buttons: Sequence[Button], page: int) -> InlineKeyboardMarkup:
    """One page of `buttons` as an inline keyboard: short titles two to a row, a ‹ n/N › row when paged."""
    pages = max(1, -(-len(buttons) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    shown = buttons[page * PAGE_SIZE: (page + 1) * PAGE_SIZE] if len(buttons) > PAGE_SIZE else buttons
    rows: list[list[InlineKeyboardButton]] = []
    for button in shown:
        key = InlineKeyboardButton(text=button.title, callback_data=button.payload)
        if rows and len(rows[-1]) == 1 and _short(rows[-1][0].text) and _short(button.title):
            rows[-1].append(key)
        else:
            rows.append([key])
    if pages > 1:
        rows.append([
            InlineKeyboardButton(text="‹", callback_data=encode_payload(PAGE_ACTION, (page - 1) % pages)),
            InlineKeyboardButton(text=f"{page + 1}/{pages}", callback_data=encode_payload(PAGE_ACTION, page)),
            InlineKeyboardButton(text="›", callback_data=encode_payload(PAGE_ACTION, (page + 1) % pages)),
        ])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _short(title: str) -> bool:
    return len(title) <= SHORT_TITLE


def main_menu_keyboard(locale: str, *, member: bool) -> ReplyKeyboardMarkup:
    """The persistent main menu under the input field; guests get a button to share their phone number."""
    titles = {payload_action(item.payload): t(locale, item.title_key) for item in (*MEMBER_MENU, *GUEST_MENU)}
    entries = REPLY_MENU_MEMBER if member else REPLY_MENU_GUEST
    keys = [KeyboardButton(text=titles[action]) for action in entries if action in titles]
    rows = [keys[i:i + 2] for i in range(0, len(keys), 2)]
    if not member:
        rows.append([KeyboardButton(text=t(locale, "telegram.share_phone"), request_contact=True)])
    rows.append([KeyboardButton(text=t(locale, "common.menu")), KeyboardButton(text=t(locale, "common.help"))])
    return ReplyKeyboardMarkup(keyboard=rows, resize_keyboard=True, is_persistent=True)


def payload_action(payload: str) -> str:
    return decode_payload(payload).action


# Texts --------------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: characters beyond the BMP (most emoji) count twice."""
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MAX_TEXT) -> list[str]:
    """`text` in pieces Telegram accepts, split on paragraphs, lines, then words (see `bots.fallback`)."""
    for size in (limit, limit * 3 // 4, limit // 2):
        pieces = split_text(text, size)
        if all(utf16_len(piece) <= limit for piece in pieces):
            return pieces
    return split_text(text, limit // 2)  # pragma: no cover - half the limit always fits


def fit_caption(caption: str | None) -> str | None:
    """`caption` as it is when it fits a photo, else cut to fit."""
    if not caption:
        return None
    if utf16_len(caption) <= MAX_CAPTION:
        return caption
    fitted = truncate(caption, MAX_CAPTION)
    while utf16_len(fitted) > MAX_CAPTION:
        fitted = truncate(fitted, len(fitted) - (utf16_len(fitted) - MAX_CAPTION) - 1)
    return fitted
