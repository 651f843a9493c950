"""Accounts: balance from the ledger, FIFO overdue, available credit, payments and statements, scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from core.bootstrap import Core
from core.domain.access import Actor
from core.errors import AccessDenied, InvalidInput
from core.models import Company, LedgerKind, Order, OrderStatus, PaymentMode, PaymentTerms
from core.services import accounts
from tests.factories import Build

TODAY = dt.date.today()
INVOICE, PAYMENT, CREDIT_NOTE = LedgerKind.INVOICE, LedgerKind.PAYMENT, LedgerKind.CREDIT_NOTE


async def _order(
    session: AsyncSession, company: Company, total: str, status: OrderStatus, mode: PaymentMode, key: str
) -> Order:
    order = Order(
        company_id=company.id,
        status=status,
        payment_mode=mode,
        currency="RUB",
        subtotal=Decimal(total),
        total=Decimal(total),
        idempotency_key=key,
    )
    session.add(order)
    await session.flush()
    return order


async def test_balance_is_invoices_less_payments_and_credit_notes(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.ledger(company, INVOICE, "1000.00", days_ago=10)
        await build.ledger(company, INVOICE, "250.50", days_ago=5)
        await build.ledger(company, PAYMENT, "600.00", days_ago=3)
        await build.ledger(company, CREDIT_NOTE, "50.25", days_ago=1)
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
    assert summary.balance == Decimal("600.25")
    assert summary.currency == "RUB"


async def test_payments_settle_the_oldest_invoices_first_and_the_rest_is_overdue(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor(payment_days=14)
        await build.ledger(company, INVOICE, "1000.00", days_ago=60, due_in_days=30)  # due 30 days ago
        await build.ledger(company, INVOICE, "500.00", days_ago=20, due_in_days=10)  # due 10 days ago
        await build.ledger(company, INVOICE, "800.00", days_ago=5, due_in_days=14)  # not due yet
        await build.ledger(company, PAYMENT, "1100.00", days_ago=2)
        await build.ledger(company, CREDIT_NOTE, "100.00", days_ago=1)
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
    # 1200 settles the first invoice and 200 of the second: 300 of the second is overdue, 10 days.
    assert summary.overdue == Decimal("300.00")
    assert summary.overdue_days == 10
    assert summary.oldest_overdue_due_on == TODAY - dt.timedelta(days=10)
    assert summary.balance == Decimal("1100.00")


async def test_an_invoice_without_due_date_is_due_after_the_company_payment_days(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor(payment_days=7)
        await build.ledger(company, INVOICE, "100.00", days_ago=9)
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
    assert (summary.overdue, summary.overdue_days) == (Decimal("100.00"), 2)


async def test_nothing_is_overdue_once_everything_is_paid(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.ledger(company, INVOICE, "100.00", days_ago=90, due_in_days=10)
        await build.ledger(company, PAYMENT, "100.00", days_ago=1)
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
    assert (summary.overdue, summary.overdue_days, summary.oldest_overdue_due_on) == (Decimal("0.00"), 0, None)


async def test_available_credit_counts_open_credit_orders_not_yet_invoiced(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        session = uow.session
        actor, company, _ = await build.actor(credit_limit=Decimal("10000"))
        await build.ledger(company, INVOICE, "3000.00", days_ago=3, due_in_days=14)
        await _order(session, company, "1500.00", OrderStatus.CONFIRMED, PaymentMode.CREDIT, "open-credit")
        invoiced = await _order(session, company, "700.00", OrderStatus.SHIPPED, PaymentMode.CREDIT, "invoiced")
        entry = await build.ledger(company, INVOICE, "700.00", days_ago=1, due_in_days=14)
        entry.order_id = invoiced.id
        await _order(session, company, "900.00", OrderStatus.CONFIRMED, PaymentMode.PREPAYMENT, "prepaid")
        await _order(session, company, "400.00", OrderStatus.DELIVERED, PaymentMode.CREDIT, "delivered")
        await _order(session, company, "600.00", OrderStatus.CANCELLED, PaymentMode.CREDIT, "cancelled")
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor)
    assert summary.balance == Decimal("3700.00")
    assert summary.open_orders_on_credit == Decimal("1500.00")
    assert summary.available_credit == Decimal("4800.00")


async def test_prepayment_terms_and_an_exhausted_limit_give_no_credit(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        prepaying, _, _ = await build.actor(payment_terms=PaymentTerms.PREPAYMENT, credit_limit=Decimal("5000"))
        exhausted, company, _ = await build.actor(credit_limit=Decimal("1000"))
        await build.ledger(company, INVOICE, "1500.00", days_ago=1, due_in_days=14)
        await uow.commit()
    async with core.uow() as uow:
        assert (await accounts.account_summary(uow.session, prepaying)).available_credit == Decimal("0.00")
        assert (await accounts.account_summary(uow.session, exhausted)).available_credit == Decimal("0.00")


async def test_last_payments_are_newest_first_and_only_payments(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.ledger(company, PAYMENT, "10.00", days_ago=30)
        await build.ledger(company, PAYMENT, "20.00", days_ago=20)
        await build.ledger(company, INVOICE, "99.00", days_ago=15)
        await build.ledger(company, PAYMENT, "30.00", days_ago=10)
        await uow.commit()
    async with core.uow() as uow:
        payments = await accounts.last_payments(uow.session, actor, limit=2)
        with pytest.raises(InvalidInput):
            await accounts.last_payments(uow.session, actor, limit=0)
    assert [p.amount for p in payments] == [Decimal("30.00"), Decimal("20.00")]
    assert {p.kind for p in payments} == {"payment"}


async def test_statement_has_opening_running_and_closing_balances(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, _ = await build.actor()
        await build.ledger(company, INVOICE, "1000.00", days_ago=40)  # before the period
        await build.ledger(company, PAYMENT, "400.00", days_ago=35)  # before the period
        await build.ledger(company, INVOICE, "250.00", days_ago=20)
        await build.ledger(company, PAYMENT, "500.00", days_ago=15)
        await build.ledger(company, CREDIT_NOTE, "50.00", days_ago=10)
        await build.ledger(company, INVOICE, "999.00", days_ago=1)  # after the period
        await uow.commit()
    start, end = TODAY - dt.timedelta(days=30), TODAY - dt.timedelta(days=5)
    async with core.uow() as uow:
        statement = await accounts.statement(uow.session, actor, start, end)
    assert statement.opening_balance == Decimal("600.00")
    assert [(line.kind, line.debit, line.credit, line.balance) for line in statement.lines] == [
        ("invoice", Decimal("250.00"), Decimal("0.00"), Decimal("850.00")),
        ("payment", Decimal("0.00"), Decimal("500.00"), Decimal("350.00")),
        ("credit_note", Decimal("0.00"), Decimal("50.00"), Decimal("300.00")),
    ]
    assert (statement.total_debit, statement.total_credit) == (Decimal("250.00"), Decimal("550.00"))
    assert statement.closing_balance == Decimal("300.00")
    assert statement.tax_id == company.tax_id


async def test_a_statement_period_that_ends_before_it_starts_is_refused(core: Core) -> None:
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor()
        with pytest.raises(InvalidInput):
            await accounts.statement(uow.session, actor, TODAY, TODAY - dt.timedelta(days=1))


async def test_a_company_sees_only_its_own_ledger(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor_a, company_a, _ = await build.actor()
        _actor_b, company_b, _ = await build.actor()
        await build.ledger(company_a, INVOICE, "100.00", days_ago=2)
        await build.ledger(company_b, INVOICE, "5000.00", days_ago=60, due_in_days=1)
        await build.ledger(company_b, PAYMENT, "70.00", days_ago=1)
        await uow.commit()
    async with core.uow() as uow:
        summary = await accounts.account_summary(uow.session, actor_a)
        statement = await accounts.statement(uow.session, actor_a, TODAY - dt.timedelta(days=90), TODAY)
        payments = await accounts.last_payments(uow.session, actor_a)
    assert (summary.balance, summary.overdue) == (Decimal("100.00"), Decimal("0.00"))
    assert [line.debit for line in statement.lines] == [Decimal("100.00")]
    assert payments == ()


async def test_guests_and_actors_borrowing_another_company_are_refused(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, _, contact_a = await build.actor()
        _, company_b, _ = await build.actor()
        await uow.commit()
    forged = Actor(contact_id=contact_a.id, company_id=company_b.id)
    async with core.uow() as uow:
        for actor in (Actor.guest(), forged):
            with pytest.raises(AccessDenied):
                await accounts.account_summary(uow.session, actor)
            with pytest.raises(AccessDenied):
                await accounts.statement(uow.session, actor, TODAY, TODAY)
            with pytest.raises(AccessDenied):
                await accounts.last_payments(uow.session, actor)


async def test_member_names_are_the_contacts_own_and_a_guest_has_none(core: Core) -> None:
    async with core.uow() as uow:
        build = Build(uow.session)
        actor, company, contact = await build.actor()
        await uow.commit()
    async with core.uow() as uow:
        assert await accounts.member_names(uow.session, actor) == (contact.name, company.name)
        assert await accounts.member_names(uow.session, Actor.guest()) is None
        gone = Actor(contact_id=contact.id + 1000, company_id=company.id, locale="en")
        assert await accounts.member_names(uow.session, gone) is None
