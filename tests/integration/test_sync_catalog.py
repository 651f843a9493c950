"""Catalogue sync in core: references, cycles, batch bounds, catalogue version, one transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.models import Category, Product
from core.search.live import catalog_version
from core.services.sync.catalog import CategoryRow, ProductRow, upsert_categories, upsert_products
from core.services.sync.common import MAX_BATCH, BatchTooLarge


def products(n: int, start: int = 0) -> list[ProductRow]:
    return [ProductRow(external_id=f"p{i}", sku=f"S{i}", name=f"Product {i}") for i in range(start, start + n)]


async def test_a_parent_change_that_would_close_a_loop_through_stored_categories_is_refused(core: Core) -> None:
    async with core.uow() as uow:
        await upsert_categories(uow.session, [CategoryRow(external_id="a", name="A"),
                                              CategoryRow(external_id="b", name="B", parent_external_id="a")])
        await uow.commit()
    async with core.uow() as uow:
        result = await upsert_categories(uow.session, [CategoryRow(external_id="a", name="A", parent_external_id="b")])
        await uow.commit()
    assert result.rejected[0].errors == ("the parent chain would loop back to this category",)
    async with core.uow() as uow:
        a = await uow.session.scalar(select(Category).where(Category.external_id == "a"))
    assert a is not None and a.parent_id is None


async def test_batches_over_the_limit_are_refused_before_any_work(core: Core) -> None:
    async with core.uow() as uow:
        with pytest.raises(BatchTooLarge, match="at most 10000"):
            await upsert_products(uow.session, products(MAX_BATCH + 1))


async def test_a_full_batch_of_ten_thousand_lands_and_repeats_as_a_no_op(core: Core) -> None:
    rows = products(MAX_BATCH)
    async with core.uow() as uow:
        first = await upsert_products(uow.session, rows)
        await uow.commit()
    async with core.uow() as uow:
        version = await catalog_version(uow.session)
        second = await upsert_products(uow.session, rows)
        await uow.commit()
    assert (first.created, second.unchanged, second.changed) == (MAX_BATCH, MAX_BATCH, False)
    async with core.uow() as uow:
        assert await catalog_version(uow.session) == version
        assert await uow.session.scalar(select(func.count()).select_from(Product)) == MAX_BATCH


async def test_a_batch_whose_transaction_is_not_committed_leaves_nothing(core: Core) -> None:
    async with core.uow() as uow:
        await upsert_products(uow.session, products(5))
        await upsert_categories(uow.session, [CategoryRow(external_id="c", name="C")])
    async with core.uow() as uow:
        assert await uow.session.scalar(select(func.count()).select_from(Product)) == 0
        assert await uow.session.scalar(select(func.count()).select_from(Category)) == 0


async def test_moving_a_product_to_another_category_updates_it(core: Core) -> None:
    async with core.uow() as uow:
        await upsert_categories(uow.session, [CategoryRow(external_id="c1", name="One"),
                                              CategoryRow(external_id="c2", name="Two")])
        await upsert_products(uow.session, [ProductRow(external_id="p", sku="S", name="P", category_external_id="c1")])
        moved = await upsert_products(
            uow.session, [ProductRow(external_id="p", sku="S", name="P", category_external_id="c2")]
        )
        await uow.commit()
        product = await uow.session.scalar(select(Product).execution_options(populate_existing=True))
        two = await uow.session.scalar(select(Category.id).where(Category.external_id == "c2"))
    assert moved.updated == 1 and product is not None and product.category_id == two
