"""Recorded channel updates: recorded once, and taken up again after a crash by exactly one claimant."""

from __future__ import annotations

import asyncio
import datetime as dt

from core.bootstrap import Core
from core.services import inbound_updates


async def record(core: Core, count: int, at: dt.datetime) -> list[int]:
    async with core.uow() as uow:
        ids = [await inbound_updates.record(uow.session, "tg", str(n), {"n": n}, now=at) for n in range(count)]
        await uow.commit()
    assert all(i is not None for i in ids) and len(set(ids)) == count
    return [i for i in ids if i is not None]


async def test_a_redelivered_update_is_recorded_once(core: Core) -> None:
    now = core.clock.now()
    await record(core, 1, now)
    async with core.uow() as uow:
        assert await inbound_updates.record(uow.session, "tg", "0", {"n": 0}, now=now) is None


async def test_unfinished_updates_are_claimed_by_one_of_two_replicas_each(core: Core) -> None:
    now = core.clock.now()
    ids = await record(core, 20, now - dt.timedelta(minutes=10))

    async def claim() -> list[int]:
        async with core.uow() as uow:
            taken = await inbound_updates.claim_unfinished(uow.session, "tg", received_before=now - dt.timedelta(
                minutes=2), now=now)
            await uow.commit()
        return [u.id for u in taken]

    first, second = await asyncio.gather(claim(), claim())
    assert sorted(first + second) == ids  # every update once, none twice
    assert await claim() == []  # claimed just now: not yet old enough to be taken up again


async def test_a_finished_update_is_never_claimed(core: Core) -> None:
    now = core.clock.now()
    done, pending = await record(core, 2, now - dt.timedelta(minutes=10))
    async with core.uow() as uow:
        await inbound_updates.finish(uow.session, done, now=now)
        taken = await inbound_updates.claim_unfinished(uow.session, "tg", received_before=now, now=now)
        await uow.commit()
    assert [u.id for u in taken] == [pending]
