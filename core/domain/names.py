"""Which of a catalogue entry's names a customer sees."""

from __future__ import annotations


def localized(english: str, russian: str | None, locale: str) -> str:
    """The Russian name for a Russian reader when the catalogue has one; the English name otherwise."""
    return russian if russian and locale.lower().startswith("ru") else english
