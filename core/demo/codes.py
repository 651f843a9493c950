"""Identifiers with real check digits and shapes: tax ids (INN), EAN-13 barcodes, e-mail slugs."""

from __future__ import annotations

import re

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)


def inn_check_digit(first_nine: str) -> str:
    """The tenth digit of a Russian legal entity's tax id (INN), from its first nine."""
    total = sum(int(d) * w for d, w in zip(first_nine, _INN10_WEIGHTS, strict=True))
    return str(total % 11 % 10)


def legal_inn(tax_office: int, serial: int) -> str:
    """A 10-digit INN: four digits of the tax office, five of the serial, one check digit."""
    first_nine = f"{tax_office:04d}{serial % 100_000:05d}"
    return first_nine + inn_check_digit(first_nine)


def is_valid_legal_inn(value: str) -> bool:
    return bool(re.fullmatch(r"\d{10}", value)) and inn_check_digit(value[:9]) == value[9]


def ean13_check_digit(first_twelve: str) -> str:
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first_twelve))
    return str((10 - total % 10) % 10)


def ean13(prefix: str, number: int) -> str:
    """A valid EAN-13: the GS1 country `prefix` (460-469 is Russia), the number, a check digit."""
    body = f"{prefix}{number:0{12 - len(prefix)}d}"
    if len(body) != 12:
        raise ValueError(f"{number} does not fit an EAN-13 after prefix {prefix}")
    return body + ean13_check_digit(body)


def is_valid_ean13(value: str) -> bool:
    return bool(re.fullmatch(r"\d{13}", value)) and ean13_check_digit(value[:12]) == value[12]


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by hyphens: "Alfa-Snab" -> "alfa-snab"."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
