"""Approvals through the gateway, in English and Russian: an approver approves or turns down an order that
awaits approval with the buttons of the request; nobody else can, and a decided order stays decided."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from bots.gateway import Gateway
from core.bootstrap import Core
from core.messaging import ButtonPress, Buttons, encode_payload
from core.models import ContactRole, Order, OrderStatus
from core.ports import Notification, RecordingNotifier
from core.services import conversations
from dialogs.flows.approvals import APPROVE_ACTION, REJECT_ACTION
from dialogs.i18n import t
from dialogs.notifications import render_notification
from tests.factories import Build
from tests.gateway_harness import MY_FLOW_MODULES, ChatUser, engines_for_tests, text_of

MODULES = (*MY_FLOW_MODULES, "dialogs.flows.approvals")


@dataclass(frozen=True)
class Company:
    buyer: int
    approver: int
    order: int


@pytest.fixture
async def company(core: Core) -> Company:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, buyer = await build.actor()
        approver = await build.contact(company, role=ContactRole.APPROVER)
        product = await build.product(price="100.00")
        order = await build.order(company, buyer, lines=[(product, 10, "100.00")],
                                  status=OrderStatus.AWAITING_APPROVAL)
        await uow.commit()
        return Company(buyer.id, approver.id, order.id)


async def person(core: Core, contact_id: int, locale: str) -> ChatUser:
    user_id = f"p{contact_id}-{locale}"
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "test", user_id, now=core.clock.now())
        await conversations.link_identity(uow.session, identity.id, contact_id)
        await uow.commit()
    return ChatUser(Gateway(core, engines_for_tests(core, MODULES)), user_id=user_id, locale_hint=locale)


async def press(user: ChatUser, action: str, order_id: int) -> str:
    adapted = await user.send(ButtonPress(encode_payload(action, order_id)))
    return "" if adapted is None else text_of(adapted.messages)


async def status_of(core: Core, order_id: int) -> str:
    async with core.uow() as uow:
        return str(await uow.session.scalar(select(Order.status).where(Order.id == order_id)))


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_the_approver_approves_and_the_buyer_is_told(core: Core, company: Company, locale: str,
                                                          notifier: RecordingNotifier) -> None:
    approver = await person(core, company.approver, locale)
    reply = await press(approver, APPROVE_ACTION, company.order)
    assert t(locale, "approvals.approved", id=str(company.order)) in reply
    assert await status_of(core, company.order) == OrderStatus.CONFIRMED
    assert [(n.contact_id, n.kind, n.data["status"]) for n in notifier.sent] == [
        (company.buyer, "order_status", "confirmed")]
    again = await press(approver, APPROVE_ACTION, company.order)
    assert t(locale, "approvals.approved", id=str(company.order)) not in again  # decided once


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_the_approval_request_carries_the_buttons_that_decide(core: Core, company: Company,
                                                                    locale: str) -> None:
    request = Notification(company.approver, "approval_request",
                           {"order_id": company.order, "placed_by": "Ann", "total": "1000.00", "currency": "RUB"})
    [message] = render_notification(request, locale)
    assert isinstance(message, Buttons) and "Ann" in message.text
    approve = next(b for b in message.buttons if b.title == t(locale, "approvals.approve_button"))
    approver = await person(core, company.approver, locale)
    adapted = await approver.send(ButtonPress(approve.payload))
    assert adapted is not None and t(locale, "approvals.approved", id=str(company.order)) in text_of(adapted.messages)
    assert await status_of(core, company.order) == OrderStatus.CONFIRMED


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_turning_down_asks_once_more_then_cancels(core: Core, company: Company, locale: str) -> None:
    approver = await person(core, company.approver, locale)
    await press(approver, REJECT_ACTION, company.order)
    kept = await approver.press(t(locale, "common.no"))
    assert t(locale, "approvals.still_waiting", id=str(company.order)) in kept
    assert await status_of(core, company.order) == OrderStatus.AWAITING_APPROVAL
    await press(approver, REJECT_ACTION, company.order)
    done = await approver.press(t(locale, "approvals.reject_button"))
    assert t(locale, "approvals.rejected", id=str(company.order)) in done
    assert await status_of(core, company.order) == OrderStatus.CANCELLED


async def test_a_buyer_cannot_approve_even_with_a_forged_button(core: Core, company: Company) -> None:
    buyer = await person(core, company.buyer, "en")
    reply = await press(buyer, APPROVE_ACTION, company.order)
    assert "approved" not in reply
    assert await status_of(core, company.order) == OrderStatus.AWAITING_APPROVAL


async def test_an_approver_of_another_company_cannot_see_or_decide(core: Core, company: Company) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, other, _ = await build.actor()
        stranger = await build.contact(other, role=ContactRole.APPROVER)
        await uow.commit()
    reply = await press(await person(core, stranger.id, "en"), APPROVE_ACTION, company.order)
    assert t("en", "errors.not_found") in reply
    assert await status_of(core, company.order) == OrderStatus.AWAITING_APPROVAL


@pytest.mark.parametrize("locale", ["en", "ru"])
def test_the_buyers_notice_of_a_turned_down_order_says_so_with_the_comment_and_no_delivery_date(locale: str) -> None:
    notice = Notification(1, "order_status", {"order_id": 552, "status": "cancelled", "previous": "awaiting_approval",
                                              "eta": "2026-12-02", "note": "too expensive"})
    [message] = render_notification(notice, locale)
    text = message.text if isinstance(message, Buttons) else ""
    assert t(locale, "notify.order_turned_down", order_id="552") in text
    assert "too expensive" in text and "2026" not in text  # no expected delivery for a cancelled order
