"""Adding to the cart and showing it in one go: the view answered is the one a fresh read gives."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.bootstrap import Core
from core.errors import QuantityRuleViolation
from core.services import cart as carts
from tests.factories import Build
from tests.statements import statements


async def test_adding_answers_the_cart_as_a_fresh_read_shows_it_in_four_statements(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        warehouse = await build.warehouse()
        paper = await build.product(price="10.00", stock={warehouse: 50})
        film = await build.product(price="20.00", stock={warehouse: 1})
        await build.incoming(film, warehouse, 30, days=4)
        quote = await build.delivery_quote(company, price="300.00")
        await carts.add_item(uow.session, actor, core.settings, product_id=paper.id, quantity=3)
        await carts.choose_delivery(uow.session, actor, quote.id)
        await uow.commit()
    for product, quantity in ((film, 2), (paper, 4)):  # a new line, then a line that grows
        async with core.uow() as uow:
            with statements(core.engine) as seen:
                change, shown = await carts.add_item_and_view(
                    uow.session, actor, core.settings, quantity=quantity, product_id=product.id, now=core.clock.now()
                )
            await uow.commit()
        assert len(seen) == 4  # the cart, the product with its stock, the prices, the line written
        assert change.product_id == product.id and change.added == quantity
        async with core.uow() as uow:
            assert shown == await carts.view(uow.session, actor, core.settings, now=core.clock.now())
    assert [(line.sku, line.quantity, line.warning) for line in shown.lines] == [
        (paper.sku, 7, None), (film.sku, 2, "short_stock")
    ]
    assert shown.lines[1].next_eta is not None
    assert shown.total == Decimal("70.00") + Decimal("40.00") + Decimal("300.00")


async def test_a_refused_addition_adds_nothing(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        boxed = await build.product(price="10.00", pack_size=6, min_order_qty=6)
        await uow.commit()
    async with core.uow() as uow:
        with pytest.raises(QuantityRuleViolation):
            await carts.add_item_and_view(uow.session, actor, core.settings, quantity=4, product_id=boxed.id,
                                          now=core.clock.now())
        assert (await carts.view(uow.session, actor, core.settings)).is_empty
