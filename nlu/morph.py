"""Tokens with character offsets and lemmas, shared by the entity extractors.

Russian words are lemmatised with pymorphy3 (dictionary-based, offline); Latin words get a light English
plural strip, which is all that product and unit matching need.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

_TOKEN = re.compile(r"\w+(?:[-'’]\w+)*")
_CYRILLIC = re.compile(r"[а-яё]", re.IGNORECASE)
_lock = threading.Lock()
_analyzer: Any = None


@dataclass(frozen=True, slots=True)
class Token:
    text: str
    start: int
    end: int
    lemma: str

    @property
    def lower(self) -> str:
        return self.text.lower()


def _morph() -> Any:
    global _analyzer
    with _lock:
        if _analyzer is None:
            import pymorphy3  # deferred: the dictionaries take a few hundred ms to open

            _analyzer = pymorphy3.MorphAnalyzer(lang="ru")
        return _analyzer


def is_cyrillic(text: str) -> bool:
    return bool(_CYRILLIC.search(text))


@lru_cache(maxsize=65536)
def lemma(word: str) -> str:
    low = word.lower().replace("ё", "е")
    if is_cyrillic(low):
        if "-" in low:  # "санкт-петербурга": pymorphy knows the whole form better than the parts
            return str(_morph().parse(low)[0].normal_form).replace("ё", "е")
        return str(_morph().parse(low)[0].normal_form).replace("ё", "е")
    if low.isalpha() and len(low) > 3:
        if low.endswith("ies"):
            return low[:-3] + "y"
        if low.endswith(("ches", "shes", "xes", "sses")):
            return low[:-2]
        if low.endswith("s") and not low.endswith(("ss", "us")):
            return low[:-1]
    return low


@lru_cache(maxsize=16384)
def city_lemmas(word: str) -> tuple[str, ...]:
    """All normal forms pymorphy3 offers, geographic names first ("Казани" -> "казань")."""
    low = word.lower().replace("ё", "е")
    if not is_cyrillic(low):
        return (low,)
    parses = _morph().parse(low)
    geo = [p.normal_form for p in parses if "Geox" in p.tag]
    rest = [p.normal_form for p in parses if "Geox" not in p.tag]
    return tuple(dict.fromkeys(str(f).replace("ё", "е") for f in (*geo, *rest, low)))


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(0), m.start(), m.end(), lemma(m.group(0))) for m in _TOKEN.finditer(text)]
