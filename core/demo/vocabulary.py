"""The building blocks of catalogue vocabulary: an option of one attribute, a product family, a category.

A family names its products with a template in each language (`{0}`, `{1}` ... are its attributes in
order), so a product is one choice per attribute: its SKU joins the family prefix and the options'
codes, its price and weight multiply the family's base by the options' factors.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from math import prod


@dataclass(frozen=True, slots=True)
class Option:
    code: str
    en: str
    ru: str
    price: Decimal = Decimal(1)
    weight: Decimal = Decimal(1)
    unit: str | None = None  # e.g. "by weight" turns a pack of screws into kilograms


@dataclass(frozen=True, slots=True)
class Family:
    prefix: str
    en: str
    ru: str
    axes: tuple[tuple[Option, ...], ...]
    unit: str
    price: Decimal
    weight_kg: Decimal
    volume_m3: Decimal
    packs: tuple[int, ...] = (1,)
    synonyms: tuple[str, ...] = ()

    @property
    def capacity(self) -> int:
        return prod(len(axis) for axis in self.axes)

    def choose(self, index: int) -> tuple[Option, ...]:
        """The options of the `index`-th product of the family (a mixed-radix number over the axes)."""
        chosen: list[Option] = []
        for axis in reversed(self.axes):
            index, digit = divmod(index, len(axis))
            chosen.append(axis[digit])
        return tuple(reversed(chosen))


@dataclass(frozen=True, slots=True)
class CategorySpec:
    code: str
    en: str
    ru: str
    share: int  # relative size in the catalogue
    families: tuple[Family, ...]
    segments: tuple[str, ...] = ()  # customer tags that buy here most


def axis(*specs: str) -> tuple[Option, ...]:
    """Options from compact specs "code|en|ru|price factor|weight factor|unit"; en defaults to the code,
    ru to en, factors to 1."""
    options = []
    for spec in specs:
        parts = spec.split("|") + [""] * 5
        code, en, ru, price, weight, unit = parts[:6]
        en = en or code
        options.append(
            Option(
                code=code,
                en=en,
                ru=ru or en,
                price=Decimal(price or 1),
                weight=Decimal(weight or 1),
                unit=unit or None,
            )
        )
    codes = [o.code for o in options]
    if len(set(codes)) != len(codes):
        raise ValueError(f"duplicate option codes in {codes}")
    return tuple(options)


def family(
    prefix: str,
    en: str,
    ru: str,
    *axes: tuple[Option, ...],
    unit: str,
    price: str,
    weight: str,
    volume: str,
    packs: tuple[int, ...] = (1,),
    synonyms: tuple[str, ...] = (),
) -> Family:
    return Family(
        prefix=prefix,
        en=en,
        ru=ru,
        axes=axes,
        unit=unit,
        price=Decimal(price),
        weight_kg=Decimal(weight),
        volume_m3=Decimal(volume),
        packs=packs,
        synonyms=synonyms,
    )
