"""The money side of the order history: invoices, payments and credit notes per company.

Credit customers are invoiced when goods leave (due after their payment days); prepaying customers when
an order is confirmed. How a company pays decides its balance today: a good payer owes only invoices
not yet due, an overdue one stopped paying weeks ago, a paid-up one owes nothing, and an advance payer
has money on account (a negative balance).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

from core.demo.companies import DEMO_COMPANIES, CompanyInfo
from core.demo.history import OrderRecord
from core.demo.rows import Rows
from core.domain.money import to_money
from core.models import LedgerEntry, OrderStatus
from core.services.accounts import overdue_fifo

PREPAYMENT_DUE_DAYS = 3
KIND_ORDER = {"invoice": 0, "credit_note": 1, "payment": 2}
NUMBER_PREFIX = {"invoice": "INV", "payment": "PAY", "credit_note": "CN"}


@dataclass(slots=True)
class _Entry:
    company_id: int
    kind: str
    amount: Decimal
    occurred_on: dt.date
    due_on: dt.date | None
    order_id: int | None
    description: str


def build_ledger(
    rows: Rows, rng: random.Random, companies: list[CompanyInfo], records: list[OrderRecord], *, today: dt.date
) -> None:
    by_company: dict[int, list[OrderRecord]] = {c.id: [] for c in companies}
    for record in records:
        by_company[record.company.id].append(record)
    entries: list[_Entry] = []
    for company in companies:
        entries += _company_entries(rng, company, by_company[company.id], today)
    entries.sort(key=lambda e: (e.occurred_on, KIND_ORDER[e.kind], e.company_id, e.order_id or 0))
    numbers = dict.fromkeys(NUMBER_PREFIX, 0)
    for entry in entries:
        numbers[entry.kind] += 1
        created = dt.datetime.combine(entry.occurred_on, dt.time(12), dt.UTC)
        rows.add(LedgerEntry, {
            "company_id": entry.company_id, "kind": entry.kind,
            "number": f"{NUMBER_PREFIX[entry.kind]}-{numbers[entry.kind]:06d}", "amount": entry.amount,
            "currency": "RUB", "occurred_on": entry.occurred_on, "due_on": entry.due_on, "order_id": entry.order_id,
            "description": entry.description, "external_id": None, "created_at": created, "updated_at": created,
        })


def _company_entries(
    rng: random.Random, company: CompanyInfo, records: list[OrderRecord], today: dt.date
) -> list[_Entry]:
    entries: list[_Entry] = []
    invoices: list[_Entry] = []
    credited: dict[int, Decimal] = {}
    for record in records:
        if record.status == OrderStatus.CANCELLED:
            continue
        issued = record.handed_over_at if company.credit else record.confirmed_at
        if issued is None:
            continue
        day = issued.date()
        due = day + dt.timedelta(days=company.payment_days if company.credit else PREPAYMENT_DUE_DAYS)
        invoice = _Entry(company.id, "invoice", record.total, day, due, record.id, f"Invoice for order #{record.id}")
        invoices.append(invoice)
        if record.delivered_at is not None and rng.random() < 0.06:
            when = record.delivered_at.date() + dt.timedelta(days=rng.randint(1, 10))
            amount = to_money(record.total * rng.randint(3, 15) / 100)
            if when < today and amount > 0:
                credited[record.id] = amount
                entries.append(_Entry(company.id, "credit_note", amount, when, None, record.id,
                                      f"Damaged goods returned from order #{record.id}"))
    entries += invoices
    cutoff = today - dt.timedelta(days=rng.randint(company.payment_days + 5, company.payment_days + 40))
    for invoice in invoices:
        paid_on = _paid_on(rng, company, invoice, today, cutoff)
        amount = invoice.amount - credited.get(invoice.order_id or 0, Decimal(0))
        if paid_on is not None and amount > 0:
            entries.append(_Entry(company.id, "payment", amount, paid_on, None, invoice.order_id,
                                  f"Bank transfer for {_for(invoice)}"))
    if company.behaviour == "overdue" and not _overdue(entries, company, today):
        # Payments settle the oldest invoices first: one unpaid and past due is overdue whatever else is open.
        entries.append(_overdue_invoice(rng, company, today))
    if company.behaviour == "advance":
        owed = sum((e.amount if e.kind == "invoice" else -e.amount for e in entries), Decimal(0))
        advance = max(owed, Decimal(0)) + Decimal(rng.randint(3, 25) * 10_000)
        paid_on = today - dt.timedelta(days=rng.randint(2, 30))
        entries.append(_Entry(company.id, "payment", to_money(advance), paid_on, None, None,
                              "Advance payment for future orders"))
    _raise_limit(company, entries)
    return entries


def _paid_on(
    rng: random.Random, company: CompanyInfo, invoice: _Entry, today: dt.date, cutoff: dt.date
) -> dt.date | None:
    """When the invoice was paid, or None while it is still open."""
    assert invoice.due_on is not None
    if not company.credit:
        # Prepayment: paid the day it was issued, so work could start; only the newest may still wait.
        if invoice.due_on >= today and rng.random() < 0.5:
            return None
        return invoice.occurred_on
    early = dt.timedelta(days=rng.randint(0, max(1, company.payment_days // 3)))
    paid_on = max(invoice.occurred_on, invoice.due_on - early)
    if company.behaviour == "paid_up":
        return min(paid_on, today - dt.timedelta(days=1)) if invoice.occurred_on < today else None
    if company.behaviour == "overdue" and invoice.occurred_on >= cutoff:
        return None
    return paid_on if paid_on < today else None


def _overdue(entries: list[_Entry], company: CompanyInfo, today: dt.date) -> Decimal:
    """What the company owes past due, as the account shows it (`accounts.overdue_fifo`)."""
    rows = [LedgerEntry(id=n, kind=e.kind, amount=e.amount, occurred_on=e.occurred_on, due_on=e.due_on)
            for n, e in enumerate(entries)]
    return overdue_fifo(rows, company.payment_days, today)[0]


def _overdue_invoice(rng: random.Random, company: CompanyInfo, today: dt.date) -> _Entry:
    """A debtor with no order old enough to be overdue still owes for an earlier delivery."""
    issued = today - dt.timedelta(days=company.payment_days + rng.randint(5, 30))
    amount = to_money(Decimal(rng.randint(150, 1200) * 100))
    return _Entry(company.id, "invoice", amount, issued, issued + dt.timedelta(days=company.payment_days), None,
                  "Invoice for goods delivered under a manual delivery note")


def _for(invoice: _Entry) -> str:
    return f"order #{invoice.order_id}" if invoice.order_id else "the manual delivery note"


def _raise_limit(company: CompanyInfo, entries: list[_Entry]) -> None:
    """A good payer's credit limit covers what it owes with room to spare; the demo companies keep theirs."""
    if not company.credit or company.behaviour == "overdue" or company.id <= len(DEMO_COMPANIES):
        return
    owed = sum((e.amount if e.kind == "invoice" else -e.amount for e in entries), Decimal(0))
    needed = (owed * Decimal("1.5") / 50_000).to_integral_value(rounding="ROUND_CEILING") * 50_000
    company.row["credit_limit"] = max(company.row["credit_limit"], Decimal(needed))
