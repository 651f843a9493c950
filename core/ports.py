"""Ports: the side effects the domain needs, implemented outside it (fakes in unit tests)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class SystemClock:
    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where goods go: a city (and region when known), or a warehouse for pickup."""

    city: str
    region: str | None = None
    address: str | None = None


@dataclass(frozen=True, slots=True)
class Parcel:
    weight_kg: Decimal
    volume_m3: Decimal
    value: Decimal
    currency: str
    origin_city: str | None = None


@dataclass(frozen=True, slots=True)
class CarrierQuote:
    carrier: str
    service: str
    price: Decimal
    currency: str
    eta_min_days: int
    eta_max_days: int


class CarrierUnavailable(Exception):
    """A provider could not answer at all (timeout, outage, nonsense reply), as opposed to answering
    "no options for this destination" with an empty list. The message is safe to log: no secrets."""


class Carrier(Protocol):
    """A delivery provider. `quote` returns its options, none when it cannot serve the destination, and
    raises `CarrierUnavailable` when it cannot answer at all."""

    name: str

    async def quote(self, parcel: Parcel, destination: Destination) -> list[CarrierQuote]: ...


@dataclass(frozen=True, slots=True)
class Notification:
    """A proactive message for a contact, in channel-neutral terms; texts come from dialogs' catalogues."""

    contact_id: int
    kind: str  # order_status | back_in_stock | manager_reply | campaign | approval_request
    data: dict[str, object]


class Notifier(Protocol):
    async def notify(self, notification: Notification) -> None: ...


class NullNotifier:
    """Notifies nobody: the default until a channel registry is wired in."""

    async def notify(self, notification: Notification) -> None:
        return None


class RecordingNotifier:
    """Keeps every notification, in order: for tests and the console."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    async def notify(self, notification: Notification) -> None:
        self.sent.append(notification)
