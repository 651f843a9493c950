"""What every delivery provider shares: how place names compare."""

from __future__ import annotations


def place_key(name: str) -> str:
    """A comparison key for a city or region name: case, ё/е, hyphens and extra spaces do not matter."""
    folded = name.casefold().replace("ё", "е").replace("-", " ").replace(".", ". ")
    return " ".join(folded.split())
