"""Delivery providers behind the `Carrier` port, and `build_carriers` for the composition root."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from core.carriers.base import place_key
from core.carriers.http import HttpCarrier
from core.carriers.pickup import PICKUP_CARRIER, PickupCarrier, PickupDesk, PickupPoint
from core.carriers.table_rate import RateTable, RateTableError, TableRateCarrier, load_rate_table, table_rate_carriers
from core.config import Settings
from core.ports import Carrier, CarrierUnavailable


@dataclass(frozen=True, slots=True)
class Carriers:
    """A process's delivery providers: the fixed ones (table rates, HTTP), and the pickup desk, which
    needs each request's warehouses and stock and so makes its carrier per quote (None: no pickup); `table`
    knows the rate file's cities (None: every city counts as known)."""

    fixed: tuple[Carrier, ...]
    pickup: PickupDesk | None = None
    table: RateTable | None = None

    def knows_city(self, name: str) -> bool:
        return self.table is None or self.table.knows_city(name)

    def closest_city(self, name: str) -> str | None:
        """A known city that an unknown name is likely a typo of."""
        return self.table.closest_city(name) if self.table is not None else None


def build_carriers(
    settings: Settings,
    *,
    http_client: httpx.AsyncClient | None = None,
    pickup_transfer_days: tuple[int, int] = (1, 3),
) -> Carriers:
    """Table-rate carriers from `settings.delivery_zones_file` (the packaged table by default), the HTTP
    adapter when `settings.delivery_http_url` is set, and pickup matching cities by the table's names.

    Raises `RateTableError` on a bad rate file, so a misconfigured process fails at start.
    """
    table = load_rate_table(settings.delivery_zones_file)
    fixed: list[Carrier] = list(table_rate_carriers(table))
    if settings.delivery_http_url:
        token = settings.delivery_http_token.get_secret_value() if settings.delivery_http_token else None
        fixed.append(
            HttpCarrier(
                settings.delivery_http_url,
                token=token,
                timeout_s=settings.delivery_http_timeout_s,
                client=http_client,
            )
        )
    return Carriers(tuple(fixed), PickupDesk(transfer_days=pickup_transfer_days, city_key=table.city_key), table)


__all__ = [
    "PICKUP_CARRIER",
    "Carrier",
    "CarrierUnavailable",
    "Carriers",
    "HttpCarrier",
    "PickupCarrier",
    "PickupDesk",
    "PickupPoint",
    "RateTable",
    "RateTableError",
    "TableRateCarrier",
    "build_carriers",
    "load_rate_table",
    "place_key",
    "table_rate_carriers",
]
