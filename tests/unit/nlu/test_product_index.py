"""The product index's fuzzy pass finds what a scan of the whole catalogue finds, without scanning it."""

from __future__ import annotations

import random

from rapidfuzz import fuzz, process

from nlu.entities import ProductNameIndex, ProductNameIndexBuilder

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
    names = [index.phrase(position) for position in range(len(index))]
    if phrase in names:
        return index.sku(names.index(phrase))
    found = process.extractOne(phrase, names, scorer=fuzz.token_sort_ratio, score_cutoff=index.min_score)
    return None if found is None else index.sku(found[2])


def test_typos_find_the_same_product_as_a_full_scan() -> None:
    index = catalogue(3000)
    rng = random.Random(11)
    found = 0
    for _ in range(400):
        words = index.phrase(rng.randrange(len(index))).split()
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


def test_word_order_does_not_matter() -> None:
    index = ProductNameIndex([("GLOVE-NIT-M", "перчатка нитриловый", []), ("TAPE-48", "packing tape", [])])
    assert index.match("нитриловый перчатка") == ("GLOVE-NIT-M", 100.0)
    assert (index.match("tape paking") or ("", 0.0))[0] == "TAPE-48"


def test_exact_names_and_synonyms_score_100() -> None:
    index = ProductNameIndex([("A4-80", "A4 office paper", ["copy paper"]), ("TAPE-48", "packing tape", [])])
    assert index.match("copy paper") == ("A4-80", 100.0)
    assert index.match("packing tape") == ("TAPE-48", 100.0)
    sku, score = index.match("paking tape") or ("", 0.0)
    assert sku == "TAPE-48" and 88 <= score < 100
    assert index.match("tape") is None  # one word of a name is not the name


def test_a_name_two_products_share_resolves_to_the_first_as_a_scan_would() -> None:
    index = ProductNameIndex([("PEN-1", "blue pen", ["ballpoint"]), ("PEN-2", "black pen", ["ballpoint"]),
                              ("PEN-3", "blue pen", [])])
    assert index.match("ballpoint") == ("PEN-1", 100.0)
    assert index.match("blue pen") == ("PEN-1", 100.0)
    assert (index.match("ballpoimt") or ("",))[0] == scan(index, "ballpoimt") == "PEN-1"


def test_an_index_built_in_batches_matches_one_built_at_once() -> None:
    entries = [(f"SKU-{n}", f"{WORDS[n % len(WORDS)]} {WORDS[(n * 7) % len(WORDS)]} {n}",
                [f"{WORDS[n % 5]} {WORDS[n % 3]}"]) for n in range(500)]  # synonyms repeat across batches
    builder = ProductNameIndexBuilder()
    for start in range(0, len(entries), 64):
        builder.add(entries[start:start + 64])
    batched, whole = builder.finish(), ProductNameIndex(entries)
    assert len(batched) == len(whole)
    phrases = ("paper white", "film paper", "paper whitte", "film papr", "nitrile packing 10", "nothing at all")
    assert [batched.match(phrase) for phrase in phrases] == [whole.match(phrase) for phrase in phrases]
    assert [(whole.match(phrase) or ("",))[0] for phrase in phrases] == ["SKU-5", "SKU-9", "SKU-5", "SKU-9",
                                                                        "SKU-10", ""]
