"""The cart: one per contact, adding by id or SKU, quantity rules, bulk lines, the priced view, scoping."""

from __future__ import annotations

import asyncio
import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import AccessDenied, InvalidInput, NotFound, QuantityRuleViolation
from core.models import Cart, CartLine, PaymentTerms
from core.services import cart
from tests.factories import Build


async def _lines(core: Core, actor: Actor) -> dict[str, int]:
    async with core.uow() as uow:
        view = await cart.view(uow.session, actor, core.settings)
    return {line.sku: line.quantity for line in view.lines}


async def test_one_cart_per_contact_follows_them_whatever_the_channel(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        colleague = await build.contact(company)
        first = await cart.get_or_create(uow.session, actor)
        again = await cart.get_or_create(uow.session, actor)
        other = await cart.get_or_create(uow.session, Actor(colleague.id, company.id))
        await uow.commit()
    assert first == again != other


async def test_concurrent_first_messages_create_one_cart(core: Core) -> None:
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor()
        await uow.commit()

    async def open_cart() -> int:
        async with core.uow() as uow:
            made = await cart.get_or_create(uow.session, actor)
            await uow.commit()
            return made

    ids = await asyncio.gather(*(open_cart() for _ in range(8)))
    async with core.uow() as uow:
        count = await uow.session.scalar(select(func.count()).select_from(Cart))
    assert len(set(ids)) == 1 and count == 1


async def test_adding_by_id_or_sku_in_any_case_grows_the_same_line(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        product = await build.product(sku="PAP-A4")
        first = await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=3)
        second = await cart.add_item(uow.session, actor, core.settings, sku=" pap-a4 ", quantity=2)
        await uow.commit()
    assert (first.quantity, second.added, second.quantity) == (3, 2, 5)
    assert await _lines(core, actor) == {"PAP-A4": 5}


async def test_a_russian_reader_sees_russian_names_where_the_catalogue_has_them(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        english, _, _ = await build.actor()
        await build.product(sku="PAP-A4", name="Paper A4", name_ru="Бумага А4")
        await build.product(sku="PEN-1", name="Pen", name_ru=None)
        russian = dataclasses.replace(english, locale="ru")
        added = await cart.add_item(uow.session, russian, core.settings, sku="PAP-A4", quantity=1)
        await uow.commit()
    assert added.name == "Бумага А4"
    async with core.uow() as uow:
        await cart.add_lines(uow.session, russian, core.settings, [("PEN-1", 1)])
        in_russian = await cart.view(uow.session, russian, core.settings)
        in_english = await cart.view(uow.session, english, core.settings)
    assert [line.name for line in in_russian.lines] == ["Бумага А4", "Pen"]
    assert [line.name for line in in_english.lines] == ["Paper A4", "Pen"]


async def test_unknown_and_discontinued_products_are_not_found(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        gone = await build.product(is_active=False)
        with pytest.raises(NotFound):
            await cart.add_item(uow.session, actor, core.settings, sku="NO-SUCH-SKU", quantity=1)
        with pytest.raises(NotFound):
            await cart.add_item(uow.session, actor, core.settings, sku=gone.sku, quantity=1)
        with pytest.raises(NotFound):
            await cart.add_item(uow.session, actor, core.settings, product_id=999_999, quantity=1)
        with pytest.raises(InvalidInput):
            await cart.add_item(uow.session, actor, core.settings, quantity=1)
        await uow.commit()
    assert await _lines(core, actor) == {}


async def test_quantity_rules_refuse_and_suggest_a_whole_pack(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        boxed = await build.product(pack_size=12, min_order_qty=24)
        with pytest.raises(QuantityRuleViolation) as below:
            await cart.add_item(uow.session, actor, core.settings, product_id=boxed.id, quantity=12)
        with pytest.raises(QuantityRuleViolation) as uneven:
            await cart.add_item(uow.session, actor, core.settings, product_id=boxed.id, quantity=30)
        for absurd in (0, -5, core.settings.max_line_quantity + 12):
            with pytest.raises(QuantityRuleViolation):
                await cart.add_item(uow.session, actor, core.settings, product_id=boxed.id, quantity=absurd)
        await cart.add_item(uow.session, actor, core.settings, product_id=boxed.id, quantity=24)
        # Adding one more pack is fine: the line's total is what must meet the minimum.
        grown = await cart.add_item(uow.session, actor, core.settings, product_id=boxed.id, quantity=12)
        await uow.commit()
    assert below.value.details["suggested"] == 24
    assert uneven.value.details["suggested"] == 36
    assert grown.quantity == 36


async def test_the_cart_holds_at_most_the_configured_number_of_lines(core: Core) -> None:
    settings = core.settings.model_copy(update={"max_cart_lines": 2})
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        products = [await build.product() for _ in range(3)]
        for product in products[:2]:
            await cart.add_item(uow.session, actor, settings, product_id=product.id, quantity=1)
        await cart.add_item(uow.session, actor, settings, product_id=products[0].id, quantity=1)
        with pytest.raises(InvalidInput):
            await cart.add_item(uow.session, actor, settings, product_id=products[2].id, quantity=1)


async def test_set_quantity_remove_and_clear(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        a, b, c = await build.product(sku="A1"), await build.product(sku="B1", pack_size=5), await build.product()
        for product, quantity in ((a, 1), (b, 5), (c, 2)):
            await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=quantity)
        await cart.set_quantity(uow.session, actor, core.settings, a.id, 7)
        with pytest.raises(QuantityRuleViolation):
            await cart.set_quantity(uow.session, actor, core.settings, b.id, 6)
        assert await cart.set_quantity(uow.session, actor, core.settings, c.id, 0) is None
        with pytest.raises(NotFound):
            await cart.remove_line(uow.session, actor, c.id)
        await uow.commit()
    assert await _lines(core, actor) == {"A1": 7, "B1": 5}
    async with core.uow() as uow:
        await cart.remove_line(uow.session, actor, a.id)
        await uow.commit()
    assert await _lines(core, actor) == {"B1": 5}
    async with core.uow() as uow:
        await cart.clear(uow.session, actor)
        await uow.commit()
    assert await _lines(core, actor) == {}


async def test_pasted_lines_are_all_checked_and_nothing_is_added_on_a_problem(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        await build.product(sku="GOOD-1")
        await build.product(sku="BOX-6", pack_size=6)
        await build.product(sku="NOPRICE", price=None)
        result = await cart.add_lines(
            uow.session,
            actor,
            core.settings,
            [("good-1", 2), ("BOX-6", 10), ("MISSING", 1), ("GOOD-1", 10**9), ("NOPRICE", 1)],
        )
        await uow.commit()
    assert result.added == ()
    assert [(p.index, p.code, p.suggested) for p in result.problems] == [
        (1, "pack_size", 12),
        (2, "unknown_sku", None),
        (3, "absurd_quantity", None),
        (4, "no_price", None),
    ]
    assert await _lines(core, actor) == {}


async def test_pasted_lines_can_add_the_valid_ones_and_report_the_rest(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, _, _ = await build.actor()
        await build.product(sku="GOOD-1")
        await build.product(sku="BOX-6", pack_size=6)
        result = await cart.add_lines(
            uow.session,
            actor,
            core.settings,
            [("GOOD-1", 2), ("BOX-6", 12), ("MISSING", 1), ("good-1", 3)],
            all_or_nothing=False,
        )
        await uow.commit()
    assert not result.ok and [p.code for p in result.problems] == ["unknown_sku"]
    assert {(c.sku, c.quantity) for c in result.added} == {("GOOD-1", 5), ("BOX-6", 12)}
    assert await _lines(core, actor) == {"GOOD-1": 5, "BOX-6": 12}


async def test_the_view_prices_at_the_company_prices_with_breaks_stock_delivery_and_points(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor(price_tier="gold")
        north = await build.warehouse()
        paper = await build.product(sku="PAPER", price="100.00", weight_kg=Decimal("2.5"), stock={north: 100})
        await build.price(paper, Decimal("90.00"), tier="gold")
        await build.price(paper, Decimal("80.00"), tier="gold", min_qty=10)
        own = await build.product(sku="OWN", price="50.00", stock={north: 1})
        await build.price(own, Decimal("45.00"), company=company)
        await build.loyalty(company, 1000)
        quote = await build.delivery_quote(company, price="300.00", weight_kg="100")
        await cart.add_item(uow.session, actor, core.settings, product_id=paper.id, quantity=10)
        await cart.add_item(uow.session, actor, core.settings, product_id=own.id, quantity=3)
        await cart.set_points(uow.session, actor, 1000)
        chosen = await cart.choose_delivery(uow.session, actor, quote.id)
        await uow.commit()
    async with core.uow() as uow:
        view = await cart.view(uow.session, actor, core.settings)
    by_sku = {line.sku: line for line in view.lines}
    assert (by_sku["PAPER"].unit_price, by_sku["PAPER"].line_total) == (Decimal("80.00"), Decimal("800.00"))
    assert (by_sku["OWN"].unit_price, by_sku["OWN"].line_total) == (Decimal("45.00"), Decimal("135.00"))
    assert by_sku["PAPER"].warning is None
    assert (by_sku["OWN"].warning, by_sku["OWN"].available) == ("short_stock", 1)
    assert view.subtotal == Decimal("935.00")
    assert (view.points_requested, view.points_applied) == (1000, 280)  # 30 % of the subtotal
    assert view.loyalty_discount == Decimal("280.00")
    assert chosen is not None and view.delivery is not None and view.delivery_cost == Decimal("300.00")
    assert view.total == Decimal("955.00")
    assert view.weight_kg == Decimal("28.000")
    assert view.currency == "RUB"


async def test_viewing_creates_no_cart(core: Core) -> None:
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor()
        await uow.commit()
    async with core.uow() as uow:
        view = await cart.view(uow.session, actor, core.settings)
        count = await uow.session.scalar(select(func.count()).select_from(Cart))
    assert view.is_empty and view.cart_id is None and count == 0


async def test_delivery_quotes_of_other_companies_or_expired_cannot_be_chosen(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        _, other, _ = await build.actor()
        foreign = await build.delivery_quote(other)
        expired = await build.delivery_quote(company, valid_minutes=-1)
        with pytest.raises(NotFound):
            await cart.choose_delivery(uow.session, actor, foreign.id)
        with pytest.raises(InvalidInput):
            await cart.choose_delivery(uow.session, actor, expired.id)


async def test_points_beyond_the_balance_or_negative_are_refused(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor(payment_terms=PaymentTerms.PREPAYMENT)
        await build.loyalty(company, 40)
        with pytest.raises(InvalidInput) as refused:
            await cart.set_points(uow.session, actor, 41)
        with pytest.raises(InvalidInput):
            await cart.set_points(uow.session, actor, -1)
        assert await cart.set_points(uow.session, actor, 40) == 40
    assert refused.value.details["available"] == 40


async def test_guests_and_borrowed_contacts_have_no_cart(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        owner, _, contact_a = await build.actor()
        _, company_b, _ = await build.actor()
        product = await build.product()
        await cart.add_item(uow.session, owner, core.settings, product_id=product.id, quantity=2)
        await uow.commit()
    forged = Actor(contact_id=contact_a.id, company_id=company_b.id)
    async with core.uow() as uow:
        for actor in (Actor.guest(), forged):
            with pytest.raises(AccessDenied):
                await cart.view(uow.session, actor, core.settings)
            with pytest.raises(AccessDenied):
                await cart.add_item(uow.session, actor, core.settings, product_id=product.id, quantity=1)
            with pytest.raises(AccessDenied):
                await cart.clear(uow.session, actor)
        await uow.commit()
    async with core.uow() as uow:
        quantities = list(await uow.session.scalars(select(CartLine.quantity)))
    assert quantities == [2]
