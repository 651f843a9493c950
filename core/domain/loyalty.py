"""Loyalty rules: accrual rate per tier, the redemption cap, and FIFO expiry of accrual lots. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from core.domain.money import to_money

POINT_VALUE = Decimal("1")  # one point is worth one unit of the company's currency

DEFAULT_TIER = "bronze"
ACCRUAL_RATES: dict[str, Decimal] = {
    "bronze": Decimal("0.01"),
    "silver": Decimal("0.02"),
    "gold": Decimal("0.03"),
}


def accrual_rate(tier: str) -> Decimal:
    """The share of an order's total returned as points.

    A tier we do not know (say a new one synced from the accounting system before its rate is set
    here) earns the base rate rather than blocking the delivery that triggers the accrual.
    """
    return ACCRUAL_RATES.get(tier.strip().lower(), ACCRUAL_RATES[DEFAULT_TIER])


def points_for(paid_total: Decimal, tier: str) -> int:
    """Whole points earned on `paid_total`; fractions of a point are not given."""
    if paid_total <= 0:
        return 0
    return int((paid_total * accrual_rate(tier) / POINT_VALUE).to_integral_value(rounding=ROUND_FLOOR))


def redemption_cap(subtotal: Decimal, cap_percent: int) -> int:
    """The most points one order may spend: `cap_percent` of its subtotal, in whole points."""
    if subtotal <= 0 or cap_percent <= 0:
        return 0
    return int((subtotal * cap_percent / 100 / POINT_VALUE).to_integral_value(rounding=ROUND_FLOOR))


def redeemable(requested: int, balance: int, subtotal: Decimal, cap_percent: int) -> int:
    """How many of the `requested` points an order may actually spend."""
    return max(0, min(requested, balance, redemption_cap(subtotal, cap_percent)))


def points_value(points: int) -> Decimal:
    return to_money(POINT_VALUE * points)


@dataclass(frozen=True, slots=True)
class Lot:
    """Points that arrived together (an accrual, or a positive adjustment) and may expire together."""

    points: int
    expires_at: dt.datetime | None


def remaining_after_fifo(lots: Sequence[Lot], consumed: int) -> list[int]:
    """What is left of each lot once `consumed` points are taken from the oldest lots first.

    `lots` are in arrival order. Consumption is everything that ever left the balance: redemptions
    (net of reversals), expiries and negative adjustments.
    """
    left = max(consumed, 0)
    remaining: list[int] = []
    for lot in lots:
        take = min(lot.points, left)
        left -= take
        remaining.append(lot.points - take)
    return remaining


def expired_remainder(lots: Sequence[Lot], consumed: int, now: dt.datetime) -> int:
    """Points still sitting in lots whose expiry has passed at `now`, after FIFO consumption."""
    remaining = remaining_after_fifo(lots, consumed)
    return sum(
        left for lot, left in zip(lots, remaining, strict=True) if lot.expires_at is not None and lot.expires_at <= now
    )


def next_expiry(lots: Sequence[Lot], consumed: int, now: dt.datetime) -> tuple[int, dt.datetime] | None:
    """The points that expire next after `now` and when, or None when nothing is due to expire."""
    remaining = remaining_after_fifo(lots, consumed)
    upcoming: dict[dt.datetime, int] = {}
    for lot, left in zip(lots, remaining, strict=True):
        if left > 0 and lot.expires_at is not None and lot.expires_at > now:
            upcoming[lot.expires_at] = upcoming.get(lot.expires_at, 0) + left
    if not upcoming:
        return None
    first = min(upcoming)
    return upcoming[first], first
