"""Loyalty rules: rates per tier, the redemption cap, FIFO consumption and expiry of lots."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from core.domain import loyalty as rules

NOW = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
PAST = NOW - dt.timedelta(days=1)
FUTURE = NOW + dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("tier", "points"), [("bronze", 123), ("silver", 246), ("gold", 370), ("Gold ", 370), ("platinum", 123)]
)
def test_accrual_follows_the_tier_and_unknown_tiers_earn_the_base_rate(tier: str, points: int) -> None:
    assert rules.points_for(Decimal("12345.67"), tier) == points


def test_fractions_of_a_point_are_not_given_and_nothing_is_earned_on_zero() -> None:
    assert rules.points_for(Decimal("99.99"), "bronze") == 0
    assert rules.points_for(Decimal("0"), "gold") == 0


def test_redemption_is_capped_by_percent_of_subtotal_and_by_balance() -> None:
    assert rules.redemption_cap(Decimal("1000.00"), 30) == 300
    assert rules.redeemable(500, balance=1000, subtotal=Decimal("1000.00"), cap_percent=30) == 300
    assert rules.redeemable(500, balance=120, subtotal=Decimal("1000.00"), cap_percent=30) == 120
    assert rules.redeemable(50, balance=120, subtotal=Decimal("1000.00"), cap_percent=30) == 50
    assert rules.redeemable(50, balance=120, subtotal=Decimal("1000.00"), cap_percent=0) == 0
    assert rules.points_value(300) == Decimal("300.00")


def test_consumption_takes_the_oldest_lots_first() -> None:
    lots = [rules.Lot(100, PAST), rules.Lot(50, FUTURE), rules.Lot(70, None)]
    assert rules.remaining_after_fifo(lots, 120) == [0, 30, 70]
    assert rules.remaining_after_fifo(lots, 0) == [100, 50, 70]
    assert rules.remaining_after_fifo(lots, 1000) == [0, 0, 0]


def test_only_the_unconsumed_part_of_a_lapsed_lot_expires() -> None:
    lots = [rules.Lot(100, PAST), rules.Lot(50, FUTURE)]
    assert rules.expired_remainder(lots, 30, NOW) == 70
    assert rules.expired_remainder(lots, 100, NOW) == 0
    # Once the remainder is written off (it counts as consumed), nothing more lapses: rerunning is safe.
    assert rules.expired_remainder(lots, 30 + 70, NOW) == 0


def test_the_next_expiry_reports_what_is_left_of_the_soonest_lot() -> None:
    lots = [rules.Lot(100, PAST), rules.Lot(50, FUTURE), rules.Lot(10, FUTURE + dt.timedelta(days=1))]
    assert rules.next_expiry(lots, 120, NOW) == (30, FUTURE)
    assert rules.next_expiry([rules.Lot(5, None)], 0, NOW) is None
