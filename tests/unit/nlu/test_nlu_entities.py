"""Entity extraction in English and Russian: quantities, units, codes, dates, cities, catalogue products."""

from __future__ import annotations

import datetime as dt

import pytest

from nlu.entities import EntityConfig, EntityExtractor, ProductNameIndex

CATALOGUE = ProductNameIndex([
    ("PAP-A4-80", "бумага офисная А4", ["бумага А4", "A4 paper", "copy paper"]),
    ("PEN-BL-05", "ручка шариковая синяя", ["синие ручки", "blue pens"]),
    ("TEA-BAG-100", "чай в пакетиках", ["tea bags"]),
])


@pytest.fixture(scope="module")
def extractor() -> EntityExtractor:
    return EntityExtractor(products=CATALOGUE, today=lambda: dt.date(2025, 3, 10))  # a Monday


def found(extractor: EntityExtractor, text: str) -> dict[str, list[tuple[str, object]]]:
    out: dict[str, list[tuple[str, object]]] = {}
    for e in extractor.extract(text):
        out.setdefault(e.entity, []).append((text[e.start:e.end], e.value))
    return out


def test_inflected_city_resolves_to_nominative(extractor: EntityExtractor) -> None:
    assert found(extractor, "доставка в Казани")["city"] == [("Казани", "Казань")]
    assert found(extractor, "сколько до Новосибирска")["city"] == [("Новосибирска", "Новосибирск")]


def test_multi_word_inflected_city_is_one_entity(extractor: EntityExtractor) -> None:
    assert found(extractor, "везём до Нижнего Новгорода")["city"] == [("Нижнего Новгорода", "Нижний Новгород")]


def test_english_city_name_maps_to_canonical_city(extractor: EntityExtractor) -> None:
    assert found(extractor, "ship to Kazan please")["city"] == [("Kazan", "Казань")]


def test_colloquial_city_names_map_to_the_city(extractor: EntityExtractor) -> None:
    assert found(extractor, "доставка в Питер")["city"] == [("Питер", "Санкт-Петербург")]
    assert found(extractor, "сколько из Питера в Мск")["city"] == [("Питера", "Санкт-Петербург"), ("Мск", "Москва")]


def test_unknown_city_is_not_extracted() -> None:
    narrow = EntityExtractor(config=EntityConfig(known_cities=("Москва",)))
    assert "city" not in found(narrow, "доставка в Казань")


def test_russian_number_words_and_inflected_unit(extractor: EntityExtractor) -> None:
    got = found(extractor, "нужно двадцать пять коробок")
    assert got["quantity"] == [("двадцать пять", 25)]
    assert got["unit"] == [("коробок", "box")]


def test_english_number_word_with_unit(extractor: EntityExtractor) -> None:
    got = found(extractor, "add ten packs of tea bags")
    assert got["quantity"] == [("ten", 10)]
    assert got["unit"] == [("packs", "pack")]
    assert got["product"] == [("tea bags", "TEA-BAG-100")]


def test_glued_quantity_and_unit_split(extractor: EntityExtractor) -> None:
    got = found(extractor, "5кг кофе")
    assert got["quantity"] == [("5", 5)]
    assert got["unit"] == [("кг", "kg")]


@pytest.mark.parametrize(
    ("text", "number"),
    [("where is order 1042", "1042"), ("где заказ №1042?", "1042"), ("status #2231", "2231"),
     ("track B2B-000123 please", "B2B-000123")],
)
def test_order_number_forms(extractor: EntityExtractor, text: str, number: str) -> None:
    assert found(extractor, text)["order_number"] == [(number, number)]


def test_order_number_is_not_a_quantity(extractor: EntityExtractor) -> None:
    assert "quantity" not in found(extractor, "cancel order 1042")


def test_sku_pattern_and_quantity(extractor: EntityExtractor) -> None:
    got = found(extractor, "5 x PAP-A4-80 please")
    assert got["sku"] == [("PAP-A4-80", "PAP-A4-80")]
    assert got["quantity"] == [("5", 5)]


def test_sku_pattern_is_configurable() -> None:
    custom = EntityExtractor(config=EntityConfig(sku_pattern=r"\bART\d{5}\b"))
    assert found(custom, "need ART12345")["sku"] == [("ART12345", "ART12345")]
    assert "sku" not in found(custom, "need PAP-A4-80")


def test_inflected_product_name_resolves_to_sku(extractor: EntityExtractor) -> None:
    got = found(extractor, "десять пачек синих ручек")
    assert got["product"] == [("синих ручек", "PEN-BL-05")]
    assert found(extractor, "нет бумаги А4?")["product"] == [("бумаги А4", "PAP-A4-80")]


def test_misspelt_product_name_matches_fuzzily(extractor: EntityExtractor) -> None:
    assert found(extractor, "need copy papper")["product"] == [("copy papper", "PAP-A4-80")]


def test_rebuilt_catalogue_is_used_after_swap() -> None:
    ex = EntityExtractor(products=ProductNameIndex([]))
    assert "product" not in found(ex, "need stapler")
    ex.products = ProductNameIndex([("STP-1", "stapler", [])])
    assert found(ex, "need stapler")["product"] == [("stapler", "STP-1")]


def test_relative_and_weekday_dates_resolve_to_iso(extractor: EntityExtractor) -> None:
    assert found(extractor, "доставка завтра")["date"] == [("завтра", "2025-03-11")]
    assert found(extractor, "привезите в пятницу")["date"] == [("пятницу", "2025-03-14")]
    assert found(extractor, "deliver on 15.03")["date"] == [("15.03", "2025-03-15")]
    assert found(extractor, "к 20 марта")["date"] == [("20 марта", "2025-03-20")]
