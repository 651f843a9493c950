"""The capability ladder: each rung, from buttons that fit to numbered text a reply number resolves."""

from __future__ import annotations

import pytest

from bots.fallback import adapt, presenter, resolve_numbered_reply, split_text, truncate
from core.messaging import (
    Button,
    Buttons,
    ChannelCapabilities,
    DocumentOut,
    ImageOut,
    ListOut,
    ListRow,
    ListSection,
    ProductCardOut,
    TextOut,
)

TELEGRAM_LIKE = ChannelCapabilities(max_buttons=8, max_button_title=30, supports_lists=False, max_list_rows=0,
                                    supports_images=True, supports_documents=True, max_text_length=4096)
WHATSAPP_LIKE = ChannelCapabilities(max_buttons=3, max_button_title=20, supports_lists=True, max_list_rows=10,
                                    supports_images=True, supports_documents=True, max_text_length=4096)
PLAIN = ChannelCapabilities(max_buttons=0, max_button_title=20, supports_lists=False, max_list_rows=0,
                            supports_images=False, supports_documents=False, max_text_length=200)


def buttons(count: int) -> list[Button]:
    return [Button(f"Option {i}", f"opt:{i}") for i in range(1, count + 1)]


def test_buttons_within_the_limit_pass_unchanged() -> None:
    message = Buttons("Pick one", buttons(3))
    adapted = adapt([message], WHATSAPP_LIKE, "en")
    assert adapted.messages == (message,)
    assert adapted.choices == {}


def test_too_many_buttons_become_a_list_when_the_rows_fit() -> None:
    adapted = adapt([Buttons("Pick one", buttons(5))], WHATSAPP_LIKE, "en")
    [listing] = adapted.messages
    assert isinstance(listing, ListOut)
    assert [row.payload for row in listing.rows] == [f"opt:{i}" for i in range(1, 6)]
    assert listing.button_title == "Options"
    assert adapted.choices == {}


def test_too_many_rows_for_a_list_become_numbered_text_whose_numbers_resolve() -> None:
    adapted = adapt([Buttons("Pick one", buttons(12))], WHATSAPP_LIKE, "en")
    [text] = adapted.messages
    assert isinstance(text, TextOut)
    assert "1. Option 1" in text.text and "12. Option 12" in text.text
    assert "Reply with the number" in text.text
    assert resolve_numbered_reply("2", adapted.choices) == "opt:2"
    assert resolve_numbered_reply("12", adapted.choices) == "opt:12"
    assert resolve_numbered_reply("13", adapted.choices) is None


def test_a_channel_without_lists_numbers_buttons_beyond_its_limit() -> None:
    adapted = adapt([Buttons("Pick one", buttons(9))], TELEGRAM_LIKE, "ru")
    [text] = adapted.messages
    assert isinstance(text, TextOut)
    assert "Ответьте номером" in text.text
    assert adapted.choices["9"] == "opt:9"


def test_numbers_continue_across_messages_of_one_turn() -> None:
    adapted = adapt([Buttons("First", buttons(2)), Buttons("Second", [Button("Z", "z")])], PLAIN, "en")
    assert adapted.choices == {"1": "opt:1", "2": "opt:2", "3": "z"}
    last = adapted.messages[-1]
    assert isinstance(last, TextOut)
    assert "3. Z" in last.text


def test_list_rows_with_descriptions_fall_back_to_numbered_text_with_the_descriptions() -> None:
    listing = ListOut("Delivery", "Choose", [ListSection("", [ListRow("Courier", "d:1", "2 days, 900 RUB"),
                                                               ListRow("Pickup", "d:2", "today, free")])])
    adapted = adapt([listing], TELEGRAM_LIKE, "en")
    [text] = adapted.messages
    assert isinstance(text, TextOut)
    assert "1. Courier — 2 days, 900 RUB" in text.text
    assert adapted.choices == {"1": "d:1", "2": "d:2"}


def test_a_list_without_descriptions_becomes_buttons_where_lists_are_missing() -> None:
    listing = ListOut("Pick", "Open", [ListSection("", [ListRow("A", "a"), ListRow("B", "b")])])
    [message] = adapt([listing], TELEGRAM_LIKE, "en").messages
    assert message == Buttons("Pick", [Button("A", "a"), Button("B", "b")])


def test_long_titles_are_cut_at_a_word_with_an_ellipsis() -> None:
    long_title = "Portland cement M500 bag fifty kilograms"
    [message] = adapt([Buttons("Pick", [Button(long_title, "p:1")])], WHATSAPP_LIKE, "en").messages
    assert isinstance(message, Buttons)
    title = message.buttons[0].title
    assert len(title) <= 20
    assert title == "Portland cement…"


def test_truncate_cuts_inside_a_word_when_no_space_is_near() -> None:
    assert truncate("Supercalifragilistic", 10) == "Supercali…"
    assert truncate("short", 10) == "short"


def test_long_text_splits_on_paragraphs_under_the_limit() -> None:
    paragraphs = [f"Paragraph {i}: " + "word " * 20 for i in range(6)]
    text = "\n\n".join(p.strip() for p in paragraphs)
    adapted = adapt([TextOut(text)], PLAIN, "en")
    assert len(adapted.messages) > 1
    for piece in adapted.messages:
        assert isinstance(piece, TextOut)
        assert len(piece.text) <= 200
        assert piece.text.startswith("Paragraph")  # every piece begins at a paragraph boundary


def test_split_falls_back_to_lines_then_words_then_characters() -> None:
    lines = "\n".join(f"line {i} " + "x" * 30 for i in range(10))
    assert all(len(piece) <= 50 and piece.startswith("line") for piece in split_text(lines, 50))
    words = " ".join(["word"] * 40)
    assert all(len(piece) <= 23 and not piece.startswith(" ") for piece in split_text(words, 23))
    assert split_text("y" * 25, 10) == ["y" * 10, "y" * 10, "y" * 5]


def test_long_text_with_buttons_keeps_the_buttons_on_the_last_piece() -> None:
    text = "\n\n".join("para " + "z" * 150 for _ in range(3))
    caps = ChannelCapabilities(max_buttons=3, max_button_title=20, supports_lists=False, max_list_rows=0,
                               supports_images=False, supports_documents=False, max_text_length=200)
    adapted = adapt([Buttons(text, buttons(2))], caps, "en")
    assert [type(m) for m in adapted.messages] == [TextOut, TextOut, Buttons]


def test_product_card_without_image_support_becomes_text_with_buttons() -> None:
    card = ProductCardOut("Cement M500", "1 250 RUB per bag", "https://cdn.example/c.jpg", buttons(2))
    no_images = ChannelCapabilities(max_buttons=3, max_button_title=20, supports_lists=False, max_list_rows=0,
                                    supports_images=False, supports_documents=False, max_text_length=4096)
    [message] = adapt([card], no_images, "en").messages
    assert message == Buttons("Cement M500\n1 250 RUB per bag", buttons(2))


def test_product_card_with_image_support_stays_a_card() -> None:
    card = ProductCardOut("Cement", "Body", "https://cdn.example/c.jpg", buttons(2))
    assert adapt([card], TELEGRAM_LIKE, "en").messages == (card,)


def test_product_card_with_too_many_buttons_keeps_its_picture_and_lists_the_buttons() -> None:
    card = ProductCardOut("Cement", "Body", "https://cdn.example/c.jpg", buttons(5))
    messages = adapt([card], WHATSAPP_LIKE, "en").messages
    assert messages[0] == ImageOut("https://cdn.example/c.jpg", "Cement")
    assert isinstance(messages[1], ListOut)


def test_unsupported_document_becomes_a_note_naming_it() -> None:
    document = DocumentOut("invoice-17.pdf", "application/pdf", b"%PDF", caption="Invoice 17")
    [message] = adapt([document], PLAIN, "en").messages
    assert isinstance(message, TextOut)
    assert message.text.startswith("Invoice 17")
    assert "invoice-17.pdf" in message.text
    assert adapt([document], TELEGRAM_LIKE, "en").messages == (document,)


def test_unsupported_image_becomes_its_link() -> None:
    [message] = adapt([ImageOut("https://cdn.example/p.png", "Price list")], PLAIN, "ru").messages
    assert message == TextOut("Price list\nИзображение: https://cdn.example/p.png")


def test_presenter_fits_messages_for_the_engine() -> None:
    present = presenter(PLAIN)
    adapted = present([Buttons("Pick", buttons(2))], "en")
    assert adapted.choices == {"1": "opt:1", "2": "opt:2"}


@pytest.mark.parametrize("limit", [1, 2, 5])
def test_truncate_never_exceeds_tiny_limits(limit: int) -> None:
    assert len(truncate("hello world", limit)) <= limit
