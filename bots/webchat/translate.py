"""Web chat payloads <-> neutral messages: what the widget can show, and each message as it renders it."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from bots.webchat.protocol import ProtocolError, SendMessage
from core.messaging import (
    ButtonPress,
    Buttons,
    ChannelCapabilities,
    Content,
    DocumentOut,
    FileUpload,
    ImageOut,
    ListOut,
    Outbound,
    ProductCardOut,
    Text,
    TextOut,
)

CHANNEL = "webchat"
MAX_UPLOAD_BYTES = 1_000_000  # the order-file limit; the HTTP body limit leaves room for base64

WEBCHAT_CAPABILITIES = ChannelCapabilities(
    max_buttons=10,
    max_button_title=40,
    supports_lists=True,
    max_list_rows=30,
    supports_images=True,
    supports_documents=True,
    max_text_length=4000,
    max_row_title=80,
    max_row_description=160,
    max_list_button_title=40,
)


def to_content(frame: SendMessage) -> Content:
    """The neutral content of a visitor's message (the frame is already checked to hold exactly one part)."""
    if frame.text is not None:
        return Text(frame.text)
    if frame.payload is not None:
        return ButtonPress(frame.payload)
    assert frame.file is not None
    try:
        data = base64.b64decode(frame.file.data, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("invalid_file", "the file is not valid base64") from None
    if not data:
        raise ProtocolError("invalid_file", "the file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ProtocolError("file_too_large", f"files are limited to {MAX_UPLOAD_BYTES // 1000} kB")
    return FileUpload(filename=frame.file.filename, content_type=frame.file.content_type, data=data, size=len(data))


def inbound_body(frame: SendMessage, content: Content) -> dict[str, Any]:
    """The visitor's own message as the transcript shows it back to them."""
    if isinstance(content, Text):
        return {"kind": "text", "text": content.text}
    if isinstance(content, ButtonPress):
        return {"kind": "button", "text": frame.title or "", "payload": content.payload}
    assert isinstance(content, FileUpload)
    return {"kind": "file", "filename": content.filename, "size": content.size}


def outbound_body(message: Outbound, file_url: str | None = None) -> dict[str, Any]:
    """A neutral outbound message as the widget renders it; documents need the URL they download from."""
    if isinstance(message, TextOut):
        return {"kind": "text", "text": message.text}
    if isinstance(message, Buttons):
        return {"kind": "buttons", "text": message.text, "buttons": _buttons(message.buttons)}
    if isinstance(message, ListOut):
        sections = [{"title": section.title,
                     "rows": [{"title": r.title, "payload": r.payload, "description": r.description}
                              for r in section.rows]}
                    for section in message.sections]
        return {"kind": "list", "text": message.text, "button": message.button_title, "sections": sections}
    if isinstance(message, ProductCardOut):
        return {"kind": "card", "title": message.title, "text": message.body, "image": message.image_url,
                "buttons": _buttons(message.buttons)}
    if isinstance(message, DocumentOut):
        return {"kind": "document", "filename": message.filename, "content_type": message.content_type,
                "size": len(message.data), "caption": message.caption, "url": file_url}
    if isinstance(message, ImageOut):
        return {"kind": "image", "url": message.url, "caption": message.caption}
    raise TypeError(f"not an outbound message: {message!r}")


def _buttons(buttons: Any) -> list[dict[str, str]]:
    return [{"title": button.title, "payload": button.payload} for button in buttons]
