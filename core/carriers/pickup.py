"""Pickup at a warehouse: free; today where all the goods already are, else after a transfer."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal

from core.carriers.base import place_key
from core.ports import CarrierQuote, Destination, Parcel

PICKUP_CARRIER = "pickup"
FREE = Decimal("0.00")


@dataclass(frozen=True, slots=True)
class PickupPoint:
    """A warehouse that hands goods over to clients."""

    warehouse_id: int
    code: str
    name: str
    city: str
    address: str
    hours: str | None = None

    def describe(self) -> str:
        return f"pickup: {self.name}, {self.city}, {self.address}"


class PickupCarrier:
    """Offers the pickup points in the destination's city, or every point when the city has none
    (a client may send its own truck). The service of each quote is the warehouse code.

    `complete_at` holds the warehouses that have every unit of the parcel now: those are ready the
    same day, the others after the transfer between warehouses. Unknown availability (None, e.g. a
    quote for a bare weight) promises anything from the same day to the end of a transfer.
    """

    name = PICKUP_CARRIER

    def __init__(
        self,
        points: Sequence[PickupPoint],
        *,
        complete_at: Collection[int] | None = None,
        transfer_days: tuple[int, int] = (1, 3),
        city_key: Callable[[str], str] = place_key,
    ) -> None:
        self.points = tuple(points)
        self._complete_at = None if complete_at is None else frozenset(complete_at)
        self._transfer_days = transfer_days
        self._city_key = city_key

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]:
        wanted = self._city_key(destination.city)
        local = [p for p in self.points if self._city_key(p.city) == wanted]
        return [
            CarrierQuote(self.name, point.code, FREE, parcel.currency, *self._eta(point))
            for point in local or self.points
        ]

    def serves(self, quote: CarrierQuote, destination: Destination) -> bool:
        """Whether the quote's point is in the destination's city: the others (offered when the city has none)
        are for a client who sends its own truck, and compare with no delivery on price or time."""
        point = self.point(quote.service)
        return point is not None and self._city_key(point.city) == self._city_key(destination.city)

    def point(self, code: str) -> PickupPoint | None:
        return next((p for p in self.points if p.code == code), None)

    def _eta(self, point: PickupPoint) -> tuple[int, int]:
        if self._complete_at is None:
            return 0, self._transfer_days[1]
        if point.warehouse_id in self._complete_at:
            return 0, 0
        return self._transfer_days


@dataclass(frozen=True, slots=True)
class PickupDesk:
    """How a process offers pickup; makes a `PickupCarrier` per request from that request's stock."""

    transfer_days: tuple[int, int] = (1, 3)
    city_key: Callable[[str], str] = place_key

    def carrier(self, points: Sequence[PickupPoint], complete_at: Collection[int] | None = None) -> PickupCarrier:
        return PickupCarrier(points, complete_at=complete_at, transfer_days=self.transfer_days, city_key=self.city_key)
