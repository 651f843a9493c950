"""Locale catalogues and formatting: parity of en/ru, plurals, money, numbers, dates, locale choice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from core.errors import DomainError
from dialogs.i18n import (
    REQUIRED_PLURALS,
    SUPPORTED_LOCALES,
    CatalogueError,
    choose_locale,
    format_date,
    format_money,
    format_quantity,
    load_catalogue,
    plural_category,
    t,
)

NBSP = "\u00a0"


def test_english_and_russian_catalogues_have_the_same_keys() -> None:
    en, ru = load_catalogue("en"), load_catalogue("ru")
    assert sorted(en.keys() - ru.keys()) == []
    assert sorted(ru.keys() - en.keys()) == []


def test_every_key_has_the_same_placeholders_in_both_catalogues() -> None:
    en, ru = load_catalogue("en"), load_catalogue("ru")
    differing = {key: (en.placeholders(key), ru.placeholders(key))
                 for key in sorted(en.keys()) if en.placeholders(key) != ru.placeholders(key)}
    assert differing == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_plural_has_the_forms_its_language_needs(locale: str) -> None:
    catalogue = load_catalogue(locale)
    for key, entry in catalogue.entries.items():
        if not isinstance(entry, str):
            assert REQUIRED_PLURALS[locale] <= set(entry), key


def test_every_domain_error_code_has_a_text() -> None:
    codes = {DomainError.code} | {cls.code for cls in DomainError.__subclasses__()}
    for locale in SUPPORTED_LOCALES:
        assert {f"errors.{code}" for code in codes} <= load_catalogue(locale).keys()


@pytest.mark.parametrize(
    ("count", "text"),
    [(1, "1 товар"), (2, "2 товара"), (4, "4 товара"), (5, "5 товаров"), (11, "11 товаров"), (12, "12 товаров"),
     (21, "21 товар"), (22, "22 товара"), (111, "111 товаров"), (Decimal("1.5"), "1,5 товара"),
     (Decimal("5.000"), "5 товаров")],
)
def test_russian_plurals_follow_one_few_many(count: int | Decimal, text: str) -> None:
    assert t("ru", "common.items", count=count) == text


@pytest.mark.parametrize(("count", "text"), [(1, "1 item"), (0, "0 items"), (2, "2 items"),
                                             (1234, "1,234 items"), (Decimal("1.5"), "1.5 items")])
def test_english_plurals_follow_one_other(count: int | Decimal, text: str) -> None:
    assert t("en", "common.items", count=count) == text


def test_plural_category_of_a_fraction_is_other_in_russian() -> None:
    assert plural_category(Decimal("2.5"), "ru") == "other"
    assert plural_category(21, "ru") == "one"


def test_placeholders_are_filled_and_a_missing_one_is_named() -> None:
    assert t("en", "engine.resume", flow="your order") == "Back to your order…"
    with pytest.raises(KeyError, match="flow"):
        t("en", "engine.resume")
    with pytest.raises(KeyError, match="no text"):
        t("en", "no.such.key")


def test_a_value_ending_in_an_abbreviation_gets_no_second_period() -> None:
    text = t("ru", "cart.add.added", added="5 уп.", name="Бумага", sku="A4-80", quantity="10 уп.", total="1 000,00 ₽")
    assert ".." not in text and "10 уп." in text and text.endswith("₽.")
    assert t("en", "account.balance.owed", amount="5.00") == "Balance: you owe 5.00."


def test_unsupported_locale_gets_english() -> None:
    assert t("de", "common.yes") == "Yes"
    assert t("ru-RU", "common.yes") == "Да"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        (Decimal("1234.5"), "RUB", "ru", f"1{NBSP}234,50{NBSP}₽"),
        (Decimal("1234.5"), "RUB", "en", f"1,234.50{NBSP}RUB"),
        (Decimal("1234567.455"), "USD", "en", "$1,234,567.46"),
        (Decimal("-0.5"), "EUR", "ru", f"-0,50{NBSP}€"),
        (Decimal("0"), "KZT", "en", f"0.00{NBSP}KZT"),
        (7, "RUB", "ru", f"7,00{NBSP}₽"),
    ],
)
def test_money_is_formatted_per_locale(amount: Decimal, currency: str, locale: str, text: str) -> None:
    assert format_money(amount, currency, locale) == text


def test_money_refuses_floats() -> None:
    with pytest.raises(TypeError):
        format_money(1.5, "RUB", "ru")  # type: ignore[arg-type]


def test_quantities_drop_trailing_zeros_and_group_digits() -> None:
    assert format_quantity(Decimal("1250.500"), "ru", "кг") == f"1{NBSP}250,5{NBSP}кг"
    assert format_quantity(Decimal("1250.000"), "en", "pcs") == f"1,250{NBSP}pcs"
    assert format_quantity(3, "en") == "3"


def test_dates_are_spelled_per_locale_and_times_are_shown_in_the_given_zone() -> None:
    moment = dt.datetime(2025, 3, 5, 21, 30, tzinfo=dt.UTC)
    assert format_date(moment.date(), "en") == "5 March 2025"
    assert format_date(moment.date(), "ru") == "5 марта 2025"
    assert format_date(moment, "ru", tz=dt.timezone(dt.timedelta(hours=3))) == "6 марта 2025, 00:30"
    with pytest.raises(ValueError, match="timezone-aware"):
        format_date(dt.datetime(2025, 3, 5), "en")


@pytest.mark.parametrize(
    ("setting", "messenger", "locale"),
    [("en", "ru", "en"), ("ru", "en-US", "ru"), (None, "ru-RU", "ru"), (None, "ru", "ru"), (None, "de", "en"),
     (None, None, "en"), ("fr", "ru", "ru"), ("RU_ru", None, "ru")],
)
def test_locale_is_the_users_setting_else_the_messengers_language(
    setting: str | None, messenger: str | None, locale: str
) -> None:
    assert choose_locale(setting, messenger) == locale


def test_catalogues_merge_per_flow_files_and_refuse_duplicates(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("a:\n  b: 'B'\n", encoding="utf-8")
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "checkout.yml").write_text("checkout:\n  title: 'your order'\n", encoding="utf-8")
    assert load_catalogue("en", tmp_path).keys() == {"a.b", "checkout.title"}
    (tmp_path / "en" / "other.yml").write_text("a:\n  b: 'again'\n", encoding="utf-8")
    load_catalogue.cache_clear()
    with pytest.raises(CatalogueError, match="twice"):
        load_catalogue("en", tmp_path)


def test_a_key_given_twice_in_one_file_is_refused_not_silently_overwritten(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("cart:\n  title: 'your cart'\n  other: 'x'\n  title: 'Your cart:'\n",
                                     encoding="utf-8")
    load_catalogue.cache_clear()
    with pytest.raises(CatalogueError, match=r"en\.yml: line 4: key 'title' is defined twice"):
        load_catalogue("en", tmp_path)
    load_catalogue.cache_clear()


def test_an_unquoted_yes_key_is_reported_not_silently_turned_into_true(tmp_path: Path) -> None:
    (tmp_path / "en.yml").write_text("common:\n  yes: 'Yes'\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not a string"):
        load_catalogue("en", tmp_path)


def test_a_russian_plural_missing_a_form_is_reported(tmp_path: Path) -> None:
    (tmp_path / "ru.yml").write_text("items:\n  one: '{count} товар'\n  other: '{count} товара'\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="lacks"):
        load_catalogue("ru", tmp_path)


def test_every_journey_title_reads_after_back_to() -> None:
    from dialogs.assembly import FLOW_MODULES, flows_of

    # "Возвращаемся к {flow}" wants a lower-case dative phrase ("корзине"), not a menu button's title ("Корзина").
    for flow in flows_of(FLOW_MODULES):
        title = t("ru", flow.title_key)
        assert title[:1].islower(), (flow.name, title)
        assert t("en", "engine.resume", flow=t("en", flow.title_key))[8:9].islower(), flow.name
