"""What a cart view, an order, a balance and a product card cost in SQL statements: each row read once a turn.

Statement counts are deterministic where timings are not; these budgets catch a read that creeps back in twice.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select, update

from core.bootstrap import Core
from core.errors import AccessDenied, InsufficientStock, NotFound
from core.models import Cart, CartLine, LedgerKind, OrderStatus, StockLevel, StockReservation
from core.services import accounts, catalog, orders
from core.services import cart as carts
from tests.factories import Build
from tests.statements import statements


async def _cart_with_two_lines_and_a_quote(core: Core) -> Any:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        warehouse = await build.warehouse()
        paper = await build.product(price="10.00", stock={warehouse: 50})
        film = await build.product(price="20.00", stock={warehouse: 50})
        quote = await build.delivery_quote(company)
        await carts.add_item(uow.session, actor, core.settings, product_id=paper.id, quantity=3)
        await carts.add_item(uow.session, actor, core.settings, product_id=film.id, quantity=2)
        await carts.choose_delivery(uow.session, actor, quote.id)
        await uow.commit()
    return actor


async def test_a_priced_cart_with_its_delivery_is_read_in_two_statements(core: Core) -> None:
    actor = await _cart_with_two_lines_and_a_quote(core)
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            view = await carts.view(uow.session, actor, core.settings)
    assert len(view.lines) == 2 and view.delivery is not None and view.total == 570
    assert len(seen) == 2  # the contact, company, cart, lines, stock and quote; then the prices


async def test_placing_an_order_reads_no_row_twice(core: Core) -> None:
    actor = await _cart_with_two_lines_and_a_quote(core)
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            placed = await orders.place_order(uow, actor, "budget", core.settings, core.clock)
        await uow.commit()
    assert placed.created and len(placed.order.lines) == 2
    reads = [sql for sql in seen if sql.lstrip().upper().startswith("SELECT")]
    assert len(set(reads)) == len(reads), reads
    # The lines with their stock and the key's order, before the lock; the cart with the key's order under the
    # company's lock (on PostgreSQL in the same statement; SQLite locks with an UPDATE first); prices, credit;
    # the cart's delivery choice forgotten; per line a hold with its reservation. On PostgreSQL the order, its
    # lines, history and outbox event and the emptied cart are one statement, and so is each hold with its
    # reservation; on SQLite each is a statement of its own.
    assert len(seen) <= (8 if core.engine.dialect.name == "postgresql" else 15), seen
    async with core.uow() as uow:
        held = list(await uow.session.scalars(select(StockReservation.quantity).order_by(StockReservation.quantity)))
        cart_left = (await uow.session.execute(select(Cart.delivery_quote_id, func.count(CartLine.id))
                                               .outerjoin(CartLine, CartLine.cart_id == Cart.id)
                                               .group_by(Cart.id))).all()
    assert held == [2, 3] and cart_left == [(None, 0)]


async def test_an_out_of_stock_checkout_is_refused_in_one_statement_that_loads_no_objects(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        warehouse = await build.warehouse()
        scarce = await build.product(price="10.00", stock={warehouse: 5})
        await carts.add_item(uow.session, actor, core.settings, product_id=scarce.id, quantity=3)
        await uow.commit()
    async with core.uow() as uow:
        await uow.session.execute(update(StockLevel).values(reserved=4))  # a competitor's order took 4 of the 5
        await uow.commit()
    async with core.uow() as uow:
        with statements(core.engine) as seen, pytest.raises(InsufficientStock) as refused:
            await orders.place_order(uow, actor, "late", core.settings, core.clock)
        assert len(uow.session.identity_map) == 0
    assert (refused.value.details["requested"], refused.value.details["available"]) == (3, 1)
    assert len(seen) == 1, seen  # the key's order and the cart's lines with their stock; no lock taken


async def test_the_balance_with_its_last_payments_is_three_statements(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.ledger(company, LedgerKind.INVOICE, "1000.00")
        for amount in ("100.00", "200.00", "300.00", "400.00"):
            await build.ledger(company, LedgerKind.PAYMENT, amount)
        await uow.commit()
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            summary, payments = await accounts.account_overview(uow.session, actor, payments=3)
        assert summary == await accounts.account_summary(uow.session, actor)
        assert payments == await accounts.last_payments(uow.session, actor, limit=3)
    assert summary.balance == 0 and len(payments) == 3
    assert len(seen) == 3  # the contact with its company, the ledger, the open credit orders


async def test_available_credit_in_one_statement_agrees_with_the_account_summary(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor(credit_limit=Decimal("10000.00"))
        product = await build.product(price="10.00")
        await build.ledger(company, LedgerKind.INVOICE, "3000.00")
        await build.ledger(company, LedgerKind.PAYMENT, "500.00")
        await build.ledger(company, LedgerKind.CREDIT_NOTE, "250.00")
        await build.order(company, contact, lines=[(product, 70, "10.00")])  # open, on credit, not invoiced
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
        with statements(core.engine) as seen:
            credit = await accounts.available_credit(uow.session, await accounts.company_of(uow.session, actor))
    assert credit == summary.available_credit == 10000 - 2250 - 700
    assert len(seen) == 2  # the company, then the ledger and the open orders together


async def test_a_product_card_is_four_statements_once_the_catalogue_is_indexed(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        warehouse = await build.warehouse()
        product = await build.product(price="10.00", stock={warehouse: 5})
        await build.incoming(product, warehouse, 10, days=3)
        await uow.commit()
    async with core.uow() as uow:
        await catalog.product_card(uow, actor, product.id, core.settings)  # builds the index
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            card = await catalog.product_card(uow, actor, product.sku, core.settings)
    assert (card.id, card.available, len(card.incoming)) == (product.id, 5, 1) and card.price is not None
    assert len(seen) == 4  # the product with the catalogue version, stock, incoming, prices


async def test_a_page_of_orders_comes_with_its_total_in_one_statement_and_past_the_end_is_counted(
    core: Core,
) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        product = await build.product(price="10.00")
        for n in range(3):
            await build.order(company, contact, lines=[(product, n + 1, "10.00")])
        await uow.commit()
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            page = await orders.list_orders(uow.session, actor, limit=2)
        assert (len(page.items), page.total) == (2, 3)
        assert len(seen) == 2  # the contact with its company; the page with the count
        assert (await orders.list_orders(uow.session, actor, limit=2, offset=2)).total == 3
        beyond = await orders.list_orders(uow.session, actor, limit=2, offset=10)
        assert (beyond.items, beyond.total) == ((), 3)
        status = page.items[0].status
        of_status = await orders.list_orders(uow.session, actor, status=status, limit=2, offset=10)
        assert (of_status.items, of_status.total) == ((), 3)
        other = next(s for s in OrderStatus if s != status)
        assert (await orders.list_orders(uow.session, actor, status=other, limit=2, offset=10)).total == 0


async def test_an_order_is_read_with_the_contacts_checks_in_one_statement(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        product = await build.product(price="10.00")
        order = await build.order(company, contact, lines=[(product, 2, "10.00")])
        other, _, _ = await build.actor()
        await uow.commit()
    async with core.uow() as uow:
        with statements(core.engine) as seen:
            found = await orders.get_order(uow.session, actor, order.id)
        assert found.id == order.id and len(seen) == 2  # the contact with the order; its lines
        with pytest.raises(NotFound):
            await orders.get_order(uow.session, other, order.id)
        contact.is_active = False
        await uow.session.merge(contact)
        await uow.session.flush()
        with pytest.raises(AccessDenied):
            await orders.get_order(uow.session, actor, order.id)
