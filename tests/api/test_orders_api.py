"""Orders over the API: status updates that notify the client, the acknowledged export, reading back."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import select

from core.bootstrap import Core
from core.models import Order, OrderStatus, OutboxEvent, Shipment, ShipmentEvent
from core.ports import RecordingNotifier
from tests.factories import Build


async def place(core: Core, status: OrderStatus = OrderStatus.CONFIRMED) -> tuple[int, int]:
    async with core.uow() as uow:
        build = Build(uow.session)
        _actor, company, contact = await build.actor()
        item = await build.product()
        order = await build.order(company, contact, lines=[(item, 3, "10.00")], status=status)
        await uow.commit()
    return order.id, contact.id


async def test_a_status_update_moves_the_order_tracks_the_shipment_and_notifies_after_commit(
    core: Core, admin: httpx.AsyncClient, notifier: RecordingNotifier
) -> None:
    order_id, contact_id = await place(core, OrderStatus.READY)
    row = {"order_id": order_id, "status": "shipped", "note": "left the warehouse",
           "shipment": {"external_id": "s1", "carrier": "DPD", "tracking_number": "TRK1", "stage": "in_transit",
                        "eta": "2030-02-01", "location": "Moscow hub"}}
    report = (await admin.post("/orders/status-updates", json={"rows": [row]})).json()
    assert (report["updated"], report["rejected"]) == (1, [])
    [sent] = notifier.sent
    assert sent.contact_id == contact_id and sent.kind == "order_status"
    assert sent.data["status"] == "shipped" and sent.data["tracking_number"] == "TRK1"
    async with core.uow() as uow:
        order = await uow.session.get(Order, order_id)
        shipment = await uow.session.scalar(select(Shipment))
        events = list(await uow.session.scalars(select(ShipmentEvent)))
        outbox = list(await uow.session.scalars(select(OutboxEvent.topic)))
    assert order is not None and order.status == OrderStatus.SHIPPED and order.eta == dt.date(2030, 2, 1)
    assert shipment is not None and shipment.tracking_number == "TRK1" and len(events) == 1
    assert outbox == ["order.status_changed"]

    again = (await admin.post("/orders/status-updates", json={"rows": [row]})).json()
    assert (again["updated"], again["unchanged"], again["rejected"]) == (0, 1, [])
    assert len(notifier.sent) == 1


async def test_an_impossible_or_unknown_move_is_refused_for_its_row_only(
    core: Core, admin: httpx.AsyncClient, notifier: RecordingNotifier
) -> None:
    delivered, _ = await place(core, OrderStatus.DELIVERED)
    confirmed, _ = await place(core, OrderStatus.CONFIRMED)
    report = (await admin.post("/orders/status-updates", json={"rows": [
        {"order_id": delivered, "status": "shipped"},
        {"order_id": 999_999, "status": "ready"},
        {"order_id": confirmed, "status": "in_production"},
    ]})).json()
    assert report["updated"] == 1
    assert [r["errors"] for r in report["rejected"]] == [
        ["an order that is delivered cannot become shipped"], ["unknown order 999999"]]
    assert len(notifier.sent) == 1
    unknown_status = await admin.post("/orders/status-updates", json={"rows": [{"order_id": 1, "status": "lost"}]})
    assert unknown_status.status_code == 422


class LaterClock:
    """The system clock some minutes ahead: changes made before are older than the export's settling time."""

    def __init__(self, minutes: int = 1) -> None:
        self.ahead = dt.timedelta(minutes=minutes)

    def now(self) -> dt.datetime:
        return dt.datetime.now(dt.UTC) + self.ahead


async def test_a_change_younger_than_the_settling_time_waits_for_a_later_export(
    core: Core, admin: httpx.AsyncClient
) -> None:
    placed, _ = await place(core)
    assert (await admin.get("/orders/export")).json()["items"] == []
    core.clock = LaterClock()
    assert [o["id"] for o in (await admin.get("/orders/export")).json()["items"]] == [placed]


async def test_the_export_pages_new_and_changed_orders_and_resumes_after_the_acknowledged_cursor(
    core: Core, admin: httpx.AsyncClient
) -> None:
    core.clock = LaterClock()
    first, _ = await place(core)
    second, _ = await place(core)
    page = (await admin.get("/orders/export", params={"limit": 1})).json()
    assert [o["id"] for o in page["items"]] == [first] and page["has_more"]
    rest = (await admin.get("/orders/export", params={"after": page["cursor"]})).json()
    assert [o["id"] for o in rest["items"]] == [second] and not rest["has_more"]
    assert rest["items"][0]["lines"][0]["quantity"] == 3

    ack = await admin.post("/orders/export/ack", json={"cursor": rest["cursor"]})
    assert ack.status_code == 200
    assert (await admin.get("/orders/export")).json()["items"] == []
    await admin.post("/orders/status-updates", json={"rows": [{"order_id": first, "status": "in_production"}]})
    core.clock = LaterClock(minutes=2)  # stamped by the clock a minute ahead, settled by the one two ahead
    changed = (await admin.get("/orders/export")).json()
    assert [(o["id"], o["status"]) for o in changed["items"]] == [(first, "in_production")]


async def test_a_forged_cursor_is_refused(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/orders/export", params={"after": "not-a-cursor"})).status_code == 422
    assert (await admin.post("/orders/export/ack", json={"cursor": "bm9wZQ=="})).status_code == 422


async def test_orders_are_listed_filtered_and_read_one_by_one(core: Core, admin: httpx.AsyncClient) -> None:
    first, _ = await place(core, OrderStatus.PLACED)
    second, _ = await place(core, OrderStatus.CONFIRMED)
    listed = (await admin.get("/orders")).json()
    assert listed["total"] == 2 and [o["id"] for o in listed["items"]] == [second, first]
    placed = (await admin.get("/orders", params={"status": "placed"})).json()
    assert [o["id"] for o in placed["items"]] == [first]
    one = (await admin.get(f"/orders/{first}")).json()
    assert one["total"] == "30.00" and one["lines"][0]["line_total"] == "30.00"
    assert (await admin.get("/orders/999999")).status_code == 404
    assert (await admin.get("/orders", params={"company_external_id": "nobody"})).status_code == 404
