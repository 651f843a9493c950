"""The capability ladder: fit neutral outbound messages to what one channel can show, degrading gracefully.

Buttons beyond the channel's limit become a list (if the channel has lists and the rows fit), else numbered
text whose numbers map back to the payloads (`Adapted.choices`; the engine keeps them in the conversation
state and resolves a reply "2" with `resolve_numbered_reply`). Titles are cut cleanly to the channel's limit,
long texts split on paragraph, then line, then word boundaries; a product card without images becomes text
with buttons, a document the channel cannot carry becomes a note, an image becomes its link.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import (
    Adapted,
    Button,
    Buttons,
    ChannelCapabilities,
    DocumentOut,
    ImageOut,
    ListOut,
    ListRow,
    ListSection,
    Outbound,
    ProductCardOut,
    TextOut,
    resolve_numbered_reply,
)
from dialogs.engine import Present
from dialogs.i18n import t

__all__ = ["adapt", "presenter", "resolve_numbered_reply", "split_text", "truncate"]

ELLIPSIS = "…"


def adapt(messages: Sequence[Outbound], capabilities: ChannelCapabilities, locale: str) -> Adapted:
    """`messages` fitted to the channel; numbered options are numbered across the whole turn."""
    ladder = _Ladder(capabilities, locale)
    for message in messages:
        ladder.add(message)
    return Adapted(messages=tuple(ladder.out), choices=ladder.choices)


def presenter(capabilities: ChannelCapabilities) -> Present:
    """The engine's `present` hook for one channel."""

    def present(messages: Sequence[Outbound], locale: str) -> Adapted:
        return adapt(messages, capabilities, locale)

    return present


def truncate(text: str, limit: int) -> str:
    """`text` within `limit` characters, cut at a word boundary when one is near, marked with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    if limit <= 1:
        return text[:limit]
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space >= (limit - 1) * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,.;:-–—") + ELLIPSIS


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, split on paragraphs, then lines, then words, then anywhere."""
    if len(text) <= limit:
        return [text]
    return [piece for piece in _split(text, limit, ("\n\n", "\n", " ")) if piece.strip()]


def _split(text: str, limit: int, separators: tuple[str, ...]) -> list[str]:
    if len(text) <= limit:
        return [text]
    if not separators:
        return [text[i : i + limit] for i in range(0, len(text), limit)]
    separator, finer = separators[0], separators[1:]
    pieces: list[str] = []
    current = ""
    for part in text.split(separator):
        candidate = f"{current}{separator}{part}" if current else part
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if len(part) <= limit:
            current = part
        else:
            *whole, current = _split(part, limit, finer)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return [piece.strip("\n") for piece in pieces]


class _Ladder:
    def __init__(self, capabilities: ChannelCapabilities, locale: str) -> None:
        self.caps = capabilities
        self.locale = locale
        self.out: list[Outbound] = []
        self.choices: dict[str, str] = {}

    def add(self, message: Outbound) -> None:
        if isinstance(message, TextOut):
            self.text(message.text)
        elif isinstance(message, Buttons):
            self.buttons(message.text, message.buttons)
        elif isinstance(message, ListOut):
            self.list(message)
        elif isinstance(message, ProductCardOut):
            self.card(message)
        elif isinstance(message, DocumentOut):
            self.document(message)
        else:
            self.image(message)

    def text(self, text: str) -> None:
        self.out.extend(TextOut(piece) for piece in split_text(text, self.caps.max_text_length))

    def leading_text(self, text: str) -> str:
        """Send all but the last piece of a long text; the last one goes with the buttons or list."""
        *before, last = split_text(text, self.caps.max_text_length) or [""]
        self.out.extend(TextOut(piece) for piece in before)
        return last

    def buttons(self, text: str, buttons: Sequence[Button]) -> None:
        if not buttons:
            self.text(text)
        elif len(buttons) <= self.caps.max_buttons:
            fitted = [Button(truncate(b.title, self.caps.max_button_title), b.payload) for b in buttons]
            self.out.append(Buttons(self.leading_text(text), fitted))
        elif self.caps.supports_lists and len(buttons) <= self.caps.max_list_rows:
            rows = [ListRow(title=b.title, payload=b.payload) for b in buttons]
            self.list(ListOut(text, t(self.locale, "fallback.options"), [ListSection("", rows)]))
        else:
            self.numbered(text, [(b.title, b.payload) for b in buttons])

    def list(self, message: ListOut) -> None:
        rows = message.rows
        if self.caps.supports_lists and len(rows) <= self.caps.max_list_rows:
            caps = self.caps
            sections = [
                ListSection(
                    truncate(section.title, caps.max_row_title),
                    [ListRow(truncate(row.title, caps.max_row_title), row.payload,
                             truncate(row.description, caps.max_row_description)) for row in section.rows],
                )
                for section in message.sections
            ]
            self.out.append(ListOut(self.leading_text(message.text),
                                    truncate(message.button_title, caps.max_list_button_title), sections))
        elif len(rows) <= self.caps.max_buttons and not any(row.description for row in rows):
            self.buttons(message.text, [Button(row.title, row.payload) for row in rows])
        else:
            labels = [(f"{row.title} — {row.description}" if row.description else row.title, row.payload)
                      for row in rows]
            self.numbered(message.text, labels)

    def numbered(self, text: str, options: Sequence[tuple[str, str]]) -> None:
        lines = []
        for title, payload in options:
            number = str(len(self.choices) + 1)
            self.choices[number] = payload
            lines.append(f"{number}. {' '.join(title.split())}")
        hint = t(self.locale, "fallback.choose_number")
        self.text("\n\n".join(part for part in (text, "\n".join(lines), hint) if part))

    def card(self, card: ProductCardOut) -> None:
        caps = self.caps
        if caps.supports_images and card.image_url and len(card.buttons) <= caps.max_buttons:
            fitted = [Button(truncate(b.title, caps.max_button_title), b.payload) for b in card.buttons]
            self.out.append(ProductCardOut(card.title, card.body, card.image_url, fitted))
            return
        if caps.supports_images and card.image_url:
            self.out.append(ImageOut(card.image_url, truncate(card.title, caps.max_text_length)))
            self.buttons(card.body, card.buttons)
            return
        self.buttons("\n".join(part for part in (card.title, card.body) if part), card.buttons)

    def document(self, document: DocumentOut) -> None:
        if self.caps.supports_documents:
            self.out.append(document)
            return
        note = t(self.locale, "fallback.document_unsupported", filename=document.filename)
        self.text("\n\n".join(part for part in (document.caption, note) if part))

    def image(self, image: ImageOut) -> None:
        if self.caps.supports_images:
            self.out.append(image)
            return
        link = t(self.locale, "fallback.image", url=image.url)
        self.text("\n".join(part for part in (image.caption, link) if part))
