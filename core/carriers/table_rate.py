"""Table-rate delivery: zones by city or region, weight tiers per service, read from a YAML data file.

The file (see core/data/delivery_zones.yml) holds:

- `cities`: canonical city name -> its region and aliases (Russian names, abbreviations);
- `regions`: canonical region name -> aliases;
- `zones`: each with a code, the cities and regions it covers, and at most one `default: true` zone
  for the rest of the country;
- `carriers`: each with a currency, a volumetric factor (kg per m3) and services; a service has a rate
  per zone code: `eta_days: [min, max]`, `tiers: {upper bound kg: price}` and an optional
  `per_kg_above` surcharge for every started kilogram above the top tier. A service without a rate
  for a zone does not serve it; a parcel above the top tier without a surcharge gets no quote.

A destination's zone is its city's zone, else its region's (the region given, else the city's known
region), else the default zone, else none.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from rapidfuzz import fuzz, process

from core.carriers.base import place_key
from core.domain.money import to_money
from core.ports import CarrierQuote, Destination, Parcel

DEFAULT_VOLUMETRIC_KG_PER_M3 = Decimal(250)
KG_STEP = Decimal("0.001")
_MIN_TYPO_LENGTH, _TYPO_SCORE = 4, 80  # a name this long, this close (rapidfuzz ratio) to a listed one


class RateTableError(ValueError):
    """The delivery data file is missing, is not YAML, or does not describe a valid rate table."""


class _Spec(BaseModel):
    # A typo in the data file must be an error, not a silently ignored key.
    model_config = ConfigDict(extra="forbid", frozen=True)


class CitySpec(_Spec):
    region: str | None = None
    aliases: list[str] = Field(default_factory=list)


class ZoneSpec(_Spec):
    code: str = Field(min_length=1, max_length=40)
    name: str = Field(min_length=1)
    cities: list[str] = Field(default_factory=list)
    regions: list[str] = Field(default_factory=list)
    default: bool = False

    @model_validator(mode="after")
    def _covers_something(self) -> ZoneSpec:
        if not (self.cities or self.regions or self.default):
            raise ValueError(f"zone {self.code!r} lists no cities or regions and is not the default")
        return self


class RateSpec(_Spec):
    eta_days: tuple[int, int]
    tiers: dict[Decimal, Decimal] = Field(min_length=1)
    per_kg_above: Decimal | None = Field(default=None, ge=0)

    @field_validator("eta_days")
    @classmethod
    def _eta_range(cls, value: tuple[int, int]) -> tuple[int, int]:
        low, high = value
        if low < 0 or high < low:
            raise ValueError("eta_days must be [min, max] with 0 <= min <= max")
        return value

    @field_validator("tiers")
    @classmethod
    def _tiers_sane(cls, value: dict[Decimal, Decimal]) -> dict[Decimal, Decimal]:
        for up_to, price in value.items():
            if not up_to.is_finite() or up_to <= 0:
                raise ValueError(f"tier bound {up_to} kg must be a positive number")
            if not price.is_finite() or price < 0:
                raise ValueError(f"tier price {price} must not be negative")
        return dict(sorted(value.items()))


class ServiceSpec(_Spec):
    name: str = Field(min_length=1, max_length=100)
    rates: dict[str, RateSpec] = Field(min_length=1)


class CarrierSpec(_Spec):
    name: str = Field(min_length=1, max_length=50)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    volumetric_kg_per_m3: Decimal = Field(default=DEFAULT_VOLUMETRIC_KG_PER_M3, gt=0)
    services: list[ServiceSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_services(self) -> CarrierSpec:
        _refuse_duplicates((s.name for s in self.services), f"service of carrier {self.name!r}")
        return self


class RateFile(_Spec):
    cities: dict[str, CitySpec] = Field(default_factory=dict)
    regions: dict[str, list[str]] = Field(default_factory=dict)
    zones: list[ZoneSpec] = Field(min_length=1)
    carriers: list[CarrierSpec] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> RateFile:
        _refuse_duplicates((z.code for z in self.zones), "zone code")
        _refuse_duplicates((c.name for c in self.carriers), "carrier")
        defaults = [z.code for z in self.zones if z.default]
        if len(defaults) > 1:
            raise ValueError(f"only one zone may be the default, found {defaults}")
        codes = {z.code for z in self.zones}
        for carrier in self.carriers:
            for service in carrier.services:
                unknown = sorted(set(service.rates) - codes)
                if unknown:
                    raise ValueError(f"{carrier.name}/{service.name} has rates for unknown zones {unknown}")
        return self


def _refuse_duplicates(names: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for name in names:
        key = place_key(name)
        if key in seen:
            raise ValueError(f"duplicate {what}: {name!r}")
        seen.add(key)


@dataclass(frozen=True, slots=True)
class Zone:
    code: str
    name: str


class RateTable:
    """A validated rate file, indexed for lookups: canonical names, zones, carriers."""

    def __init__(self, spec: RateFile) -> None:
        self.carriers: tuple[CarrierSpec, ...] = tuple(spec.carriers)
        self._cities = _name_index(spec.cities, {name: city.aliases for name, city in spec.cities.items()}, "city")
        self._spellings: dict[str, str] = {}  # each city spelling's key -> that spelling, for suggestions
        for name, listed in spec.cities.items():
            for spelling in (name, *listed.aliases):
                self._spellings.setdefault(place_key(spelling), spelling)
        self._regions = _name_index(spec.regions, spec.regions, "region")
        self._city_region = {
            place_key(name): city.region for name, city in spec.cities.items() if city.region is not None
        }
        self._zone_by_city: dict[str, Zone] = {}
        self._zone_by_region: dict[str, Zone] = {}
        self.default_zone: Zone | None = None
        for zone_spec in spec.zones:
            zone = Zone(zone_spec.code, zone_spec.name)
            for city in zone_spec.cities:
                _claim(self._zone_by_city, place_key(self.canonical_city(city)), zone, f"city {city!r}")
            for region in zone_spec.regions:
                _claim(self._zone_by_region, place_key(self.canonical_region(region)), zone, f"region {region!r}")
            if zone_spec.default:
                self.default_zone = zone

    def canonical_city(self, name: str) -> str:
        """The file's name for a city given in any listed spelling; an unknown city comes back trimmed."""
        return self._cities.get(place_key(name), name.strip())

    def knows_city(self, name: str) -> bool:
        """Whether the file lists a city of that name, in any of its spellings."""
        return place_key(name) in self._cities

    def closest_city(self, name: str) -> str | None:
        """The listed city spelling nearest to an unknown name ("Kazn" -> "Kazan", "Казнь" -> "Казань"), or None
        when none is near enough to be a typo of it."""
        key = place_key(name)
        if len(key) < _MIN_TYPO_LENGTH:
            return None
        found = process.extractOne(key, self._spellings.keys(), scorer=fuzz.ratio, score_cutoff=_TYPO_SCORE)
        return self._spellings[found[0]] if found is not None else None

    def canonical_region(self, name: str) -> str:
        return self._regions.get(place_key(name), name.strip())

    def city_key(self, name: str) -> str:
        """A key under which every spelling of one city compares equal (Москва == moscow)."""
        return place_key(self.canonical_city(name))

    def zone_for(self, destination: Destination) -> Zone | None:
        city = self.city_key(destination.city)
        if city in self._zone_by_city:
            return self._zone_by_city[city]
        regions = [destination.region, self._city_region.get(city)]
        for region in regions:
            if region:
                zone = self._zone_by_region.get(place_key(self.canonical_region(region)))
                if zone is not None:
                    return zone
        return self.default_zone


def _name_index(names: Iterable[str], aliases: dict[str, list[str]], what: str) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in names:
        for spelling in (name, *aliases.get(name, [])):
            key = place_key(spelling)
            if index.get(key, name) != name:
                raise RateTableError(f"{what} spelling {spelling!r} names both {index[key]!r} and {name!r}")
            index[key] = name
    return index


def _claim(index: dict[str, Zone], key: str, zone: Zone, what: str) -> None:
    if key in index and index[key] != zone:
        raise RateTableError(f"{what} is in both zone {index[key].code!r} and zone {zone.code!r}")
    index[key] = zone


def chargeable_weight(parcel: Parcel, kg_per_m3: Decimal) -> Decimal:
    """The larger of the actual weight and the volumetric weight (volume x factor): bulky goods pay
    for the space they take in the truck."""
    return max(parcel.weight_kg, parcel.volume_m3 * kg_per_m3).quantize(KG_STEP)


def tier_price(rate: RateSpec, weight_kg: Decimal) -> Decimal | None:
    """The price of the first tier that holds `weight_kg`; above the top tier, the top price plus the
    surcharge per started kilogram, or None when the service takes nothing that heavy."""
    for up_to, price in rate.tiers.items():
        if weight_kg <= up_to:
            return to_money(price)
    if rate.per_kg_above is None:
        return None
    top, top_price = next(reversed(rate.tiers.items()))
    extra_kg = math.ceil(weight_kg - top)
    return to_money(top_price + rate.per_kg_above * extra_kg)


class TableRateCarrier:
    """One carrier of a rate table: quotes each of its services that serves the destination's zone."""

    def __init__(self, table: RateTable, spec: CarrierSpec) -> None:
        self.name = spec.name
        self._table = table
        self._spec = spec

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        zone = self._table.zone_for(destination)
        if zone is None:
            return []
        weight = chargeable_weight(parcel, self._spec.volumetric_kg_per_m3)
        quotes = []
        for service in self._spec.services:
            rate = service.rates.get(zone.code)
            price = tier_price(rate, weight) if rate is not None else None
            if rate is None or price is None:
                continue
            low, high = rate.eta_days
            quotes.append(CarrierQuote(self.name, service.name, price, self._spec.currency, low, high))
        return quotes


def default_rate_file() -> Path:
    return Path(str(resources.files("core") / "data" / "delivery_zones.yml"))


def load_rate_table(path: Path | None = None) -> RateTable:
    """Read and validate a rate file (the packaged one by default); `RateTableError` says what is wrong."""
    path = path or default_rate_file()
    try:
        raw: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise RateTableError(f"cannot read the delivery rate file {path}: {error.strerror}") from error
    except yaml.YAMLError as error:
        raise RateTableError(f"the delivery rate file {path} is not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise RateTableError(f"the delivery rate file {path} must hold a mapping with zones and carriers")
    try:
        return RateTable(RateFile.model_validate(raw))
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in problem['loc']) or 'file'}: {problem['msg']}"
            for problem in error.errors(include_url=False, include_input=False)
        )
        raise RateTableError(f"the delivery rate file {path} is invalid: {problems}") from error
    except RateTableError as error:
        raise RateTableError(f"the delivery rate file {path} is invalid: {error}") from error


def table_rate_carriers(table: RateTable) -> list[TableRateCarrier]:
    return [TableRateCarrier(table, spec) for spec in table.carriers]
