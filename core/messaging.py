"""Channel-neutral messages: the inbound envelope, the outbound kinds, compact button payloads, capabilities.

Every channel adapter translates its payloads to and from these types; flows never see a channel's own
objects. Button payloads are short strings built by `encode_payload`, because the strictest channel
(Telegram's `callback_data`) allows 64 bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, unquote

from core.errors import InvalidInput

MAX_PAYLOAD_BYTES = 64
_ACTION = re.compile(r"[a-z][a-z0-9_.]{0,31}")
_SEPARATOR = ":"


# Inbound ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Text:
    text: str


@dataclass(frozen=True, slots=True)
class ButtonPress:
    """A tap on a button we sent: its compact payload (see `decode_payload`)."""

    payload: str


@dataclass(frozen=True, slots=True)
class FileUpload:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    size: int

    def __post_init__(self) -> None:
        if self.size != len(self.data):
            raise InvalidInput("file size does not match its data", size=self.size, actual=len(self.data))


@dataclass(frozen=True, slots=True)
class SharedContact:
    """A phone number the user shared; `user_id_matches` is true when it is their own contact card."""

    phone: str
    user_id_matches: bool


@dataclass(frozen=True, slots=True)
class Location:
    lat: float
    lon: float

    def __post_init__(self) -> None:
        if not (-90 <= self.lat <= 90 and -180 <= self.lon <= 180):
            raise InvalidInput("coordinates out of range", lat=self.lat, lon=self.lon)


Content = Text | ButtonPress | FileUpload | SharedContact | Location


@dataclass(frozen=True, slots=True)
class RawUpdate:
    """A channel's raw update under the channel's own id for it (Telegram's update_id), to be recorded."""

    external_id: str
    payload: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Inbound:
    """One message from a user on some channel, after the channel adapter has translated it."""

    channel: str
    external_user_id: str
    message_id: str
    received_at: dt.datetime
    locale_hint: str | None
    content: Content
    # The channel's recorded raw update this message came in (`core.services.inbound_updates`), if any: the
    # gateway marks it finished in the same commit that logs the message, which from then on dedupes it.
    recorded_update: int | None = None
    # Or the raw update itself, not recorded yet: the gateway records it, finished, in that same commit (one
    # commit for what would otherwise be two); a redelivery of it is then answered with nothing.
    raw_update: RawUpdate | None = None

    def __post_init__(self) -> None:
        if self.received_at.tzinfo is None:
            raise InvalidInput("received_at must be timezone-aware")

    @property
    def conversation_key(self) -> str:
        """The key a conversation's state is stored and locked under: one per channel identity."""
        return conversation_key(self.channel, self.external_user_id)


def conversation_key(channel: str, external_user_id: str) -> str:
    return f"{channel}:{external_user_id}"


# Outbound -----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Button:
    title: str
    payload: str

    def __post_init__(self) -> None:
        _check_payload_size(self.payload)


@dataclass(frozen=True, slots=True)
class TextOut:
    text: str


@dataclass(frozen=True, slots=True)
class Buttons:
    text: str
    buttons: Sequence[Button]

    def __post_init__(self) -> None:
        # Callers may pass a list; a tuple keeps the message immutable.
        object.__setattr__(self, "buttons", tuple(self.buttons))


@dataclass(frozen=True, slots=True)
class ListRow:
    title: str
    payload: str
    description: str = ""

    def __post_init__(self) -> None:
        _check_payload_size(self.payload)


@dataclass(frozen=True, slots=True)
class ListSection:
    title: str
    rows: Sequence[ListRow]

    def __post_init__(self) -> None:
        object.__setattr__(self, "rows", tuple(self.rows))


@dataclass(frozen=True, slots=True)
class ListOut:
    """A menu the user opens with `button_title` and picks one row from (WhatsApp lists, web chat)."""

    text: str
    button_title: str
    sections: Sequence[ListSection]

    def __post_init__(self) -> None:
        object.__setattr__(self, "sections", tuple(self.sections))

    @property
    def rows(self) -> tuple[ListRow, ...]:
        return tuple(row for section in self.sections for row in section.rows)


@dataclass(frozen=True, slots=True)
class ProductCardOut:
    title: str
    body: str
    image_url: str | None
    buttons: Sequence[Button] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "buttons", tuple(self.buttons))


@dataclass(frozen=True, slots=True)
class DocumentOut:
    filename: str
    content_type: str
    data: bytes = field(repr=False)
    caption: str | None = None


@dataclass(frozen=True, slots=True)
class ImageOut:
    url: str
    caption: str | None = None


Outbound = TextOut | Buttons | ListOut | ProductCardOut | DocumentOut | ImageOut


# Numbered choices ---------------------------------------------------------------------------------

NumberedChoices = dict[str, str]
"""Reply number ("1", "2", ...) -> button payload, for channels that showed buttons as numbered text."""


@dataclass(frozen=True, slots=True)
class Adapted:
    """Outbound messages fitted to one channel, and the numbered choices they show (empty if none)."""

    messages: tuple[Outbound, ...]
    choices: NumberedChoices = field(default_factory=dict)


def resolve_numbered_reply(text: str, choices: Mapping[str, str]) -> str | None:
    """The payload a reply like "2" (or "2.", " 2 ") picks from `choices`, or None if it picks nothing."""
    candidate = text.strip().rstrip(".)")
    if not candidate.isdigit():
        return None
    return choices.get(str(int(candidate)))


# Payload codec ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Payload:
    action: str
    args: tuple[str, ...] = ()

    def arg(self, index: int) -> str | None:
        return self.args[index] if index < len(self.args) else None


def encode_payload(action: str, *args: str | int) -> str:
    """`action:arg1:arg2`, arguments percent-escaped; `InvalidInput` if the result exceeds 64 bytes.

    Put ids in payloads, not names: a payload must fit Telegram's `callback_data`.
    """
    if not _ACTION.fullmatch(action):
        raise InvalidInput("payload action must be a short lower-case name", action=action)
    parts = [action, *(quote(str(arg), safe="") for arg in args)]
    payload = _SEPARATOR.join(parts)
    _check_payload_size(payload)
    return payload


def decode_payload(payload: str) -> Payload:
    """The action and arguments of a payload; `InvalidInput` for anything `encode_payload` cannot produce."""
    _check_payload_size(payload)
    action, *raw_args = payload.split(_SEPARATOR)
    if not _ACTION.fullmatch(action):
        raise InvalidInput("malformed button payload", payload=payload)
    try:
        args = tuple(unquote(arg, errors="strict") for arg in raw_args)
    except UnicodeDecodeError as exc:
        raise InvalidInput("malformed button payload", payload=payload) from exc
    return Payload(action=action, args=args)


def _check_payload_size(payload: str) -> None:
    size = len(payload.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise InvalidInput("button payload is longer than 64 bytes", payload=payload[:80], size=size)
    if not payload:
        raise InvalidInput("button payload is empty")


# Capabilities -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChannelCapabilities:
    """What a channel can show; `bots.fallback` degrades anything beyond it."""

    max_buttons: int
    max_button_title: int
    supports_lists: bool
    max_list_rows: int
    supports_images: bool
    supports_documents: bool
    max_text_length: int
    max_row_title: int = 24
    max_row_description: int = 72
    max_list_button_title: int = 20

    def __post_init__(self) -> None:
        if self.max_text_length < 100 or self.max_button_title < 1 or self.max_buttons < 0:
            raise ValueError("channel capabilities too small to show anything useful")
