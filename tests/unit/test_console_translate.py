"""Console translation: outbound messages as terminal text with numbered choices, typed lines as Inbound."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bots.console.translate import ConsoleSession, parse_line, render
from core.errors import InvalidInput
from core.messaging import (
    Button,
    ButtonPress,
    Buttons,
    DocumentOut,
    FileUpload,
    ImageOut,
    ListOut,
    ListRow,
    ListSection,
    Location,
    ProductCardOut,
    SharedContact,
    Text,
    TextOut,
)

NOW = dt.datetime(2025, 3, 5, 12, tzinfo=dt.UTC)


def test_buttons_lists_and_cards_are_numbered_across_the_turn() -> None:
    rendered = render([
        TextOut("Found 3 products"),
        Buttons("Pick one", [Button("Cement", "p:1"), Button("Sand", "p:2")]),
        ListOut("Delivery", "Choose", [ListSection("Options", [ListRow("Courier", "d:1", "2 days")])]),
        ProductCardOut("Gravel", "900 RUB", "https://cdn.example/g.jpg", [Button("Add", "c:3")]),
    ])
    assert rendered.choices == {"1": "p:1", "2": "p:2", "3": "d:1", "4": "c:3"}
    assert "  [1] Cement\n  [2] Sand" in rendered.text
    assert "  [3] Courier — 2 days" in rendered.text
    assert "[image: https://cdn.example/g.jpg]" in rendered.text
    assert rendered.text.startswith("Found 3 products\n\nPick one")


def test_documents_and_images_are_described() -> None:
    rendered = render([DocumentOut("invoice.pdf", "application/pdf", b"1234", "Invoice 17"),
                       ImageOut("https://cdn.example/p.png")])
    assert "[document: invoice.pdf, application/pdf, 4 bytes]\nInvoice 17" in rendered.text
    assert rendered.text.endswith("[image: https://cdn.example/p.png]")


def test_typed_number_presses_the_button_shown_with_it() -> None:
    session = ConsoleSession(user_id="me", locale_hint="ru")
    session.show([Buttons("Pick", [Button("Cement", "p:1"), Button("Sand", "p:2")])])
    inbound = session.read("2", NOW)
    assert inbound is not None
    assert inbound.content == ButtonPress("p:2")
    assert (inbound.channel, inbound.external_user_id, inbound.locale_hint) == ("console", "me", "ru")
    second = session.read("hello", NOW)
    assert second is not None and second.message_id != inbound.message_id


def test_numbers_without_a_matching_choice_and_commands_stay_text() -> None:
    assert parse_line("5", {"1": "p:1"}) == Text("5")
    assert parse_line("/lang ru", {}) == Text("/lang ru")
    assert parse_line("   ", {}) is None


def test_console_commands_send_what_a_messenger_would_attach(tmp_path: Path) -> None:
    assert parse_line("/contact +79001234567", {}) == SharedContact("+79001234567", user_id_matches=True)
    assert parse_line("/location 55.75, 37.61", {}) == Location(55.75, 37.61)
    path = tmp_path / "order.csv"
    path.write_bytes(b"M500;5\n")
    upload = parse_line(f"/file {path}", {})
    assert upload == FileUpload("order.csv", "text/csv", b"M500;5\n", size=7)


@pytest.mark.parametrize("line", ["/contact", "/location north", "/location 95 10", "/file /no/such/file"])
def test_malformed_console_commands_are_refused_clearly(line: str) -> None:
    with pytest.raises(InvalidInput):
        parse_line(line, {})
