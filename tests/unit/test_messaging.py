"""Neutral messages: the payload codec stays within Telegram's 64 bytes, envelopes refuse bad values."""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import InvalidInput
from core.messaging import (
    MAX_PAYLOAD_BYTES,
    Button,
    Buttons,
    FileUpload,
    Inbound,
    ListOut,
    ListRow,
    ListSection,
    Location,
    Payload,
    Text,
    decode_payload,
    encode_payload,
    resolve_numbered_reply,
)


def test_payload_round_trips_action_and_arguments() -> None:
    payload = encode_payload("cart.add", 12345, "M500")
    assert payload == "cart.add:12345:M500"
    assert decode_payload(payload) == Payload("cart.add", ("12345", "M500"))


def test_arguments_with_separators_and_cyrillic_survive_the_round_trip() -> None:
    payload = encode_payload("q", "a:b%c", "Цемент")
    assert decode_payload(payload).args == ("a:b%c", "Цемент")


def test_payload_of_exactly_64_bytes_is_accepted() -> None:
    argument = "x" * (MAX_PAYLOAD_BYTES - len("p:"))
    payload = encode_payload("p", argument)
    assert len(payload.encode()) == MAX_PAYLOAD_BYTES
    assert decode_payload(payload).args == (argument,)


def test_payload_of_65_bytes_is_refused() -> None:
    with pytest.raises(InvalidInput, match="64 bytes"):
        encode_payload("p", "x" * (MAX_PAYLOAD_BYTES - 1))


def test_limit_counts_bytes_not_characters() -> None:
    # 30 Cyrillic letters are 60 bytes, percent-escaped they are 180: far over, though only 32 characters.
    with pytest.raises(InvalidInput):
        encode_payload("p", "ж" * 30)


@pytest.mark.parametrize("action", ["", "Cart", "1x", "a b", "x" * 33])
def test_malformed_actions_are_refused(action: str) -> None:
    with pytest.raises(InvalidInput):
        encode_payload(action)


@pytest.mark.parametrize("raw", ["", "BAD:1", "p:%ff", "x" * 65, ":1"])
def test_forged_or_garbled_payloads_do_not_decode(raw: str) -> None:
    with pytest.raises(InvalidInput):
        decode_payload(raw)


def test_button_refuses_an_oversized_payload() -> None:
    with pytest.raises(InvalidInput):
        Button("Too long", "x" * 65)
    with pytest.raises(InvalidInput):
        ListRow("Too long", "x" * 65)


def test_outbound_sequences_are_frozen_into_tuples() -> None:
    message = Buttons("Pick", [Button("A", "a")])
    assert message.buttons == (Button("A", "a"),)
    listing = ListOut("Pick", "Open", [ListSection("S", [ListRow("A", "a"), ListRow("B", "b")])])
    assert [row.payload for row in listing.rows] == ["a", "b"]


def test_inbound_needs_an_aware_timestamp_and_gives_a_conversation_key() -> None:
    with pytest.raises(InvalidInput):
        Inbound("telegram", "42", "1", dt.datetime(2025, 1, 1), None, Text("hi"))
    inbound = Inbound("telegram", "42", "1", dt.datetime(2025, 1, 1, tzinfo=dt.UTC), "ru", Text("hi"))
    assert inbound.conversation_key == "telegram:42"


def test_file_upload_size_must_match_its_data() -> None:
    with pytest.raises(InvalidInput):
        FileUpload("a.csv", "text/csv", b"abc", size=10)


def test_location_out_of_range_is_refused() -> None:
    with pytest.raises(InvalidInput):
        Location(lat=91, lon=0)


@pytest.mark.parametrize(("reply", "expected"), [("2", "b"), (" 2. ", "b"), ("02", "b"), ("3", None), ("two", None)])
def test_numbered_reply_resolves_to_its_payload(reply: str, expected: str | None) -> None:
    assert resolve_numbered_reply(reply, {"1": "a", "2": "b"}) == expected
