"""Text normalisation for catalogue search: words to stemmed tokens, SKUs and barcodes to lookup keys."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache
from typing import Any

import snowballstemmer

_WORD = re.compile(r"[0-9a-zа-я]+")
_CYRILLIC = re.compile(r"[а-я]")
_LATIN = re.compile(r"[a-z]")
_SKU_NOISE = re.compile(r"[^0-9A-ZА-Я]+")
_BARCODE = re.compile(r"[0-9][0-9 -]*")

# Cyrillic letters that look like Latin ones: people type "А4" on a Russian layout and mean "A4".
_HOMOGLYPHS = str.maketrans("авекмнорстухАВЕКМНОРСТУХ", "abekmhopctyxABEKMHOPCTYX")

MAX_QUERY_WORDS = 16  # a pasted paragraph is not a product name; its first words are enough

STOP_WORDS = frozenset(
    {
        "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "per", "the", "to",
        "with",
        "а", "без", "в", "во", "для", "до", "за", "и", "из", "или", "к", "ко", "на", "о", "об", "от", "по", "под",
        "при", "про", "с", "со", "у",
    }
)

# Snowball stemmers keep state while they stem, so each thread (the index may be built in a worker
# thread while the event loop stems queries) gets its own pair.
_stemmers = threading.local()


def _stemmer(language: str) -> Any:
    found = getattr(_stemmers, language, None)
    if found is None:
        found = snowballstemmer.stemmer(language)
        setattr(_stemmers, language, found)
    return found


def normalize(text: str) -> str:
    """Lower case, compatibility forms folded, "ё" read as "е"."""
    return unicodedata.normalize("NFKC", text).lower().replace("ё", "е")


def words(text: str) -> list[str]:
    """The normalised words of `text`; mixed letter-and-digit codes get Latin look-alikes ("а4" -> "a4")."""
    found = _WORD.findall(normalize(text))
    return [w.translate(_HOMOGLYPHS) if _is_code(w) else w for w in found]


def _is_code(word: str) -> bool:
    # Words hold only letters and digits, so neither all letters nor all digits means both.
    return not word.isalpha() and not word.isdigit()


@lru_cache(maxsize=20_000)
def stem(word: str) -> str:
    """The snowball stem of one normalised word, Russian or English by its script; codes stay whole."""
    if not word.isalpha():
        return word
    if _CYRILLIC.search(word):
        return str(_stemmer("russian").stemWord(word))
    if _LATIN.search(word):
        return str(_stemmer("english").stemWord(word))
    return word


def tokens(text: str) -> list[str]:
    """Stemmed tokens of `text`, in order, duplicates kept."""
    return [stem(w) for w in words(text)]


def query_tokens(text: str) -> list[tuple[str, str]]:
    """(normalised word, stem) pairs of a search query, without stop words unless nothing else is left."""
    found = words(text)[: MAX_QUERY_WORDS * 2]
    meaningful = [w for w in found if w not in STOP_WORDS] or found
    seen: set[str] = set()
    result: list[tuple[str, str]] = []
    for word in meaningful:
        if word not in seen:
            seen.add(word)
            result.append((word, stem(word)))
    return result[:MAX_QUERY_WORDS]


def sku_key(sku: str) -> str:
    """An SKU without case, spaces, dashes or dots, Cyrillic look-alikes read as Latin: "a4 80" -> "A480"."""
    return _SKU_NOISE.sub("", _sku_letters(sku))


def sku_spaced_key(sku: str) -> str:
    """An SKU with every run of separators read as one dash: "a4 80", "A4_80" and "A4--80" -> "A4-80"."""
    return _SKU_NOISE.sub("-", _sku_letters(sku)).strip("-")


def sku_verbatim_key(sku: str) -> str:
    """An SKU as typed, but in upper case with Cyrillic look-alikes read as Latin."""
    return _sku_letters(sku).strip()


def _sku_letters(sku: str) -> str:
    return unicodedata.normalize("NFKC", sku).upper().replace("Ё", "Е").translate(_HOMOGLYPHS)


def barcode_key(barcode: str) -> str | None:
    """The digits of an EAN/UPC-like barcode (8 to 14 digits, spaces and dashes allowed), else None."""
    if not _BARCODE.fullmatch(barcode.strip()):
        return None
    digits = _SKU_NOISE.sub("", barcode)
    return digits if 8 <= len(digits) <= 14 else None
