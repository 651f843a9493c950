"""Searches and cards answer from the index in hand without checking its version first, yet always for the
committed catalogue: rows read at another version send them to the checked index."""

from __future__ import annotations

from sqlalchemy import update

from core.bootstrap import Core
from core.domain.access import Actor
from core.models import Product
from core.services import catalog
from core.services.catalog import bump_catalog_version
from tests.factories import Build

GUEST = Actor.guest()


async def _pens(core: Core) -> dict[str, Product]:
    async with core.uow() as uow:
        build = Build(uow.session)
        warehouse = await build.warehouse()
        products = {
            "blue": await build.product(sku="PEN-BL", name="Ballpoint pen blue", stock={warehouse: 5}),
            "red": await build.product(sku="PEN-RD", name="Ballpoint pen red", stock={warehouse: 5}),
        }
        await bump_catalog_version(uow.session)
        await uow.commit()
    return products


async def test_a_search_the_index_in_hand_would_answer_wrongly_is_answered_for_the_committed_catalogue(
    core: Core,
) -> None:
    pens = await _pens(core)
    async with core.uow() as uow:
        assert (await catalog.search_products(uow, GUEST, "ballpoint")).total == 2  # the index is built
    async with core.uow() as uow:  # renamed: the index in hand still finds it as a ballpoint pen
        await uow.session.execute(update(Product).where(Product.id == pens["red"].id).values(name="Red marker"))
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        found = await catalog.search_products(uow, GUEST, "ballpoint")
        assert [item.id for item in found.items] == [pens["blue"].id] and found.total == 1
        assert [item.id for item in (await catalog.search_products(uow, GUEST, "marker")).items] == [pens["red"].id]


async def test_a_card_by_sku_follows_a_sku_that_moved_since_the_index_was_built(core: Core) -> None:
    pens = await _pens(core)
    async with core.uow() as uow:
        assert (await catalog.product_card(uow, GUEST, "PEN-RD", core.settings)).id == pens["red"].id
    async with core.uow() as uow:
        await uow.session.execute(update(Product).where(Product.id == pens["red"].id).values(sku="PEN-OLD"))
        await uow.session.execute(update(Product).where(Product.id == pens["blue"].id).values(sku="PEN-RD"))
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        assert (await catalog.product_card(uow, GUEST, "PEN-RD", core.settings)).id == pens["blue"].id
        assert (await catalog.product_card(uow, GUEST, "pen-old", core.settings)).id == pens["red"].id
