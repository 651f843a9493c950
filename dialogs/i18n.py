"""Locale catalogues and formatting: texts by key with `{named}` placeholders, plurals, money, numbers, dates.

Catalogues live in `dialogs/locales/<locale>.yml` (plus any `dialogs/locales/<locale>/*.yml`, so each flow
can keep its texts in its own file). Nested YAML mappings make dotted keys (`menu.title`); a mapping of
plural categories is one plural entry, chosen by the `count` parameter.
"""

from __future__ import annotations

import datetime as dt
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from core.domain.money import to_money

LOCALES_DIR = Path(__file__).with_name("locales")
SUPPORTED_LOCALES = ("en", "ru")
DEFAULT_LOCALE = "en"

PluralEntry = Mapping[str, str]
Entry = str | PluralEntry

_ALL_CATEGORIES = frozenset({"zero", "one", "two", "few", "many", "other"})
REQUIRED_PLURALS: Mapping[str, frozenset[str]] = {
    "en": frozenset({"one", "other"}),
    "ru": frozenset({"one", "few", "many"}),
}

_NBSP = "\u00a0"  # keeps "1 234,50 ₽" on one line in every messenger


@dataclass(frozen=True, slots=True)
class _NumberStyle:
    group: str
    decimal: str


_NUMBER_STYLES = {"en": _NumberStyle(group=",", decimal="."), "ru": _NumberStyle(group=_NBSP, decimal=",")}
_CURRENCY_PREFIX_EN = {"USD": "$", "EUR": "€", "GBP": "£"}
_CURRENCY_SUFFIX_RU = {"RUB": "₽", "USD": "$", "EUR": "€", "GBP": "£", "KZT": "₸", "BYN": "Br"}
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "ru": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
           "ноября", "декабря"),
}


class CatalogueError(ValueError):
    """A locale file that does not load: the message names the file and the key."""


# Choosing a locale --------------------------------------------------------------------------------


def normalize_locale(value: str | None) -> str | None:
    """"ru-RU", "ru_RU", "RU" -> "ru"; None for anything unsupported."""
    if not value:
        return None
    language = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return language if language in SUPPORTED_LOCALES else None


def choose_locale(user_setting: str | None, messenger_language: str | None) -> str:
    """The user's own setting if supported; else Russian for a Russian messenger, English otherwise."""
    chosen = normalize_locale(user_setting)
    if chosen is not None:
        return chosen
    if messenger_language and messenger_language.strip().lower().startswith("ru"):
        return "ru"
    return DEFAULT_LOCALE


# Catalogues ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Catalogue:
    locale: str
    entries: Mapping[str, Entry]

    def keys(self) -> frozenset[str]:
        return frozenset(self.entries)

    def placeholders(self, key: str) -> frozenset[str]:
        """Every `{name}` used by the entry (all plural forms together)."""
        entry = self.entries[key]
        texts = [entry] if isinstance(entry, str) else list(entry.values())
        return frozenset(name for text in texts for name in _placeholders(text))

    def text(self, key: str, /, **params: object) -> str:
        try:
            entry = self.entries[key]
        except KeyError:
            raise KeyError(f"no text {key!r} in the {self.locale} catalogue") from None
        if not isinstance(entry, str):
            if "count" not in params:
                raise KeyError(f"text {key!r} is a plural and needs a count")
            entry = _plural_form(entry, params["count"], self.locale)
        values = {name: _format_param(value, self.locale) for name, value in params.items()}
        try:
            return _one_final_period(entry, values).format_map(values)
        except KeyError as exc:
            raise KeyError(f"text {key!r} needs the parameter {exc.args[0]!r}") from None


_PLACEHOLDER_THEN_PERIOD = re.compile(r"\{(\w+)\}\.")


def _one_final_period(entry: str, values: Mapping[str, object]) -> str:
    """A value ending in an abbreviation ("5 уп.") already ends the sentence: no second period after it."""
    if "}." not in entry:
        return entry
    return _PLACEHOLDER_THEN_PERIOD.sub(
        lambda m: m[0][:-1] if str(values.get(m[1], "")).endswith(".") else m[0], entry
    )


class _UniqueKeys(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (plain YAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise CatalogueError(f"line {key_node.start_mark.line + 1}: key {key!r} is defined twice")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def catalogue(locale: str) -> Catalogue:
    """The catalogue of a supported locale (anything else gets the default one)."""
    return load_catalogue(normalize_locale(locale) or DEFAULT_LOCALE)


@cache
def load_catalogue(locale: str, directory: Path = LOCALES_DIR) -> Catalogue:
    files = [directory / f"{locale}.yml", *sorted((directory / locale).glob("*.yml"))]
    entries: dict[str, Entry] = {}
    for path in files:
        if not path.exists():
            continue
        try:
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeys) or {}  # noqa: S506 - a safe loader
        except CatalogueError as error:
            raise CatalogueError(f"{path}: {error}") from None
        if not isinstance(data, dict):
            raise CatalogueError(f"{path}: the top level must be a mapping")
        for key, entry in _flatten(data, prefix="", source=path):
            if key in entries:
                raise CatalogueError(f"{path}: key {key!r} is defined twice")
            if not isinstance(entry, str):
                missing = REQUIRED_PLURALS[locale] - set(entry)
                if missing:
                    raise CatalogueError(f"{path}: plural {key!r} lacks the forms {sorted(missing)}")
            entries[key] = entry
    if not entries:
        raise CatalogueError(f"no catalogue for locale {locale!r} in {directory}")
    return Catalogue(locale=locale, entries=entries)


def t(locale: str, key: str, /, **params: object) -> str:
    """The text for `key` in `locale`, placeholders filled; numbers in parameters are formatted per locale."""
    return catalogue(locale).text(key, **params)


def _flatten(data: Mapping[Any, Any], prefix: str, source: Path) -> list[tuple[str, Entry]]:
    out: list[tuple[str, Entry]] = []
    for raw_key, value in data.items():
        if not isinstance(raw_key, str):
            # YAML 1.1 reads bare yes/no/on/off as booleans: quote such keys.
            raise CatalogueError(f"{source}: key {raw_key!r} under {prefix or 'the top'} is not a string")
        key = f"{prefix}{raw_key}"
        if isinstance(value, str):
            out.append((key, value))
        elif isinstance(value, dict) and value and set(value) <= _ALL_CATEGORIES:
            if not all(isinstance(form, str) for form in value.values()):
                raise CatalogueError(f"{source}: plural {key!r} must map categories to texts")
            out.append((key, dict(value)))
        elif isinstance(value, dict):
            out.extend(_flatten(value, prefix=f"{key}.", source=source))
        else:
            raise CatalogueError(f"{source}: {key!r} must be a text, a plural or a group of keys")
    return out


def _placeholders(text: str) -> list[str]:
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def _format_param(value: object, locale: str) -> object:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | Decimal):
        return format_number(Decimal(value), locale)
    return value


# Plurals ------------------------------------------------------------------------------------------


def plural_category(count: int | Decimal, locale: str) -> str:
    """CLDR plural category of `count`: en one/other; ru one/few/many, and other for fractions."""
    value = Decimal(count)
    # Judged on the number as `format_number` shows it: Decimal("5.000") is displayed, and counted, as 5.
    integral = value == value.to_integral_value()
    if normalize_locale(locale) == "ru":
        if not integral:
            return "other"
        n = abs(int(value))
        if n % 10 == 1 and n % 100 != 11:
            return "one"
        if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
            return "few"
        return "many"
    return "one" if integral and abs(value) == 1 else "other"


def _plural_form(entry: PluralEntry, count: object, locale: str) -> str:
    if isinstance(count, bool) or not isinstance(count, int | Decimal):
        raise TypeError(f"a plural count must be an int or a Decimal, not {type(count).__name__}")
    category = plural_category(count, locale)
    if category in entry:
        return entry[category]
    # Russian fractions ("1,5 товара") read like the few form; every other gap falls back to other.
    fallback = "few" if locale == "ru" else "other"
    return entry.get(fallback) or entry["other"]


# Numbers, money, dates ----------------------------------------------------------------------------


def format_number(value: Decimal | int, locale: str, places: int | None = None) -> str:
    """Grouped digits and the locale's decimal mark; `places` fixes the decimals, else trailing zeros go."""
    if isinstance(value, float):
        raise TypeError("format Decimal or int, not float")
    number = Decimal(value)
    if places is not None:
        number = number.quantize(Decimal(1).scaleb(-places))
    elif number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    else:
        number = number.normalize()
    style = _NUMBER_STYLES[normalize_locale(locale) or DEFAULT_LOCALE]
    sign = "-" if number < 0 else ""
    whole, _, fraction = f"{abs(number):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = style.group.join(groups)
    return f"{sign}{text}{style.decimal}{fraction}" if fraction else f"{sign}{text}"


def format_money(amount: Decimal | int | str, currency: str, locale: str) -> str:
    """ru: "1 234,50 ₽"; en: "$1,234.50" for $, €, £, else "1,234.50 RUB"."""
    value = to_money(amount)
    code = currency.upper()
    lang = normalize_locale(locale) or DEFAULT_LOCALE
    sign = "-" if value < 0 else ""
    digits = format_number(abs(value), lang, places=2)
    if lang == "ru":
        return f"{sign}{digits}{_NBSP}{_CURRENCY_SUFFIX_RU.get(code, code)}"
    if code in _CURRENCY_PREFIX_EN:
        return f"{sign}{_CURRENCY_PREFIX_EN[code]}{digits}"
    return f"{sign}{digits}{_NBSP}{code}"


def format_quantity(quantity: Decimal | int, locale: str, unit: str | None = None) -> str:
    """"1 250,5 кг" / "1,250.5 kg": no trailing zeros, the unit as the catalogue gives it."""
    digits = format_number(quantity, locale)
    return f"{digits}{_NBSP}{unit}" if unit else digits


def format_date(value: dt.date | dt.datetime, locale: str, tz: dt.tzinfo = dt.UTC) -> str:
    """"5 March 2025" / "5 марта 2025"; a datetime adds the time in `tz` (it must be timezone-aware)."""
    lang = normalize_locale(locale) or DEFAULT_LOCALE
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("format timezone-aware datetimes only")
        local = value.astimezone(tz)
        return f"{local.day} {_MONTHS[lang][local.month - 1]} {local.year}, {local:%H:%M}"
    return f"{value.day} {_MONTHS[lang][value.month - 1]} {value.year}"


def typed(text: str) -> str:
    """A typed answer as the word lists compare it: case, ё/е, outer punctuation and extra spaces do not count."""
    return " ".join(text.casefold().replace("ё", "е").strip(" .!").split())


@cache
def typed_words(key: str) -> frozenset[str]:
    """A catalogue's "a|b|c" list of what people type for one answer ("все|all|max"), every language's, each as
    `typed` reads a message."""
    return frozenset(typed(word) for locale in SUPPORTED_LOCALES for word in t(locale, key).split("|"))
