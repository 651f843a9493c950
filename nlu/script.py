"""Which language a text is written in, by its letters' script: cheap enough for every message, and no more
than that (a Russian text written in Latin letters reads as English)."""

from __future__ import annotations

import re
from collections.abc import Sequence

_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_LATIN = re.compile(r"[a-z]", re.IGNORECASE)


def _letters(text: str) -> tuple[int, int]:
    """How many Cyrillic and how many Latin letters `text` has."""
    return len(_CYRILLIC.findall(text)), len(_LATIN.findall(text))


def detect_locale(text: str, available: Sequence[str], default: str) -> str:
    """Pick "ru" when the message is mostly Cyrillic, "en" when mostly Latin, else `default`."""
    cyr, lat = _letters(text)
    guess = "ru" if cyr > lat else "en" if lat > cyr else default
    return guess if guess in available else default


def written_in(text: str, min_letters: int = 3, share: float = 0.8) -> str | None:
    """"ru" or "en" when at least `min_letters` letters, and `share` of all, are of that language's script;
    None for mixed or letter-poor text ("10 x A4-80", whose SKU says nothing of the writer's language)."""
    cyr, lat = _letters(text)
    for locale, count in (("ru", cyr), ("en", lat)):
        if count >= min_letters and count >= share * (cyr + lat):
            return locale
    return None
