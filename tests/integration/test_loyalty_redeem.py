"""Redeeming for an order reads the company's points once: lapsed ones are written off, then the rest spent."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from core.bootstrap import Core
from core.errors import InvalidInput
from core.models import LoyaltyEntry, utcnow
from core.services import loyalty
from tests.factories import Build
from tests.statements import statements

DAY = dt.timedelta(days=1)


async def test_redeeming_writes_off_lapsed_points_and_spends_only_the_live_ones(core: Core) -> None:
    now = utcnow()
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, contact = await build.actor()
        await build.loyalty(company, 100, at=now - 400 * DAY, ttl_days=365)
        await build.loyalty(company, 40, at=now - DAY)
        order = await build.order(company, contact)
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(InvalidInput):
            await loyalty.redeem_for_order(uow.session, company.id, order.id, 41, now)
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            await loyalty.redeem_for_order(uow.session, company.id, order.id, 40, now)
            await uow.session.flush()
        await uow.commit()
    assert len([sql for sql in seen if sql.startswith("SELECT")]) == 1
    async with core.uow() as uow:
        rows = await uow.session.execute(select(LoyaltyEntry.kind, LoyaltyEntry.points).order_by(LoyaltyEntry.id))
        assert [(str(kind), points) for kind, points in rows] == [
            ("accrual", 100), ("accrual", 40), ("expiry", -100), ("redemption", -40)
        ]
        assert await loyalty.available_points(uow.session, company.id, now) == 0
