"""What every delivery provider shares: the outage error and how place names compare."""

from __future__ import annotations


class CarrierUnavailable(Exception):
    """A provider could not answer at all (timeout, outage, nonsense reply), as opposed to answering
    "no options for this destination" with an empty list. The message is safe to log: no secrets."""


def place_key(name: str) -> str:
    """A comparison key for a city or region name: case, ё/е, hyphens and extra spaces do not matter."""
    folded = name.casefold().replace("ё", "е").replace("-", " ").replace(".", ". ")
    return " ".join(folded.split())
