"""Console translation: neutral outbound messages -> terminal text, typed lines -> `Inbound`.

Buttons and list rows are shown as numbered choices ("[2] Cement M500"); typing the number presses that
button. Other lines are text, slash commands included (`/lang ru`, `/help`, `/cancel` reach the engine as
typed), except the console's own ways to send what a messenger would attach: `/contact +79001234567`,
`/location 55.75 37.61`, `/file path/to/order.xlsx`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

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
    resolve_numbered_reply,
)

CHANNEL = "console"
MAX_UPLOAD_BYTES = 20 * 1024 * 1024

# A terminal shows everything; buttons stay buttons here and are numbered by `render`.
CONSOLE_CAPABILITIES = ChannelCapabilities(
    max_buttons=100,
    max_button_title=200,
    supports_lists=True,
    max_list_rows=100,
    supports_images=True,
    supports_documents=True,
    max_text_length=100_000,
    max_row_title=200,
    max_row_description=500,
    max_list_button_title=200,
)


@dataclass(frozen=True, slots=True)
class Rendered:
    text: str
    choices: dict[str, str]


def render(messages: Sequence[Outbound]) -> Rendered:
    """Terminal text for one turn's messages; choices are numbered across the turn."""
    choices: dict[str, str] = {}
    blocks = [_render_one(message, choices) for message in messages]
    return Rendered(text="\n\n".join(block for block in blocks if block), choices=choices)


def _render_one(message: Outbound, choices: dict[str, str]) -> str:
    if isinstance(message, TextOut):
        return message.text
    if isinstance(message, Buttons):
        return "\n".join([message.text, *_numbered(message.buttons, choices)]).strip("\n")
    if isinstance(message, ListOut):
        lines = [message.text]
        for section in message.sections:
            if section.title:
                lines.append(f"  {section.title}")
            for row in section.rows:
                label = f"{row.title} — {row.description}" if row.description else row.title
                lines.extend(_numbered([Button(label, row.payload)], choices))
        return "\n".join(lines)
    if isinstance(message, ProductCardOut):
        lines = [f"*{message.title}*", message.body]
        if message.image_url:
            lines.append(f"[image: {message.image_url}]")
        return "\n".join([*lines, *_numbered(message.buttons, choices)])
    if isinstance(message, DocumentOut):
        note = f"[document: {message.filename}, {message.content_type}, {len(message.data)} bytes]"
        return f"{note}\n{message.caption}" if message.caption else note
    if isinstance(message, ImageOut):
        return f"[image: {message.url}]\n{message.caption}" if message.caption else f"[image: {message.url}]"
    raise TypeError(f"not an outbound message: {message!r}")


def _numbered(buttons: Sequence[Button], choices: dict[str, str]) -> list[str]:
    lines = []
    for button in buttons:
        number = str(len(choices) + 1)
        choices[number] = button.payload
        lines.append(f"  [{number}] {button.title}")
    return lines


def parse_line(line: str, choices: dict[str, str]) -> Content | None:
    """The content a typed line sends; None for a blank line. Bad console commands raise `InvalidInput`."""
    text = line.strip()
    if not text:
        return None
    payload = resolve_numbered_reply(text, choices)
    if payload is not None:
        return ButtonPress(payload)
    command, _, rest = text.partition(" ")
    rest = rest.strip()
    if command == "/contact":
        if not rest:
            raise InvalidInput("usage: /contact +79001234567")
        return SharedContact(phone=rest, user_id_matches=True)
    if command == "/location":
        try:
            lat, lon = (float(part) for part in rest.replace(",", " ").split())
        except ValueError:
            raise InvalidInput("usage: /location 55.75 37.61") from None
        return Location(lat=lat, lon=lon)
    if command == "/file":
        return _read_file(rest)
    return Text(text)


def _read_file(raw_path: str) -> FileUpload:
    if not raw_path:
        raise InvalidInput("usage: /file path/to/file")
    path = Path(raw_path).expanduser()
    if not path.is_file():
        raise InvalidInput("no such file", path=raw_path)
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise InvalidInput("the file is too large", path=raw_path, size=size, limit=MAX_UPLOAD_BYTES)
    data = path.read_bytes()
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return FileUpload(filename=path.name, content_type=content_type, data=data, size=len(data))


@dataclass(slots=True)
class ConsoleSession:
    """One terminal user: remembers the choices last shown, so a typed number presses that button."""

    user_id: str = "local"
    locale_hint: str | None = None
    choices: dict[str, str] = field(default_factory=dict)
    _sequence: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def show(self, messages: Sequence[Outbound]) -> str:
        rendered = render(messages)
        self.choices = rendered.choices
        return rendered.text

    def read(self, line: str, now: dt.datetime) -> Inbound | None:
        content = parse_line(line, self.choices)
        if content is None:
            return None
        return Inbound(channel=CHANNEL, external_user_id=self.user_id, message_id=str(next(self._sequence)),
                       received_at=now, locale_hint=self.locale_hint, content=content)
