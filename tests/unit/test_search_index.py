"""The catalogue index on its own: normalisation, SKU readings, typo tolerance, ranking and paging."""

from __future__ import annotations

import pytest

from core.search.index import CatalogIndex, IndexedCategory, IndexedProduct, max_typos
from core.search.text import barcode_key, query_tokens, sku_key, sku_spaced_key, stem, tokens, words

CATEGORIES = [
    IndexedCategory(1, "Office supplies", "Канцелярия"),
    IndexedCategory(2, "Paper", "Бумага", parent_id=1),
    IndexedCategory(3, "Cleaning", "Уборка"),
]


@pytest.fixture(scope="module")
def index() -> CatalogIndex:
    return CatalogIndex.build(
        [
            IndexedProduct(10, "A4-80", "Paper A4 80 g/m2", "Бумага офисная А4", ("copy paper",), 2, "4600000000017"),
            IndexedProduct(11, "A4-80-500", "Paper A4 box of 5 reams", "Бумага А4 коробка", (), 2),
            IndexedProduct(12, "A48-0", "Envelope C4", "Конверт С4", (), 1),
            IndexedProduct(13, "MOP-1", "Floor mop", "Швабра для пола", ("swab",), 3),
            IndexedProduct(14, "KR-1", "Graphite pencil", "Карандаш чернографитный", (), 1),
        ],
        CATEGORIES,
        version=7,
    )


def test_russian_inflections_share_a_stem() -> None:
    assert {stem(w) for w in ("бумага", "бумаги", "бумагой", "бумагу")} == {"бумаг"}
    assert tokens("Офисная") == tokens("офисной") == tokens("ОФИСНУЮ")


def test_codes_typed_in_cyrillic_read_as_latin_and_yo_as_ye() -> None:
    assert words("Бумага А4 ёлка") == ["бумага", "a4", "елка"]
    assert sku_key("а4 80") == sku_key("A4-80") == "A480"
    assert sku_spaced_key(" a4__80 ") == "A4-80"


def test_stop_words_are_dropped_unless_nothing_else_is_left() -> None:
    assert [w for w, _ in query_tokens("бумага для принтера")] == ["бумага", "принтера"]
    assert [w for w, _ in query_tokens("for")] == ["for"]


def test_barcodes_are_eight_to_fourteen_digits() -> None:
    assert barcode_key("4600 0000 00017") == "4600000000017"
    assert barcode_key("1234567") is None
    assert barcode_key("A4-80") is None


def test_short_words_are_never_fuzzy_long_ones_allow_two_typos() -> None:
    assert [max_typos(s) for s in ("pen", "papr", "stapler", "1234567")] == [0, 1, 2, 0]


def test_sku_readings_resolve_only_when_unambiguous(index: CatalogIndex) -> None:
    assert index.sku_exact("a4-80") == 10
    assert index.sku_exact("A4 80") == 10  # the same dash position as A4-80, not A48-0
    assert index.sku_exact("a480") is None  # both A4-80 and A48-0 read "A480"
    assert index.sku_exact("mop1") == 13
    assert index.sku_exact("nothing") is None


def test_identifiers_outrank_words(index: CatalogIndex) -> None:
    hits = index.search("A4-80")
    assert hits.exact_id == 10 and hits.ids[0] == 10
    assert index.search("4600000000017").exact_id == 10


def test_an_sku_as_typed_that_no_sku_matches_finds_nothing_by_its_pieces(index: CatalogIndex) -> None:
    assert index.search("NOPE-1").ids == []  # not every product with a "1" in its name
    assert index.search("MOP-1").exact_id == 13
    assert index.search("A4-8").ids[0] in (10, 12)  # a prefix of SKUs still lists them
    assert index.search("mop 1").ids  # typed as words, it is a name search


def test_sku_search_lists_prefixes_shortest_first(index: CatalogIndex) -> None:
    hits = index.search("a4-8", kind="sku")
    assert hits.ids[:2] == [10, 12] and hits.ids[-1] == 11 and hits.exact_id is None


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("papr a4", {10, 11}),
        ("flor mopp", {13}),
        ("grafite pencel", {14}),
        ("бумаги офисной", {10}),
        ("бумга", {10, 11}),
        ("швабры", {13}),
        ("карандош", {14}),
        ("swab", {13}),
        ("конверты", {12}),
    ],
)
def test_words_match_despite_typos_and_inflection(index: CatalogIndex, query: str, expected: set[int]) -> None:
    assert set(index.search(query, kind="name").ids) == expected


def test_a_prefix_of_a_word_matches(index: CatalogIndex) -> None:
    assert set(index.search("канц").ids) == {10, 11, 12, 14}  # via the category and its children
    assert index.search("graph").ids == [14]


def test_every_matched_word_must_match_before_partial_matches_are_offered(index: CatalogIndex) -> None:
    assert index.search("paper box").ids == [11]
    assert set(index.search("paper zzzzqqq").ids) == {10, 11}  # an unknown word narrows nothing
    assert index.search("mop box").total == 2  # neither has both: both halves offered


def test_shorter_names_win_ties(index: CatalogIndex) -> None:
    assert index.search("paper a4", kind="name").ids == [10, 11]


def test_category_filter_includes_subcategories(index: CatalogIndex) -> None:
    assert set(index.search("", category_id=1).ids) == {10, 11, 12, 14}
    assert index.search("mop", category_id=1).total == 0
    assert index.search("a4-80", category_id=3).exact_id is None


def test_pages_are_disjoint_and_complete(index: CatalogIndex) -> None:
    pages = [index.search("", category_id=1, offset=o, limit=3) for o in (0, 3)]
    assert pages[0].total == pages[1].total == 4
    assert sorted(pages[0].ids + pages[1].ids) == [10, 11, 12, 14]
    assert index.search("", category_id=1, offset=10).ids == []


def test_known_words_are_those_the_catalogue_uses_as_typed_or_by_stem(index: CatalogIndex) -> None:
    assert index.known_words("find me some Papers and a mop, please") == ["papers", "mop"]
    assert index.known_words("нужны карандаши") == ["карандаши"]
    # A prefix ("graph") or a typo ("pencl") reads a word the catalogue has, but is not one.
    assert index.known_words("graph pencl looking") == []
    assert index.known_words("order 80") == [] and index.known_words("paper 80") == ["paper", "80"]


def test_an_identifier_is_found_among_the_words_of_a_message(index: CatalogIndex) -> None:
    assert index.identifier_in("find a4-80-500, please") == "a4-80-500"
    assert index.identifier_in("штрихкод: 4600000000017?") == "4600000000017"
    assert index.identifier_in("find paper A4") is None  # words, not an SKU


def test_similar_products_share_words_without_sharing_all(index: CatalogIndex) -> None:
    assert index.similar("Paper A4 80 g/m2")[:2] == [10, 11]  # itself first, then the other A4 paper
    assert index.similar("paper box", category_id=3) == []


def test_nothing_matches_gibberish(index: CatalogIndex) -> None:
    assert index.search("qwxzv").total == 0
    assert index.search("!!!").total == 0


def test_a_shared_barcode_finds_every_product_in_catalogue_order_and_leading_zeros_count() -> None:
    index = CatalogIndex.build([
        IndexedProduct(1, "X-1", "Box", barcode="04600000000017"),
        IndexedProduct(2, "X-2", "Box large", barcode="4600000000017"),
        IndexedProduct(3, "X-3", "Box small", barcode="4600 0000 00017"),
    ])
    assert index.barcode("4600000000017") == [2, 3]
    assert index.barcode("04600000000017") == [1]
    assert index.barcode("12345678") == []
