"""Delivery providers on their own: table rates from YAML, pickup points, the HTTP adapter on a fake transport."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from core.carriers import (
    CarrierUnavailable,
    HttpCarrier,
    PickupCarrier,
    PickupPoint,
    RateTableError,
    TableRateCarrier,
    build_carriers,
    load_rate_table,
)
from core.config import Settings
from core.ports import CarrierQuote, Destination, Parcel

SMALL_TABLE = """
cities:
  Kazan: {region: Tatarstan, aliases: [Казань]}
  Naberezhnye Chelny: {region: Tatarstan, aliases: [Набережные Челны]}
regions:
  Tatarstan: [Республика Татарстан]
zones:
  - {code: kazan, name: Kazan city, cities: [Kazan]}
  - {code: volga, name: Volga, regions: [Tatarstan]}
  - {code: rest, name: Rest of Russia, default: true}
carriers:
  - name: truck
    currency: RUB
    volumetric_kg_per_m3: 250
    services:
      - name: standard
        rates:
          kazan: {eta_days: [1, 2], tiers: {5: 300, 20: 600, 100: "1900.50"}, per_kg_above: 9}
          volga: {eta_days: [2, 4], tiers: {5: 500, 100: 2500}, per_kg_above: 12}
          rest: {eta_days: [5, 9], tiers: {100: 4000}}
      - name: express
        rates:
          kazan: {eta_days: [0, 1], tiers: {5: 700, 20: 1200}}
"""


def parcel(weight: str, volume: str = "0", currency: str = "RUB") -> Parcel:
    return Parcel(Decimal(weight), Decimal(volume), Decimal("1000.00"), currency)


@pytest.fixture
def small_table(tmp_path: Path) -> Path:
    path = tmp_path / "zones.yml"
    path.write_text(SMALL_TABLE, encoding="utf-8")
    return path


@pytest.fixture
def truck(small_table: Path) -> TableRateCarrier:
    table = load_rate_table(small_table)
    return TableRateCarrier(table, table.carriers[0])


def by_service(quotes: list[CarrierQuote]) -> dict[str, CarrierQuote]:
    return {q.service: q for q in quotes}


# Table rate: zones


@pytest.mark.parametrize(
    ("city", "region", "zone"),
    [
        ("Moscow", None, "moscow"),
        ("Москва", None, "moscow"),
        ("  MOSCOW ", None, "moscow"),
        ("Санкт-Петербург", None, "saint-petersburg"),
        ("St. Petersburg", None, "saint-petersburg"),
        ("Казань", None, "volga"),
        ("Нижний Новгород", None, "volga"),
        ("Yekaterinburg", None, "urals"),
        ("Новосибирск", None, "siberia"),
        ("Zelenograd", None, "moscow"),  # through the city's own region
        ("Dolgoprudny", "Московская область", "moscow"),  # an unknown town, by its region's Russian name
        ("Magadan", None, "rest"),
    ],
)
def test_packaged_table_finds_zones_by_english_or_russian_names(city: str, region: str | None, zone: str) -> None:
    table = load_rate_table()
    found = table.zone_for(Destination(city, region))
    assert found is not None and found.code == zone


async def test_a_city_of_its_own_zone_wins_over_its_region(truck: TableRateCarrier) -> None:
    quotes = by_service(await truck.quote(parcel("3"), Destination("казань", "Tatarstan")))
    assert quotes["standard"].price == Decimal("300.00")
    assert (quotes["standard"].eta_min_days, quotes["standard"].eta_max_days) == (1, 2)


async def test_a_city_without_a_zone_is_priced_by_its_region(truck: TableRateCarrier) -> None:
    known_region = await truck.quote(parcel("3"), Destination("Набережные Челны"))
    given_region = await truck.quote(parcel("3"), Destination("Almetyevsk", "республика татарстан"))
    assert [q.price for q in known_region] == [q.price for q in given_region] == [Decimal("500.00")]


async def test_an_unzoned_place_falls_to_the_default_zone(truck: TableRateCarrier) -> None:
    quotes = await truck.quote(parcel("3"), Destination("Magadan"))
    assert [(q.service, q.price, q.eta_max_days) for q in quotes] == [("standard", Decimal("4000.00"), 9)]


async def test_without_a_default_zone_an_unzoned_place_gets_no_quote(tmp_path: Path) -> None:
    path = tmp_path / "zones.yml"
    path.write_text(SMALL_TABLE.replace("default: true", "regions: [Chuvashia]"), encoding="utf-8")
    table = load_rate_table(path)
    assert await TableRateCarrier(table, table.carriers[0]).quote(parcel("3"), Destination("Magadan")) == []


async def test_services_are_offered_only_where_they_have_a_rate(truck: TableRateCarrier) -> None:
    in_kazan = await truck.quote(parcel("3"), Destination("Kazan"))
    in_region = await truck.quote(parcel("3"), Destination("Naberezhnye Chelny"))
    assert sorted(by_service(in_kazan)) == ["express", "standard"]
    assert sorted(by_service(in_region)) == ["standard"]


# Table rate: weights


@pytest.mark.parametrize(
    ("weight", "price"),
    [("0", "300.00"), ("5", "300.00"), ("5.001", "600.00"), ("20", "600.00"), ("100", "1900.50")],
)
async def test_the_first_tier_that_holds_the_weight_sets_the_price(
    truck: TableRateCarrier, weight: str, price: str
) -> None:
    quotes = by_service(await truck.quote(parcel(weight), Destination("Kazan")))
    assert quotes["standard"].price == Decimal(price)


async def test_above_the_top_tier_every_started_kilogram_pays_the_surcharge(truck: TableRateCarrier) -> None:
    quotes = by_service(await truck.quote(parcel("102.2"), Destination("Kazan")))
    assert quotes["standard"].price == Decimal("1900.50") + 3 * 9


async def test_a_service_without_surcharge_takes_nothing_above_its_top_tier(truck: TableRateCarrier) -> None:
    quotes = by_service(await truck.quote(parcel("25"), Destination("Kazan")))
    assert "express" not in quotes and quotes["standard"].price == Decimal("1900.50")


async def test_bulky_light_goods_pay_by_volumetric_weight(truck: TableRateCarrier) -> None:
    # 2 kg in 0.08 m3 weighs 20 kg by volume (x 250 kg/m3); 30 kg in the same box pays its own weight.
    bulky = by_service(await truck.quote(parcel("2", "0.08"), Destination("Kazan")))
    heavy = by_service(await truck.quote(parcel("30", "0.08"), Destination("Kazan")))
    assert bulky["standard"].price == Decimal("600.00")
    assert heavy["standard"].price == Decimal("1900.50")


async def test_packaged_table_quotes_two_hundred_kilograms_to_kazan() -> None:
    table = load_rate_table()
    quotes = [
        q
        for spec in table.carriers
        for q in await TableRateCarrier(table, spec).quote(parcel("200"), Destination("Казань"))
    ]
    assert {(q.carrier, q.service) for q in quotes} == {("magistral", "standard"), ("magistral", "express")}
    assert all(q.currency == "RUB" and q.price > 0 for q in quotes)


# Table rate: bad files


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("tiers: {5: 300,", "tiers: {5: -300,"), "must not be negative"),
        (("volga: {eta_days: [2, 4]", "volga: {eta_days: [4, 2]"), "eta_days"),
        (("rest: {eta_days", "mars: {eta_days"), "unknown zones ['mars']"),
        (("currency: RUB", "currency: rubles"), "carriers.0.currency"),
        (("volumetric_kg_per_m3: 250", "volumetric_kg_per_m3: 250\n    colour: red"), "carriers.0.colour"),
        (("{code: volga, name: Volga,", "{code: volga, name: Volga, default: true,"), "only one zone"),
        (("aliases: [Набережные Челны]", "aliases: [Казань]"), "names both"),
        (("regions: [Tatarstan]}", "regions: [Tatarstan], cities: [Kazan]}"), "in both zone"),
        (("tiers: {100: 4000}", "tiers: {}"), "tiers"),
    ],
)
def test_a_bad_rate_file_is_refused_with_a_clear_message(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    old, new = change
    assert old in SMALL_TABLE
    path = tmp_path / "zones.yml"
    path.write_text(SMALL_TABLE.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(RateTableError) as refused:
        load_rate_table(path)
    assert complaint in str(refused.value) and str(path) in str(refused.value)


@pytest.mark.parametrize(("content", "complaint"), [("zones: [oops", "not valid YAML"), ("- a list", "mapping")])
def test_a_rate_file_that_is_not_a_table_is_refused(tmp_path: Path, content: str, complaint: str) -> None:
    path = tmp_path / "zones.yml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RateTableError, match=complaint):
        load_rate_table(path)


def test_a_missing_rate_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RateTableError, match="cannot read"):
        load_rate_table(tmp_path / "absent.yml")


def test_build_carriers_reads_the_configured_file_and_adds_http_when_configured(small_table: Path) -> None:
    plain = build_carriers(Settings(environment="test", delivery_zones_file=small_table))
    assert [c.name for c in plain.fixed] == ["truck"]
    with_http = build_carriers(
        Settings(environment="test", delivery_zones_file=small_table, delivery_http_url="https://quotes.example/v1")
    )
    assert [c.name for c in with_http.fixed] == ["truck", "http"]
    assert with_http.pickup is not None and with_http.pickup.city_key("Казань") == with_http.pickup.city_key("kazan")


def test_build_carriers_refuses_a_bad_configured_file(tmp_path: Path) -> None:
    path = tmp_path / "zones.yml"
    path.write_text("zones: []\ncarriers: []\n", encoding="utf-8")
    with pytest.raises(RateTableError):
        build_carriers(Settings(environment="test", delivery_zones_file=path))


# Pickup

KAZAN = PickupPoint(1, "KZN", "Kazan depot", "Казань", "Tyrlyanskaya 1")
MOSCOW = PickupPoint(2, "MSK", "Moscow depot", "Moscow", "Ryazansky pr. 8")


async def test_pickup_offers_the_destination_city_points_only_when_it_has_some() -> None:
    table = load_rate_table()
    pickup = PickupCarrier([MOSCOW, KAZAN], complete_at={1, 2}, city_key=table.city_key)
    in_kazan = await pickup.quote(parcel("10"), Destination("kazan"))
    in_tula = await pickup.quote(parcel("10"), Destination("Tula"))
    assert [q.service for q in in_kazan] == ["KZN"]
    assert [q.service for q in in_tula] == ["MSK", "KZN"]


async def test_pickup_is_free_and_same_day_only_where_all_goods_are() -> None:
    pickup = PickupCarrier([MOSCOW, KAZAN], complete_at={2}, transfer_days=(2, 4))
    quotes = by_service(await pickup.quote(parcel("10", currency="USD"), Destination("Omsk")))
    assert {q.price for q in quotes.values()} == {Decimal("0")}
    assert {q.currency for q in quotes.values()} == {"USD"}
    assert (quotes["MSK"].eta_min_days, quotes["MSK"].eta_max_days) == (0, 0)
    assert (quotes["KZN"].eta_min_days, quotes["KZN"].eta_max_days) == (2, 4)


async def test_pickup_with_unknown_stock_promises_up_to_a_transfer() -> None:
    quotes = await PickupCarrier([MOSCOW], transfer_days=(1, 3)).quote(parcel("10"), Destination("Moscow"))
    assert [(q.eta_min_days, q.eta_max_days) for q in quotes] == [(0, 3)]


async def test_pickup_without_points_offers_nothing() -> None:
    assert await PickupCarrier([]).quote(parcel("10"), Destination("Moscow")) == []


# HTTP adapter

URL = "https://quotes.example/api/v1/quote?key=k3y"
TOKEN = "s3cret-token"
OPTION = {
    "carrier": "cdek",
    "service": "door",
    "price": "1250.00",
    "currency": "RUB",
    "eta_min_days": 2,
    "eta_max_days": 4,
}


def http_carrier(handler: Any, token: str | None = TOKEN) -> HttpCarrier:
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return HttpCarrier(URL, token=token, timeout_s=2, client=client)


async def test_http_adapter_posts_the_parcel_and_reads_the_options() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"options": [OPTION, {**OPTION, "service": "terminal", "price": "990"}]})

    quotes = await http_carrier(handler).quote(
        Parcel(Decimal("12.500"), Decimal("0.040"), Decimal("15400.00"), "RUB"),
        Destination("Kazan", "Tatarstan", "ul. Baumana 1"),
    )
    assert quotes == [
        CarrierQuote("cdek", "door", Decimal("1250.00"), "RUB", 2, 4),
        CarrierQuote("cdek", "terminal", Decimal("990"), "RUB", 2, 4),
    ]
    (request,) = seen
    assert request.method == "POST" and str(request.url) == URL
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert json.loads(request.content) == {
        "parcel": {
            "weight_kg": "12.500",
            "volume_m3": "0.040",
            "value": "15400.00",
            "currency": "RUB",
            "origin_city": None,
        },
        "destination": {"city": "Kazan", "region": "Tatarstan", "address": "ul. Baumana 1"},
    }


async def test_http_adapter_accepts_a_bare_list_and_sends_no_token_when_none_is_set() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[OPTION])

    quotes = await http_carrier(handler, token=None).quote(parcel("1"), Destination("Kazan"))
    assert [q.price for q in quotes] == [Decimal("1250.00")]
    assert "Authorization" not in seen[0].headers


def raise_timeout(request: httpx.Request) -> httpx.Response:
    raise httpx.ReadTimeout("timed out", request=request)


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError(f"cannot connect to {request.url}", request=request)


@pytest.mark.parametrize(
    ("handler", "complaint"),
    [
        (raise_timeout, "did not answer"),
        (refuse_connection, "could not be reached"),
        (lambda request: httpx.Response(500, text=f"boom {TOKEN}"), "HTTP 500"),
        (lambda request: httpx.Response(302, headers={"Location": "https://elsewhere.example"}), "HTTP 302"),
        (lambda request: httpx.Response(200, text="<html>not json"), "unusable reply"),
        (lambda request: httpx.Response(200, json={"quotes": [OPTION]}), "unusable reply"),
        (lambda request: httpx.Response(200, json=[{**OPTION, "price": 1250.0}]), "decimal string"),
        (lambda request: httpx.Response(200, json=[{**OPTION, "price": "-1"}]), "unusable reply"),
        (lambda request: httpx.Response(200, json=[{**OPTION, "price": "NaN"}]), "unusable reply"),
        (lambda request: httpx.Response(200, json=[{**OPTION, "eta_max_days": 1}]), "before eta_min_days"),
        (lambda request: httpx.Response(200, json=[{**OPTION, "currency": "roubles"}]), "unusable reply"),
        (lambda request: httpx.Response(200, json=[{k: v for k, v in OPTION.items() if k != "carrier"}]), "carrier"),
    ],
)
async def test_http_adapter_failure_raises_unavailable_without_secrets(handler: Any, complaint: str) -> None:
    with pytest.raises(CarrierUnavailable) as failed:
        await http_carrier(handler).quote(parcel("1"), Destination("Kazan"))
    message = str(failed.value)
    assert complaint in message
    assert TOKEN not in message and "k3y" not in message and "/api/v1" not in message
    assert failed.value.__cause__ is None  # no chained exception carries the URL into a traceback


async def test_build_carriers_gives_the_http_adapter_the_token_timeout_and_client(small_table: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=[OPTION])

    settings = Settings(
        environment="test",
        delivery_zones_file=small_table,
        delivery_http_url=URL,
        delivery_http_token=SecretStr(TOKEN),
        delivery_http_timeout_s=1.5,
    )
    client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    http = build_carriers(settings, http_client=client).fixed[-1]
    await http.quote(parcel("1"), Destination("Kazan"))
    (request,) = seen
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.extensions["timeout"]["read"] == 1.5


@pytest.mark.parametrize(("typed", "known", "closest"), [
    ("Kazan", True, None), ("казань", True, None), ("Питер", True, None),
    ("Kazn", False, "Kazan"), ("Казнь", False, "Казань"), ("Масква", False, "Москва"),
    ("Atlantis", False, None), ("Tvr", False, None), ("Нижнекамск", False, None),
])
def test_the_table_knows_its_cities_and_the_one_a_typo_means(typed: str, known: bool, closest: str | None) -> None:
    table = load_rate_table()
    assert table.knows_city(typed) is known
    assert (table.closest_city(typed) if not known else None) == closest
