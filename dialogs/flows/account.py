"""Account journeys: the balance (credit, overdue debt, last payments) and a reconciliation statement for a period."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from decimal import Decimal

from core.messaging import Button, Buttons, DocumentOut, Outbound, TextOut, encode_payload
from core.models import PaymentTerms
from core.services import accounts
from dialogs.engine import cancel_button, menu_button
from dialogs.flow import Accept, Answer, Flow, FlowContext, Reject, Step, Validation
from dialogs.i18n import catalogue, format_date, format_money, t
from dialogs.menus import guest_refusal
from dialogs.periods import MAX_PERIOD_YEARS, named_period, period_refusal, typed_period
from dialogs.services import Services

Ctx = FlowContext[Services]
PAYMENTS_SHOWN = 3
_PERIOD_CHOICES = ("tm", "lm", "q")


# Balance ------------------------------------------------------------------------------------------


async def show_balance(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    async with ctx.services.uow() as uow:
        summary, payments = await accounts.account_overview(
            uow.session, ctx.actor, today=ctx.services.clock.now().date(), payments=PAYMENTS_SHOWN
        )

    def money(amount: Decimal) -> str:
        return format_money(amount, summary.currency, ctx.locale)

    lines = [ctx.t("account.balance.header", company=summary.company_name)]
    if summary.balance > 0:
        lines.append(ctx.t("account.balance.owed", amount=money(summary.balance)))
    elif summary.balance < 0:
        lines.append(ctx.t("account.balance.advance", amount=money(-summary.balance)))
    else:
        lines.append(ctx.t("account.balance.settled"))
    if summary.payment_terms == PaymentTerms.CREDIT:
        lines.append(ctx.t("account.balance.credit", limit=money(summary.credit_limit),
                           available=money(summary.available_credit), days=summary.payment_days))
        if summary.open_orders_on_credit > 0:
            lines.append(ctx.t("account.balance.open_orders", amount=money(summary.open_orders_on_credit)))
    else:
        lines.append(ctx.t("account.balance.prepayment"))
    if summary.overdue > 0:
        lines.append(ctx.t("account.balance.overdue", amount=money(summary.overdue), count=summary.overdue_days))
    else:
        lines.append(ctx.t("account.balance.no_overdue"))
    lines.append("")
    if payments:
        lines.append(ctx.t("account.balance.payments"))
        lines.extend(
            ctx.t("account.balance.payment_line", date=format_date(p.occurred_on, ctx.locale),
                  amount=format_money(p.amount, p.currency, ctx.locale), number=p.number)
            for p in payments
        )
    else:
        lines.append(ctx.t("account.balance.no_payments"))
    buttons = [Button(ctx.t("account.balance.statement_button"), encode_payload("statement")), menu_button(ctx.locale)]
    return [Buttons("\n".join(lines), buttons)]


# Statement ----------------------------------------------------------------------------------------


async def ask_period(ctx: Ctx) -> Sequence[Outbound]:
    choices = [ctx.choice(ctx.t("account.statement.this_month"), "tm"),
               ctx.choice(ctx.t("account.statement.last_month"), "lm"),
               ctx.choice(ctx.t("account.statement.quarter"), "q"),
               cancel_button(ctx.locale)]
    example = _example(ctx.services.clock.now().date())
    return [Buttons(ctx.t("account.statement.ask_period", example=example), choices)]


async def check_period(answer: Answer, ctx: Ctx) -> Validation:
    today = ctx.services.clock.now().date()
    if answer.choice in _PERIOD_CHOICES:
        return Accept(_encode(*named_period(answer.choice, today)))
    period = typed_period(answer.text or "", today)
    if period is None:
        return Reject("account.statement.bad_period", {"example": _example(today)})
    start, end = period
    refusal = period_refusal(start, end, today)
    if refusal is not None:
        return Reject(refusal, {"start": format_date(start, ctx.locale), "end": format_date(end, ctx.locale),
                                "count": MAX_PERIOD_YEARS})
    return Accept(_encode(start, min(end, today)))  # a period running past today is reported to today


def _example(today: dt.date) -> str:
    """Last month as two typed dates: an example that is always a valid answer."""
    start, end = named_period("lm", today)
    return f"{start:%d.%m.%Y} - {end:%d.%m.%Y}"


def _encode(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}/{end.isoformat()}"


async def show_statement(ctx: Ctx) -> Sequence[Outbound]:
    if ctx.actor.is_guest:
        return guest_refusal(ctx.locale)
    raw_start, raw_end = str(ctx.slots["period"]).split("/")
    start, end = dt.date.fromisoformat(raw_start), dt.date.fromisoformat(raw_end)
    async with ctx.services.uow() as uow:
        statement = await accounts.statement(uow.session, ctx.actor, start, end)

    def money(amount: Decimal) -> str:
        return format_money(amount, statement.currency, ctx.locale)

    period = {"start": format_date(start, ctx.locale), "end": format_date(end, ctx.locale)}
    text = "\n".join([
        ctx.t("account.statement.summary", company=statement.company_name, **period),
        ctx.t("account.statement.opening", amount=money(statement.opening_balance)),
        ctx.t("account.statement.invoiced", amount=money(statement.total_debit)),
        ctx.t("account.statement.paid", amount=money(statement.total_credit)),
        ctx.t("account.statement.closing", amount=money(statement.closing_balance)),
        ctx.t("account.statement.entries", count=len(statement.lines)),
    ])
    document = DocumentOut(
        filename=f"statement_{start.isoformat()}_{end.isoformat()}.csv",
        content_type="text/csv",
        data=statement_csv(statement, ctx.locale),
        caption=ctx.t("account.statement.caption", **period),
    )
    return [TextOut(text), document, Buttons(ctx.t("menu.title"), [menu_button(ctx.locale)])]


def statement_csv(statement: accounts.Statement, locale: str = "en") -> bytes:
    """The statement's lines as CSV, UTF-8 with a BOM so spreadsheet programs read Cyrillic right. In Russian as
    Russian Excel opens it: semicolons, decimal commas, dates as 31.03.2026, headers and kinds in Russian."""
    russian = locale == "ru"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";" if russian else ",")

    def day(value: dt.date) -> str:
        return value.strftime("%d.%m.%Y") if russian else value.isoformat()

    def amount(value: Decimal) -> str:
        return str(value).replace(".", ",") if russian else str(value)

    def kind(name: str) -> str:
        key = f"account.statement.csv.kinds.{name}"
        return t(locale, key) if key in catalogue(locale).entries else name

    writer.writerow([t(locale, f"account.statement.csv.{column}") for column in _CSV_COLUMNS])
    writer.writerow([day(statement.start), kind("opening"), "", "", "", "", amount(statement.opening_balance),
                     statement.currency])
    for line in statement.lines:
        writer.writerow([day(line.occurred_on), kind(line.kind), line.number, line.description or "",
                         amount(line.debit), amount(line.credit), amount(line.balance), statement.currency])
    writer.writerow([day(statement.end), kind("closing"), "", "", amount(statement.total_debit),
                     amount(statement.total_credit), amount(statement.closing_balance), statement.currency])
    return out.getvalue().encode("utf-8-sig")


_CSV_COLUMNS = ("date", "kind", "number", "description", "debit", "credit", "balance", "currency")


def _member(ctx: Ctx) -> bool:
    return not ctx.actor.is_guest


FLOWS: tuple[Flow[Services], ...] = (
    Flow[Services](name="balance", title_key="account.title_balance", complete=show_balance,
                   intents=("balance",), actions=("balance",)),
    Flow[Services](name="statement", title_key="account.title_statement", complete=show_statement,
                   steps=(Step[Services]("period", ask_period, check_period, ask_if=_member,
                                         from_message=True),),
                   intents=("statement",), actions=("statement",)),
)
