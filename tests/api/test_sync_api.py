"""Sync endpoints: batches land row by row, repeat as no-ops, and refuse bad input clearly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from core.bootstrap import Core
from core.models import (
    AuditLog,
    Category,
    Contact,
    IncomingStock,
    LedgerEntry,
    Price,
    PriceList,
    Product,
    StaffUser,
    StockLevel,
    Warehouse,
)
from core.search.live import catalog_version


async def count(core: Core, model: type[Any]) -> int:
    async with core.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model)) or 0)


def product(external_id: str, **fields: object) -> dict[str, object]:
    return {"external_id": external_id, "sku": f"SKU-{external_id}", "name": f"Product {external_id}", **fields}


async def seed_catalog(admin: httpx.AsyncClient) -> None:
    await admin.post("/catalog/categories", json={"rows": [{"external_id": "paper", "name": "Paper"}]})
    await admin.post("/catalog/products", json={"rows": [product("p1"), product("p2")]})
    await admin.post("/catalog/warehouses", json={"rows": [
        {"external_id": "w1", "code": "MSK", "name": "Moscow", "city": "Moscow", "address": "1 Street"},
    ]})


async def test_categories_take_parents_from_the_same_batch_in_any_order(core: Core, admin: httpx.AsyncClient) -> None:
    rows = [
        {"external_id": "a4", "name": "A4", "parent_external_id": "paper"},
        {"external_id": "paper", "name": "Paper", "name_ru": "Бумага"},
        {"external_id": "loop", "name": "Loop", "parent_external_id": "loop"},
        {"external_id": "orphan", "name": "Orphan", "parent_external_id": "nowhere"},
    ]
    report = (await admin.post("/catalog/categories", json={"rows": rows})).json()
    assert report["created"] == 2
    assert {r["key"]: r["errors"] for r in report["rejected"]} == {
        "loop": ["the parent chain would loop back to this category"],
        "orphan": ["unknown parent category nowhere"],
    }
    async with core.uow() as uow:
        a4 = await uow.session.scalar(select(Category).where(Category.external_id == "a4"))
        paper = await uow.session.scalar(select(Category).where(Category.external_id == "paper"))
        assert a4 is not None and paper is not None and a4.parent_id == paper.id


async def test_a_repeated_product_batch_changes_nothing(core: Core, admin: httpx.AsyncClient) -> None:
    await admin.post("/catalog/categories", json={"rows": [{"external_id": "paper", "name": "Paper"}]})
    rows = [product("p1", synonyms=["office paper"], unit="pack", pack_size=5, min_order_qty=10,
                    weight_kg="2.5", category_external_id="paper"), product("p2")]
    first = (await admin.post("/catalog/products", json={"rows": rows})).json()
    async with core.uow() as uow:
        version = await catalog_version(uow.session)
        before = {p.external_id: p.updated_at for p in await uow.session.scalars(select(Product))}
    second = (await admin.post("/catalog/products", json={"rows": rows})).json()
    assert (first["created"], first["updated"]) == (2, 0)
    assert (second["created"], second["updated"], second["unchanged"]) == (0, 0, 2)
    async with core.uow() as uow:
        assert await catalog_version(uow.session) == version
        assert {p.external_id: p.updated_at for p in await uow.session.scalars(select(Product))} == before
        stored = await uow.session.scalar(select(Product).where(Product.external_id == "p1"))
    assert stored is not None
    assert (stored.pack_size, stored.min_order_qty, stored.weight_kg, stored.synonyms) == (
        5, 10, Decimal("2.500"), ["office paper"])


async def test_a_changed_product_is_updated_and_bumps_the_catalogue_version(
    core: Core, admin: httpx.AsyncClient
) -> None:
    await admin.post("/catalog/products", json={"rows": [product("p1")]})
    async with core.uow() as uow:
        version = await catalog_version(uow.session)
    report = (await admin.post("/catalog/products", json={"rows": [product("p1", name="Renamed")]})).json()
    assert report["updated"] == 1
    async with core.uow() as uow:
        assert await catalog_version(uow.session) == version + 1


async def test_duplicate_ids_and_skus_in_one_batch_are_refused_while_other_rows_land(
    core: Core, admin: httpx.AsyncClient
) -> None:
    rows = [product("p1"), product("p1", name="again"), product("p2", sku="SAME"), product("p3", sku="SAME"),
            product("p4")]
    report = (await admin.post("/catalog/products", json={"rows": rows})).json()
    assert report["created"] == 1
    assert [r["index"] for r in report["rejected"]] == [0, 1, 2, 3]
    assert "duplicate key p1" in report["rejected"][0]["errors"][0]
    assert "duplicate sku SAME" in report["rejected"][2]["errors"][0]
    assert await count(core, Product) == 1


async def test_a_sku_owned_by_another_external_id_is_refused(core: Core, admin: httpx.AsyncClient) -> None:
    await admin.post("/catalog/products", json={"rows": [product("p1", sku="X-1")]})
    report = (await admin.post("/catalog/products", json={"rows": [product("p2", sku="X-1")]})).json()
    assert report["rejected"][0]["errors"] == ["sku X-1 belongs to another record (external id p1)"]


@pytest.mark.parametrize(
    "row",
    [
        {"external_id": "p1", "sku": "S", "name": "N", "pack_size": "many"},
        {"external_id": "p1", "sku": "S", "name": "N", "pack_size": 0},
        {"external_id": "p1", "sku": "S", "name": "N", "weight_kg": "1.0005"},
        {"external_id": "p1", "sku": "S"},
        {"external_id": "p1", "sku": "S", "name": "N", "colour": "red"},
        {"external_id": "p1", "sku": "S" * 65, "name": "N"},
        {"external_id": "p1", "sku": "S", "name": "N\x00"},
        {"external_id": "p1", "sku": "S", "name": "N", "pack_size": 2**40},
    ],
    ids=["wrong-type", "zero-pack", "too-precise", "missing-name", "unknown-field", "long-sku", "nul", "huge-int"],
)
async def test_malformed_rows_get_422_and_nothing_is_written(
    core: Core, admin: httpx.AsyncClient, row: dict[str, object]
) -> None:
    response = await admin.post("/catalog/products", json={"rows": [product("ok"), row]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][:3] == ["body", "rows", 1]
    assert await count(core, Product) == 0
    assert await count(core, AuditLog) == 0


async def test_a_batch_over_ten_thousand_rows_or_empty_is_refused_whole(core: Core, admin: httpx.AsyncClient) -> None:
    too_many = await admin.post("/catalog/products", json={"rows": [product(str(i)) for i in range(10_001)]})
    assert too_many.status_code == 422
    assert "at most 10000" in too_many.text
    empty = await admin.post("/catalog/products", json={"rows": []})
    assert empty.status_code == 422
    assert (await admin.post("/catalog/products", json=[product("p")])).status_code == 422
    assert await count(core, Product) == 0


async def test_warehouses_upsert_by_external_id_and_refuse_a_taken_code(admin: httpx.AsyncClient) -> None:
    row = {"external_id": "w1", "code": "MSK", "name": "Moscow", "city": "Moscow", "address": "1 Street"}
    assert (await admin.post("/catalog/warehouses", json={"rows": [row]})).json()["created"] == 1
    moved = (await admin.post("/catalog/warehouses", json={"rows": [{**row, "address": "2 Street"}]})).json()
    assert moved["updated"] == 1
    clash = (await admin.post("/catalog/warehouses", json={"rows": [{**row, "external_id": "w2"}]})).json()
    assert "warehouse code MSK belongs to another record" in clash["rejected"][0]["errors"][0]


async def test_prices_with_tiers_company_lists_and_quantity_breaks(core: Core, admin: httpx.AsyncClient) -> None:
    await seed_catalog(admin)
    await admin.post("/companies/sync", json={"rows": [{"external_id": "c1", "name": "Acme", "tax_id": "7701"}]})
    lists = await admin.post("/prices/lists", json={"rows": [
        {"code": "base", "name": "Base", "tier": "base"},
        {"code": "acme", "name": "Acme's", "company_external_id": "c1"},
        {"code": "other", "name": "Other", "tier": "base"},
        {"code": "ghost", "name": "Ghost", "company_external_id": "nobody"},
    ]})
    assert lists.json()["created"] == 2
    assert [r["key"] for r in lists.json()["rejected"]] == ["other", "ghost"]
    neither = await admin.post("/prices/lists", json={"rows": [{"code": "x", "name": "X"}]})
    assert neither.status_code == 422 and "either tier or company_external_id" in neither.text
    prices = await admin.post("/prices", json={"rows": [
        {"price_list_code": "base", "product_external_id": "p1", "amount": "100.00"},
        {"price_list_code": "base", "product_external_id": "p1", "min_qty": 100, "amount": "90.00"},
        {"price_list_code": "acme", "product_external_id": "p1", "amount": "95.50"},
        {"price_list_code": "base", "product_external_id": "unknown", "amount": "1.00"},
        {"price_list_code": "nolist", "product_external_id": "p2", "amount": "1.00"},
    ]})
    report = prices.json()
    assert report["created"] == 3
    assert report["rejected"][0]["errors"] == ["unknown product unknown"]
    assert report["rejected"][1]["errors"] == ["unknown price list nolist"]
    again = (await admin.post("/prices", json={"rows": [
        {"price_list_code": "base", "product_external_id": "p1", "amount": "100"},
        {"price_list_code": "base", "product_external_id": "p1", "min_qty": 100, "amount": "85.00"},
    ]})).json()
    assert (again["unchanged"], again["updated"]) == (1, 1)
    async with core.uow() as uow:
        amounts = sorted(p.amount for p in await uow.session.scalars(select(Price)))
        assert amounts == [Decimal("85.00"), Decimal("95.50"), Decimal("100.00")]
        assert await uow.session.scalar(select(func.count()).select_from(PriceList)) == 2


async def test_stock_levels_are_set_per_warehouse_and_never_below_reserved_units(
    core: Core, admin: httpx.AsyncClient
) -> None:
    await seed_catalog(admin)
    report = (await admin.post("/stock", json={"rows": [
        {"product_external_id": "p1", "warehouse_external_id": "w1", "on_hand": 40},
        {"product_external_id": "p2", "warehouse_external_id": "w9", "on_hand": 5},
    ]})).json()
    assert report["created"] == 1 and report["rejected"][0]["errors"] == ["unknown warehouse w9"]
    async with core.uow() as uow:
        level = await uow.session.scalar(select(StockLevel))
        assert level is not None
        level.reserved = 30
        await uow.commit()
    below = (await admin.post("/stock", json={"rows": [
        {"product_external_id": "p1", "warehouse_external_id": "w1", "on_hand": 10}]})).json()
    assert "below the 30 units open orders hold" in below["rejected"][0]["errors"][0]
    fine = (await admin.post("/stock", json={"rows": [
        {"product_external_id": "p1", "warehouse_external_id": "w1", "on_hand": 35}]})).json()
    assert fine["updated"] == 1
    negative = await admin.post("/stock", json={"rows": [
        {"product_external_id": "p1", "warehouse_external_id": "w1", "on_hand": -1}]})
    assert negative.status_code == 422


async def test_incoming_stock_is_upserted_and_removed_with_quantity_zero(core: Core, admin: httpx.AsyncClient) -> None:
    await seed_catalog(admin)
    row = {"external_id": "in1", "product_external_id": "p1", "warehouse_external_id": "w1", "quantity": 100,
           "eta": "2030-01-15"}
    assert (await admin.post("/stock/incoming", json={"rows": [row]})).json()["created"] == 1
    assert await count(core, IncomingStock) == 1
    assert (await admin.post("/stock/incoming", json={"rows": [{**row, "quantity": 0}]})).json()["updated"] == 1
    assert await count(core, IncomingStock) == 0
    bad_date = await admin.post("/stock/incoming", json={"rows": [{**row, "eta": "soon"}]})
    assert bad_date.status_code == 422


async def test_a_company_names_its_account_manager_and_a_tax_id_clash_is_refused(
    core: Core, admin: httpx.AsyncClient
) -> None:
    twins = (await admin.post("/managers/sync", json={"rows": [
        {"external_id": "m8", "email": "Twin@Supplier.test", "name": "Twin"},
        {"external_id": "m9", "email": "twin@supplier.test", "name": "Twin"}]})).json()
    assert twins["created"] == 0 and [r["key"] for r in twins["rejected"]] == ["m8", "m9"]
    managers = await admin.post("/managers/sync", json={"rows": [
        {"external_id": "m1", "email": "Olga@Supplier.test", "name": "Olga"}]})
    assert managers.json()["created"] == 1
    report = (await admin.post("/companies/sync", json={"rows": [
        {"external_id": "c1", "name": "Acme", "tax_id": "7701", "account_manager_external_id": "m1"},
        {"external_id": "c2", "name": "Beta", "tax_id": "7702", "account_manager_external_id": "m404"},
    ]})).json()
    assert report["created"] == 1
    assert report["rejected"][0]["errors"] == ["unknown account manager m404"]
    clash = (await admin.post("/companies/sync", json={"rows": [
        {"external_id": "c9", "name": "Copy", "tax_id": "7701"}]})).json()
    assert clash["rejected"][0]["errors"] == ["tax id 7701 belongs to another record (external id c1)"]
    company = (await admin.get("/companies/c1")).json()
    assert company["account_manager_external_id"] == "m1"
    async with core.uow() as uow:
        manager = await uow.session.scalar(select(StaffUser).where(StaffUser.external_id == "m1"))
    assert manager is not None and manager.email == "olga@supplier.test"


async def test_contacts_need_a_known_company_and_an_unshared_phone(core: Core, admin: httpx.AsyncClient) -> None:
    await admin.post("/companies/sync", json={"rows": [{"external_id": "c1", "name": "Acme", "tax_id": "7701"}]})
    report = (await admin.post("/contacts/sync", json={"rows": [
        {"external_id": "k1", "company_external_id": "c1", "name": "Ivan", "phone": "+79001234567"},
        {"external_id": "k2", "company_external_id": "zz", "name": "Nobody"},
        {"external_id": "k3", "company_external_id": "c1", "name": "Twin", "phone": "+79001234568"},
        {"external_id": "k4", "company_external_id": "c1", "name": "Twin", "phone": "+79001234568"},
    ]})).json()
    assert report["created"] == 1
    assert [r["key"] for r in report["rejected"]] == ["k2", "k3", "k4"]
    taken = (await admin.post("/contacts/sync", json={"rows": [
        {"external_id": "k5", "company_external_id": "c1", "name": "Other", "phone": "+79001234567"}]})).json()
    assert "phone +79001234567 belongs to another record" in taken["rejected"][0]["errors"][0]
    bad_phone = await admin.post("/contacts/sync", json={"rows": [
        {"external_id": "k6", "company_external_id": "c1", "name": "X", "phone": "12"}]})
    assert bad_phone.status_code == 422
    assert await count(core, Contact) == 1


async def test_ledger_entries_make_the_balance_and_refuse_strangers_orders(
    core: Core, admin: httpx.AsyncClient
) -> None:
    await admin.post("/companies/sync", json={"rows": [
        {"external_id": "c1", "name": "Acme", "tax_id": "7701", "payment_terms": "credit", "credit_limit": "10000",
         "payment_days": 10}]})
    report = (await admin.post("/ledger/entries", json={"rows": [
        {"external_id": "inv1", "company_external_id": "c1", "kind": "invoice", "number": "INV-1", "amount": "3000",
         "occurred_on": "2020-01-01"},
        {"external_id": "pay1", "company_external_id": "c1", "kind": "payment", "number": "PAY-1", "amount": "1000",
         "occurred_on": "2020-01-05"},
        {"external_id": "inv2", "company_external_id": "c1", "kind": "invoice", "number": "INV-2", "amount": "5",
         "occurred_on": "2020-01-05", "order_id": 999},
        {"external_id": "inv3", "company_external_id": "c1", "kind": "invoice", "number": "INV-3", "amount": "5",
         "occurred_on": "2020-01-05", "due_on": "2020-01-01"},
    ]})).json()
    assert report["created"] == 2
    assert [r["errors"] for r in report["rejected"]] == [
        ["order 999 is not an order of this company"], ["due_on is before occurred_on"]]
    zero = await admin.post("/ledger/entries", json={"rows": [
        {"external_id": "x", "company_external_id": "c1", "kind": "payment", "number": "P", "amount": "0",
         "occurred_on": "2020-01-05"}]})
    assert zero.status_code == 422
    balance = (await admin.get("/companies/c1/balance")).json()
    assert (balance["balance"], balance["overdue"], balance["available_credit"]) == ("2000.00", "2000.00", "8000.00")
    assert (await admin.get("/companies/nobody/balance")).status_code == 404
    assert await count(core, LedgerEntry) == 2


async def test_unknown_warehouse_and_product_are_both_reported_for_one_row(admin: httpx.AsyncClient) -> None:
    report = (await admin.post("/stock", json={"rows": [
        {"product_external_id": "p?", "warehouse_external_id": "w?", "on_hand": 1}]})).json()
    assert report["rejected"] == [
        {"index": 0, "key": "p?/w?", "errors": ["unknown product p?", "unknown warehouse w?"]}]


async def test_every_sync_write_is_audited_with_its_counts(core: Core, admin: httpx.AsyncClient) -> None:
    await seed_catalog(admin)
    actions = [e["action"] for e in (await admin.get("/audit-log")).json()["items"]]
    assert actions == ["sync_warehouses", "sync_products", "sync_categories"]
    assert await count(core, Warehouse) == 1
