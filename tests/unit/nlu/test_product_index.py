"""The product index's fuzzy pass finds what a scan of the whole catalogue finds, without scanning it."""

from __future__ import annotations

import random

from rapidfuzz import fuzz, process

from nlu.entities import ProductNameIndex

WORDS = ("paper", "office", "white", "stretch", "film", "tape", "packing", "box", "carton", "glove", "nitrile",
         "marker", "black", "blue", "stapler", "folder", "label", "roll", "pallet", "wrap", "bag", "trash",
         "бумага", "офисный", "белый", "плёнка", "скотч", "коробка", "перчатка", "маркер", "папка", "рулон")


def catalogue(size: int, seed: int = 7) -> ProductNameIndex:
    rng = random.Random(seed)
    entries = []
    for n in range(size):
        words = [*rng.sample(WORDS, rng.randint(2, 4)), str(rng.choice((10, 20, 50, 80, 100, 500)))]
        entries.append((f"SKU-{n}", " ".join(words), ()))
    return ProductNameIndex(entries)


def typo(word: str, rng: random.Random) -> str:
    """One edit anywhere but the first letter: a change, a dropped letter or two letters swapped."""
    at = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("change", "drop", "swap"))
    if kind == "change":
        return word[:at] + rng.choice("aeioust") + word[at + 1:]
    if kind == "drop":
        return word[:at] + word[at + 1:]
    return word[:at] + word[at + 1] + word[at] + word[at + 2:]


def scan(index: ProductNameIndex, phrase: str) -> str | None:
    """What matching against every name gives (the index before it had postings)."""
    exact = index._position.get(phrase)
    if exact is not None:
        return index._skus[exact]
    found = process.extractOne(phrase, index._phrases, scorer=fuzz.ratio, score_cutoff=index.min_score)
    return None if found is None else index._skus[found[2]]


def test_typos_find_the_same_product_as_a_full_scan() -> None:
    index = catalogue(3000)
    rng = random.Random(11)
    found = 0
    for _ in range(400):
        words = rng.choice(index._phrases).split()
        long_words = [i for i, w in enumerate(words) if len(w) >= 5]
        if long_words:
            i = rng.choice(long_words)
            words[i] = typo(words[i], rng)
        phrase = " ".join(words)
        expected = scan(index, phrase)
        matched = index.match(phrase)
        assert (matched[0] if matched else None) == expected, phrase
        found += expected is not None
    assert found > 300  # the comparison was mostly about real matches


def test_unrelated_phrases_match_nothing() -> None:
    index = catalogue(2000)
    for phrase in ("invoice for last month", "where is my order", "talk to a manager please", "баланс счёта"):
        assert index.match(phrase) is None
        assert scan(index, phrase) is None


def test_exact_names_and_synonyms_score_100() -> None:
    index = ProductNameIndex([("A4-80", "A4 office paper", ["copy paper"]), ("TAPE-48", "packing tape", [])])
    assert index.match("copy paper") == ("A4-80", 100.0)
    assert index.match("packing tape") == ("TAPE-48", 100.0)
    sku, score = index.match("paking tape") or ("", 0.0)
    assert sku == "TAPE-48" and 88 <= score < 100
    assert index.match("tape") is None  # one word of a name is not the name
