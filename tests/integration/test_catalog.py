"""Catalogue: SKU, barcode, name and category search; prices by actor; product cards; index freshness."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import InvalidInput, NotFound
from core.models import DemandSignal, Product
from core.search import live
from core.search.live import catalog_version, live_index
from core.services import catalog
from core.services.catalog import bump_catalog_version
from tests.factories import Build

GUEST = Actor.guest()


async def _paper_and_pens(core: Core) -> dict[str, Product]:
    async with core.uow() as uow:
        build = Build(uow.session)
        paper = await build.category("Paper", "Бумага")
        writing = await build.category("Writing supplies", "Письменные принадлежности")
        warehouse = await build.warehouse()
        products = {
            "a4": await build.product(
                sku="A4-80", name="Paper A4 80 g/m2", name_ru="Бумага офисная А4 80 г/м2",
                synonyms=["copy paper", "ксерокс бумага"], category_id=paper.id, barcode="4600000000017",
                stock={warehouse: 40},
            ),
            "a4box": await build.product(
                sku="A4-80-500", name="Paper A4 box of 5 reams", name_ru="Бумага А4, коробка 5 пачек",
                category_id=paper.id, stock={warehouse: 3},
            ),
            "a3": await build.product(
                sku="A3-80", name="Paper A3 80 g/m2", name_ru="Бумага офисная А3", category_id=paper.id,
            ),
            "pen": await build.product(
                sku="PEN-BL-1", name="Ballpoint pen blue", name_ru="Ручка шариковая синяя",
                synonyms=["biro"], category_id=writing.id, stock={warehouse: 500},
            ),
        }
        await bump_catalog_version(uow.session)
        await uow.commit()
    return products


async def test_exact_sku_ignores_case_spaces_and_dashes(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        for typed in ("A4-80", "a4-80", "a4 80", "A480", " a4_80 "):
            assert (await catalog.get_by_sku(uow, GUEST, typed)).id == products["a4"].id
        page = await catalog.search_products(uow, GUEST, "a4 80")
        with pytest.raises(NotFound):
            await catalog.get_by_sku(uow, GUEST, "A4-81")
    assert page.exact is not None and page.exact.sku == "A4-80"
    assert page.items[0].id == products["a4"].id


async def test_sku_prefix_lists_matching_skus_shortest_first(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        page = await catalog.search_products(uow, GUEST, "a4-8", kind="sku")
    assert [item.id for item in page.items] == [products["a4"].id, products["a4box"].id]
    assert page.total == 2 and page.exact is None


async def test_barcode_finds_its_product(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        page = await catalog.search_products(uow, GUEST, "4600000000017")
    assert page.exact is not None and page.exact.id == products["a4"].id
    assert page.items[0].id == products["a4"].id


async def test_english_name_with_a_typo_finds_the_product(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        page = await catalog.search_products(uow, GUEST, "papr a4")
        pens = await catalog.search_products(uow, GUEST, "balpoint pne")
    assert page.items[0].id == products["a4"].id
    assert {item.id for item in page.items} == {products["a4"].id, products["a4box"].id}
    assert [item.id for item in pens.items] == [products["pen"].id]


async def test_inflected_and_misspelled_russian_finds_the_product_named_in_russian(core: Core) -> None:
    products = await _paper_and_pens(core)
    russian = Actor.guest(locale="ru")
    async with core.uow() as uow:
        inflected = await catalog.search_products(uow, russian, "бумаги офисной")
        misspelled = await catalog.search_products(uow, russian, "бумга офесная")
        pens = await catalog.search_products(uow, russian, "ручки синие")
    office_paper = {products["a4"].id, products["a3"].id}  # the box is not "офисная"
    assert {item.id for item in inflected.items} == office_paper
    assert {item.id for item in misspelled.items} == office_paper
    named = {item.id: item for item in inflected.items}[products["a4"].id]
    assert named.name == "Бумага офисная А4 80 г/м2"
    assert named.category is not None and named.category.name == "Бумага"
    assert [item.id for item in pens.items] == [products["pen"].id]


async def test_synonyms_find_the_product(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        biro = await catalog.search_products(uow, GUEST, "biro")
        copier = await catalog.search_products(uow, GUEST, "ксерокс")
    assert [item.id for item in biro.items] == [products["pen"].id]
    assert [item.id for item in copier.items] == [products["a4"].id]


async def test_category_name_and_filter_narrow_the_search(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        by_name = await catalog.search_products(uow, GUEST, "письменные принадлежности")
        categories = await catalog.list_categories(uow, GUEST)
        writing = next(c for c in categories if c.name == "Writing supplies")
        paper = next(c for c in categories if c.name == "Paper")
        blue_paper = await catalog.search_products(uow, GUEST, "blue", category_id=paper.id)
        listing = await catalog.search_products(uow, GUEST, "", category_id=paper.id)
        pens = await catalog.search_products(uow, GUEST, "", category_id=writing.id)
        with pytest.raises(NotFound):
            await catalog.search_products(uow, GUEST, "paper", category_id=paper.id + writing.id + 100)
    assert [item.id for item in by_name.items] == [products["pen"].id]
    assert blue_paper.total == 0
    assert {item.id for item in listing.items} == {products[k].id for k in ("a4", "a4box", "a3")}
    assert [item.id for item in pens.items] == [products["pen"].id]


async def test_pages_cover_every_match_once_and_limit_is_capped(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        made = {(await build.product(name=f"Stapler model {n}")).id for n in range(7)}
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        pages = [await catalog.search_products(uow, GUEST, "stapler", limit=3, offset=o) for o in (0, 3, 6)]
        huge = await catalog.search_products(uow, GUEST, "stapler", limit=10_000)
        for bad in ({"limit": 0}, {"offset": -1}, {"offset": catalog.MAX_OFFSET + 1}):
            with pytest.raises(InvalidInput):
                await catalog.search_products(uow, GUEST, "stapler", **bad)  # type: ignore[arg-type]
    seen = [item.id for page in pages for item in page.items]
    assert sorted(seen) == sorted(made) and len(seen) == 7
    assert all(page.total == 7 for page in pages)
    assert pages[0].has_more and not pages[2].has_more
    assert huge.limit == catalog.MAX_PAGE_SIZE


async def test_guest_sees_no_price_and_contact_sees_its_company_price(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        product = await build.product(sku="GL-1", name="Nitrile gloves", price="100.00")
        own, own_company, _ = await build.actor(price_tier="gold")
        tier_only, _, _ = await build.actor(price_tier="gold")
        base_only, _, _ = await build.actor()
        await build.price(product, Decimal("90.00"), tier="gold")
        await build.price(product, Decimal("80.00"), company=own_company)
        await build.price(product, Decimal("75.00"), company=own_company, min_qty=100)
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        shown = {
            who: (await catalog.search_products(uow, actor, "gloves")).items[0]
            for who, actor in (("guest", GUEST), ("own", own), ("tier", tier_only), ("base", base_only))
        }
        own_card = await catalog.product_card(uow, own, "gl-1", core.settings)
        guest_card = await catalog.product_card(uow, GUEST, product.id, core.settings)
    assert (shown["guest"].unit_price, shown["guest"].currency) == (None, None)
    assert shown["own"].unit_price == Decimal("80.00") and shown["own"].currency == "RUB"
    assert shown["tier"].unit_price == Decimal("90.00")
    assert shown["base"].unit_price == Decimal("100.00")
    assert own_card.price is not None
    assert [(b.min_qty, b.amount) for b in own_card.price.breaks] == [(1, Decimal("80.00")), (100, Decimal("75.00"))]
    assert guest_card.price is None and guest_card.unit_price is None


async def test_another_companys_own_price_never_leaks(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        product = await build.product(sku="GL-2", name="Latex gloves", price="100.00")
        _, favoured, _ = await build.actor()
        stranger, _, _ = await build.actor()
        await build.price(product, Decimal("1.00"), company=favoured)
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        listed = await catalog.search_products(uow, stranger, "latex gloves")
        by_sku = await catalog.get_by_sku(uow, stranger, "GL-2")
        card = await catalog.product_card(uow, stranger, product.id, core.settings)
    assert listed.items[0].unit_price == by_sku.unit_price == Decimal("100.00")
    assert card.price is not None and [b.amount for b in card.price.breaks] == [Decimal("100.00")]


async def test_a_deactivated_company_sees_the_catalogue_without_prices(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        await build.product(sku="GL-3", name="Vinyl gloves", price="100.00")
        actor, company, _ = await build.actor()
        company.is_active = False
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        by_sku = await catalog.get_by_sku(uow, actor, "GL-3")
        listed = await catalog.search_products(uow, actor, "vinyl gloves")
    assert by_sku.unit_price is None and listed.items[0].unit_price is None


async def test_inactive_products_are_hidden_everywhere(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        hidden = await build.product(sku="OLD-1", name="Discontinued stapler", is_active=False)
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        assert (await catalog.search_products(uow, GUEST, "stapler")).total == 0
        assert (await catalog.search_products(uow, GUEST, "OLD-1")).total == 0
        for lookup in (hidden.id, "OLD-1"):
            with pytest.raises(NotFound):
                await catalog.product_card(uow, GUEST, lookup, core.settings)
        with pytest.raises(NotFound):
            await catalog.get_by_sku(uow, GUEST, "OLD-1")


async def test_sku_lookup_answers_for_the_committed_catalogue_when_a_sku_moved(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        assert (await catalog.get_by_sku(uow, GUEST, "PEN-BL-1")).id == products["pen"].id  # index built
    async with core.uow() as uow:
        # The SKU passes from one product to another: the index in hand would name the old one.
        await uow.session.execute(update(Product).where(Product.id == products["pen"].id).values(sku="PEN-OLD"))
        await uow.session.execute(update(Product).where(Product.id == products["a3"].id).values(sku="PEN-BL-1"))
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        assert (await catalog.get_by_sku(uow, GUEST, "PEN-BL-1")).id == products["a3"].id
        assert (await catalog.get_by_sku(uow, GUEST, "pen-old")).id == products["pen"].id
        with pytest.raises(NotFound):
            await catalog.get_by_sku(uow, GUEST, "A3-80")


async def test_index_follows_catalog_changes_once_the_version_is_bumped(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        assert (await catalog.search_products(uow, GUEST, "stapler")).total == 0  # the index is now built
    async with core.uow() as uow:
        build = Build(uow.session)
        stapler = await build.product(sku="ST-1", name="Heavy duty stapler")
        await uow.session.execute(update(Product).where(Product.id == products["pen"].id).values(is_active=False))
        await uow.session.execute(
            update(Product).where(Product.id == products["a3"].id).values(name="Drawing paper A3")
        )
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        assert [i.id for i in (await catalog.search_products(uow, GUEST, "stapler")).items] == [stapler.id]
        assert (await catalog.search_products(uow, GUEST, "ballpoint pen")).total == 0
        drawing = await catalog.search_products(uow, GUEST, "drawing")
        assert [i.id for i in drawing.items] == [products["a3"].id]
        assert await catalog_version(uow.session) == 2


async def test_uncommitted_catalog_change_is_never_served_to_others(core: Core) -> None:
    await _paper_and_pens(core)
    async with core.uow() as uow:
        build = Build(uow.session)
        await build.product(sku="GHOST-1", name="Ghost stapler")
        await bump_catalog_version(uow.session)
        # The writer sees its own change...
        assert (await catalog.search_products(uow, GUEST, "stapler")).total == 1
        await uow.rollback()
    async with core.uow() as uow:
        # ...nobody else does once it is rolled back, even though the writer's index carried the next version.
        assert (await catalog.search_products(uow, GUEST, "stapler")).total == 0
        real = await Build(uow.session).product(sku="ST-9", name="Long reach stapler")
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        assert [i.id for i in (await catalog.search_products(uow, GUEST, "stapler")).items] == [real.id]


async def test_writer_session_returns_to_the_shared_index_after_commit(core: Core) -> None:
    async with core.uow() as uow:
        await Build(uow.session).product(sku="ST-2", name="Mini stapler")
        await bump_catalog_version(uow.session)
        await uow.commit()
        assert (await catalog.search_products(uow, GUEST, "stapler")).total == 1
        assert live_index(uow.session).version == 1  # built and kept for everyone, not privately


async def test_index_reads_a_large_catalogue_in_chunks(core: Core, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "LOAD_CHUNK", 2)
    async with core.uow() as uow:
        build = Build(uow.session)
        made = {(await build.product(name=f"Binder clip {n}")).id for n in range(5)}
        await build.product(name="Binder clip retired", is_active=False)
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        page = await catalog.search_products(uow, GUEST, "binder clip")
    assert {item.id for item in page.items} == made and page.total == 5


async def test_bumps_count_up_from_zero(core: Core) -> None:
    async with core.uow() as uow:
        assert await catalog_version(uow.session) == 0
        assert await bump_catalog_version(uow.session) == 1
        assert await bump_catalog_version(uow.session) == 2
        await uow.commit()
    async with core.uow() as uow:
        assert await catalog_version(uow.session) == 2


async def test_card_shows_stock_incoming_rules_and_in_stock_alternatives(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        paper = await build.category("Paper", "Бумага")
        other = await build.category("Tape", "Скотч")
        north, south = await build.warehouse(code="N"), await build.warehouse(code="S")
        sold_out = await build.product(
            sku="A5-80", name="Paper A5", category_id=paper.id, pack_size=5, min_order_qty=10,
            weight_kg=Decimal("2.500"), description="500 sheets", image_url="https://img.test/a5.png",
            stock={north: 0},
        )
        await build.incoming(sold_out, north, 200, days=4)
        in_stock = await build.product(sku="A4-1", name="Paper A4", category_id=paper.id, stock={north: 3, south: 9})
        await build.product(sku="A3-1", name="Paper A3", category_id=paper.id, stock={north: 0})
        await build.product(sku="T-1", name="Tape", category_id=other.id, stock={north: 50})
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        card = await catalog.product_card(uow, GUEST, "a5 80", core.settings)
        full = await catalog.product_card(uow, GUEST, in_stock.id, core.settings)
    assert card.id == sold_out.id and not card.in_stock
    assert [(w.warehouse_code, w.available) for w in card.warehouses] == [("N", 0)]
    assert [(i.warehouse_code, i.quantity) for i in card.incoming] == [("N", 200)]
    assert (card.pack_size, card.min_order_qty, card.weight_kg) == (5, 10, Decimal("2.500"))
    assert card.max_order_qty % 5 == 0 and card.max_order_qty <= core.settings.max_line_quantity
    assert card.description == "500 sheets" and card.image_url == "https://img.test/a5.png"
    assert card.category is not None and card.category.name == "Paper"
    assert [alt.id for alt in card.alternatives] == [in_stock.id]
    assert full.available == 12 and full.alternatives == ()


async def test_alternatives_nearest_by_name_come_before_the_best_stocked(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        paper = await build.category("Paper", "Бумага")
        north = await build.warehouse(code="N")
        await build.product(sku="A4-80", name="Office paper A4 80 g/m2", category_id=paper.id, stock={north: 0})
        rolls = await build.product(sku="TH-57", name="Thermal paper roll 57 mm", category_id=paper.id,
                                    stock={north: 900})
        a4_90 = await build.product(sku="A4-90", name="Office paper A4 90 g/m2", category_id=paper.id,
                                    stock={north: 5})
        a3 = await build.product(sku="A3-80", name="Office paper A3 80 g/m2", category_id=paper.id, stock={north: 7})
        await build.product(sku="A4-70", name="Office paper A4 70 g/m2", category_id=paper.id, stock={north: 0})
        await bump_catalog_version(uow.session)
        await uow.commit()
    async with core.uow() as uow:
        card = await catalog.product_card(uow, GUEST, "A4-80", core.settings)
    # A4 90 shares the most words, then A3 80; the thermal rolls, best stocked, come last; nothing out of stock.
    assert [alt.id for alt in card.alternatives] == [a4_90.id, a3.id, rolls.id]


async def test_unknown_products_and_bad_input_are_refused(core: Core) -> None:
    await _paper_and_pens(core)
    async with core.uow() as uow:
        for unknown in (999_999, 2**40, -1, 0, "NO-SUCH-SKU"):
            with pytest.raises(NotFound):
                await catalog.product_card(uow, GUEST, unknown, core.settings)
        with pytest.raises(InvalidInput):
            await catalog.product_card(uow, GUEST, True, core.settings)
        for query in ("", "   ", "x" * (catalog.MAX_QUERY_LENGTH + 1)):
            with pytest.raises(InvalidInput):
                await catalog.search_products(uow, GUEST, query)
        with pytest.raises(InvalidInput):
            await catalog.search_products(uow, GUEST, "paper", kind="fuzzy")  # type: ignore[arg-type]


async def test_an_active_product_is_found_by_id_and_a_retired_or_unknown_one_is_not(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        retired = await Build(uow.session).product(sku="OLD-1", name="Discontinued stapler", is_active=False)
        await uow.commit()
    async with core.uow() as uow:
        assert (await catalog.active_product(uow, products["pen"].id)).sku == "PEN-BL-1"
        for unknown in (retired.id, 999_999, 2**40, -1, 0):
            with pytest.raises(NotFound):
                await catalog.active_product(uow, unknown)
        with pytest.raises(InvalidInput):
            await catalog.active_product(uow, True)


async def test_search_that_found_nothing_is_recorded_as_demand(core: Core) -> None:
    async with core.uow() as uow:
        actor, company, contact = await Build(uow.session).actor()
        await uow.commit()
    async with core.uow() as uow:
        page = await catalog.search_products(uow, actor, "titanium stapler")
        assert page.total == 0
        await catalog.record_no_result(uow, actor, "  titanium   stapler ")
        await catalog.record_no_result(uow, GUEST, "golden pen")
        with pytest.raises(InvalidInput):
            await catalog.record_no_result(uow, actor, "   ")
        await uow.commit()
    async with core.uow() as uow:
        signals = (await uow.session.scalars(select(DemandSignal).order_by(DemandSignal.id))).all()
    assert [(s.kind, s.query, s.company_id, s.contact_id) for s in signals] == [
        ("no_result", "titanium stapler", company.id, contact.id),
        ("no_result", "golden pen", None, None),
    ]


async def test_russian_speaking_contact_gets_russian_names_and_its_price(core: Core) -> None:
    products = await _paper_and_pens(core)
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor()
        await uow.commit()
    russian = dataclasses.replace(actor, locale="ru")
    async with core.uow() as uow:
        card = await catalog.product_card(uow, russian, products["pen"].id, core.settings)
    assert card.name == "Ручка шариковая синяя"
    assert card.category is not None and card.category.name == "Письменные принадлежности"
    assert card.unit_price == Decimal("100.00")
