"""Number words in English and Russian ("twenty five", "двадцать пять", "двадцати пяти") -> int."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from nlu.morph import Token

_EN_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
}
_EN_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
            "eighty": 80, "ninety": 90}
_RU_UNITS = {
    "ноль": 0, "один": 1, "два": 2, "три": 3, "четыре": 4, "пять": 5, "шесть": 6, "семь": 7,
    "восемь": 8, "девять": 9, "десять": 10, "одиннадцать": 11, "двенадцать": 12, "тринадцать": 13,
    "четырнадцать": 14, "пятнадцать": 15, "шестнадцать": 16, "семнадцать": 17, "восемнадцать": 18,
    "девятнадцать": 19, "дюжина": 12,
}
_RU_TENS = {"двадцать": 20, "тридцать": 30, "сорок": 40, "пятьдесят": 50, "шестьдесят": 60,
            "семьдесят": 70, "восемьдесят": 80, "девяносто": 90}
_RU_HUNDREDS = {"сто": 100, "двести": 200, "триста": 300, "четыреста": 400, "пятьсот": 500,
                "шестьсот": 600, "семьсот": 700, "восемьсот": 800, "девятьсот": 900}
# pymorphy3 lemmatises some inflected numerals to forms we list under another key.
_RU_ALIASES = {"одна": "один", "одно": "один", "две": "два", "полтора": "полтора", "сорока": "сорок",
               "ста": "сто", "девяноста": "девяносто"}

_SMALL = {**_EN_UNITS, **_RU_UNITS}
_TENS = {**_EN_TENS, **_RU_TENS}


def _key(token: Token) -> str:
    low = token.lower.replace("ё", "е")
    if low in _SMALL or low in _TENS or low in _RU_HUNDREDS or low in ("hundred", "thousand", "тысяча"):
        return low
    lem = _RU_ALIASES.get(token.lemma, token.lemma)
    return _RU_ALIASES.get(low, lem)


def is_number_word(token: Token) -> bool:
    return _is_number_word(token.text, token.lemma)


@lru_cache(maxsize=16384)
def _is_number_word(text: str, lemma: str) -> bool:
    # Cached: it runs on every token of every message, and the vocabulary of messages is small.
    token = Token(text, 0, len(text), lemma)
    parts = token.lower.split("-")
    if len(parts) == 2 and parts[0] in _EN_TENS and parts[1] in _EN_UNITS:
        return True
    key = _key(token)
    return key in _SMALL or key in _TENS or key in _RU_HUNDREDS or key in ("hundred", "thousand", "тысяча")


def parse_number_words(tokens: Sequence[Token]) -> tuple[int, int] | None:
    """Parse the longest number-word run at the start of `tokens`: (value, tokens used), or None.

    Joining words ("and", "-") inside a number are allowed: "one hundred and five".
    """
    total = 0
    current = 0
    used = 0
    last_kind = ""
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.lower == "and" and used and i + 1 < len(tokens) and is_number_word(tokens[i + 1]):
            i += 1
            continue
        parts = tok.lower.split("-")
        if len(parts) == 2 and parts[0] in _EN_TENS and parts[1] in _EN_UNITS:  # "twenty-five"
            if last_kind in ("small", "tens"):
                break
            current += _EN_TENS[parts[0]] + _EN_UNITS[parts[1]]
            last_kind = "small"
        else:
            key = _key(tok)
            if key in _RU_HUNDREDS:
                if last_kind in ("hundreds", "tens", "small"):
                    break
                current += _RU_HUNDREDS[key]
                last_kind = "hundreds"
            elif key in _TENS:
                if last_kind in ("tens", "small"):
                    break
                current += _TENS[key]
                last_kind = "tens"
            elif key in _SMALL:
                if last_kind == "small" or (last_kind == "tens" and _SMALL[key] >= 10):
                    break
                current += _SMALL[key]
                last_kind = "small"
            elif key == "hundred" and used:
                current = max(current, 1) * 100
                last_kind = "hundreds"
            elif key in ("thousand", "тысяча"):
                total += max(current, 1) * 1000
                current = 0
                last_kind = ""
            else:
                break
        used = i + 1
        i += 1
    if not used:
        return None
    return total + current, used
