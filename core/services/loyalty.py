"""Loyalty points: the per-company ledger, accrual on delivery, redemption, FIFO expiry, balance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.domain import loyalty as rules
from core.domain.access import Actor
from core.errors import InvalidInput
from core.models import LoyaltyEntry, LoyaltyKind, Order, utcnow
from core.services.accounts import company_of, lock_company


@dataclass(frozen=True, slots=True)
class LoyaltyBalance:
    company_id: int
    tier: str
    accrual_percent: Decimal
    points: int  # spendable now: expired points are not counted even before the expiry job runs
    value: Decimal
    currency: str
    next_expiry_points: int
    next_expiry_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class LoyaltyHistoryItem:
    kind: str
    points: int
    occurred_at: dt.datetime
    order_id: int | None
    expires_at: dt.datetime | None
    note: str | None


@dataclass(frozen=True, slots=True)
class _Ledger:
    lots: tuple[rules.Lot, ...]
    consumed: int
    total: int

    def available(self, now: dt.datetime) -> int:
        return max(0, self.total - rules.expired_remainder(self.lots, self.consumed, now))


async def balance(session: AsyncSession, actor: Actor, *, now: dt.datetime | None = None) -> LoyaltyBalance:
    """The points of the actor's company and the next lot to expire."""
    company = await company_of(session, actor)
    now = now or utcnow()
    ledger = await _ledger(session, company.id)
    points = ledger.available(now)
    upcoming = rules.next_expiry(ledger.lots, ledger.consumed, now)
    return LoyaltyBalance(
        company_id=company.id,
        tier=company.loyalty_tier,
        accrual_percent=rules.accrual_rate(company.loyalty_tier) * 100,
        points=points,
        value=rules.points_value(points),
        currency=company.currency,
        next_expiry_points=upcoming[0] if upcoming else 0,
        next_expiry_at=upcoming[1] if upcoming else None,
    )


async def history(
    session: AsyncSession, actor: Actor, *, limit: int = 20, offset: int = 0
) -> tuple[LoyaltyHistoryItem, ...]:
    """The company's point movements, newest first."""
    company = await company_of(session, actor)
    if not 1 <= limit <= 100 or offset < 0:
        raise InvalidInput("limit must be between 1 and 100 and offset not negative", limit=limit, offset=offset)
    rows = await session.scalars(
        select(LoyaltyEntry)
        .where(LoyaltyEntry.company_id == company.id)
        .order_by(LoyaltyEntry.occurred_at.desc(), LoyaltyEntry.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return tuple(
        LoyaltyHistoryItem(str(e.kind), e.points, e.occurred_at, e.order_id, e.expires_at, e.note) for e in rows
    )


async def available_points(session: AsyncSession, company_id: int, now: dt.datetime) -> int:
    """Points a company may spend at `now`."""
    return (await _ledger(session, company_id)).available(now)


async def accrue_for_order(session: AsyncSession, order: Order, tier: str, now: dt.datetime, ttl_days: int) -> int:
    """Credit the points a delivered order earns, once per order; returns the points credited now."""
    already = await session.scalar(
        select(LoyaltyEntry.id).where(LoyaltyEntry.order_id == order.id, LoyaltyEntry.kind == LoyaltyKind.ACCRUAL)
    )
    points = rules.points_for(order.total, tier)
    if already is not None or points <= 0:
        return 0
    session.add(
        LoyaltyEntry(
            company_id=order.company_id,
            kind=LoyaltyKind.ACCRUAL,
            points=points,
            order_id=order.id,
            occurred_at=now,
            expires_at=now + dt.timedelta(days=ttl_days),
            note=f"order {order.id} delivered",
        )
    )
    return points


async def redeem_for_order(
    session: AsyncSession, company_id: int, order_id: int, points: int, now: dt.datetime
) -> None:
    """Spend `points` on an order. The caller holds the company lock and has capped `points` already.

    Lapsed points are written off first, so that FIFO consumption of this redemption can never land
    on a lot that had expired before it.
    """
    ledger = await _write_off(session, company_id, now, await _ledger(session, company_id))
    if points > ledger.available(now):
        raise InvalidInput("not enough loyalty points", points=points)
    session.add(
        LoyaltyEntry(
            company_id=company_id,
            kind=LoyaltyKind.REDEMPTION,
            points=-points,
            order_id=order_id,
            occurred_at=now,
            note=f"discount on order {order_id}",
        )
    )


async def reverse_redemption(session: AsyncSession, order: Order, now: dt.datetime) -> None:
    """Give back the points a cancelled order spent.

    The reversal is a positive redemption entry, so the points return to the lots they came from, with
    those lots' own expiry dates: cancelling an order cannot extend the life of points.
    """
    if order.points_redeemed <= 0:
        return
    reversed_already = await session.scalar(
        select(LoyaltyEntry.id).where(
            LoyaltyEntry.order_id == order.id,
            LoyaltyEntry.kind == LoyaltyKind.REDEMPTION,
            LoyaltyEntry.points > 0,
        )
    )
    if reversed_already is not None:
        return
    session.add(
        LoyaltyEntry(
            company_id=order.company_id,
            kind=LoyaltyKind.REDEMPTION,
            points=order.points_redeemed,
            order_id=order.id,
            occurred_at=now,
            note=f"order {order.id} cancelled: points returned",
        )
    )


async def expire_points(session: AsyncSession, now: dt.datetime) -> int:
    """Write off what is left of every lapsed lot, in every company; returns the points written off.

    Safe to run again and concurrently with orders: each company is locked while its lots are counted.
    """
    company_ids = await session.scalars(
        select(LoyaltyEntry.company_id)
        .where(LoyaltyEntry.expires_at.is_not(None), LoyaltyEntry.expires_at <= now)
        .distinct()
        .order_by(LoyaltyEntry.company_id)
    )
    total = 0
    for company_id in list(company_ids):
        await lock_company(session, company_id)
        total += await expire_company(session, company_id, now)
    await session.flush()
    return total


async def expire_company(session: AsyncSession, company_id: int, now: dt.datetime) -> int:
    """Write off the lapsed remainder of one company's lots. The caller holds the company lock."""
    ledger = await _ledger(session, company_id)
    return ledger.total - (await _write_off(session, company_id, now, ledger)).total


async def _write_off(session: AsyncSession, company_id: int, now: dt.datetime, ledger: _Ledger) -> _Ledger:
    """`expire_company` on a ledger read already; the ledger as it stands after the write-off."""
    lapsed = rules.expired_remainder(ledger.lots, ledger.consumed, now)
    if lapsed <= 0:
        return ledger
    session.add(
        LoyaltyEntry(company_id=company_id, kind=LoyaltyKind.EXPIRY, points=-lapsed, occurred_at=now, note="expired")
    )
    await session.flush()
    # The write-off consumes like any other movement (it is no lot), as reading the ledger again would show.
    return _Ledger(ledger.lots, ledger.consumed + lapsed, ledger.total - lapsed)


# Built once: every checkout and loyalty view reads the ledger.
_LEDGER = (
    select(LoyaltyEntry.kind, LoyaltyEntry.points, LoyaltyEntry.expires_at)
    .where(LoyaltyEntry.company_id == bindparam("company_id"))
    .order_by(LoyaltyEntry.occurred_at, LoyaltyEntry.id)
)


async def _ledger(session: AsyncSession, company_id: int) -> _Ledger:
    rows = (await session.execute(_LEDGER, {"company_id": company_id})).all()
    lots: list[rules.Lot] = []
    consumed = 0
    for kind, points, expires_at in rows:
        # Accruals and positive adjustments are lots; every other movement consumes from them.
        if kind == LoyaltyKind.ACCRUAL or (kind == LoyaltyKind.ADJUSTMENT and points > 0):
            lots.append(rules.Lot(points, expires_at))
        else:
            consumed -= points
    return _Ledger(tuple(lots), consumed, sum(points for _, points, _ in rows))

