"""Account, loyalty and handover journeys through the gateway, in English and Russian."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest

from bots.gateway import Gateway
from core.bootstrap import Core
from core.messaging import DocumentOut
from core.models import Company as CompanyModel
from core.models import Contact, LedgerKind, LoyaltyKind
from core.services import conversations
from dialogs.periods import named_period, period_refusal, typed_period
from tests.factories import Build
from tests.gateway_harness import ChatUser, engines_for_tests

TEXTS = {
    "en": {"balance": "balance", "owes": "you owe", "overdue": "Overdue", "statement": "statement",
           "last_month": "Last month", "closing": "Closing balance", "points": "points", "manager": "manager",
           "payments": "Last payments"},
    "ru": {"balance": "баланс", "owes": "ваш долг", "overdue": "Просрочено", "statement": "акт сверки",
           "last_month": "Прошлый месяц", "closing": "Сальдо на конец", "points": "баллы", "manager": "менеджер",
           "payments": "Последние платежи"},
}


@dataclass(frozen=True)
class Account:
    contact_id: int


@pytest.fixture
async def account(core: Core) -> Account:
    async with core.uow() as uow:
        build = Build(uow.session)
        _, company, contact = await build.actor(name="Alpha Trade")
        await build.ledger(company, LedgerKind.INVOICE, "1500.00", days_ago=40, due_in_days=10)
        await build.ledger(company, LedgerKind.PAYMENT, "500.00", days_ago=3)
        await build.loyalty(company, 120)
        await uow.commit()
        return Account(contact.id)


async def user_in(core: Core, contact_id: int | None, locale: str) -> ChatUser:
    async with core.uow() as uow:
        identity = await conversations.resolve_identity(uow.session, "test", f"u-{locale}", now=core.clock.now())
        if contact_id is not None:
            await conversations.link_identity(uow.session, identity.id, contact_id)
        await uow.commit()
    return ChatUser(Gateway(core, engines_for_tests(core)), user_id=f"u-{locale}", locale_hint=locale)


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_balance_shows_debt_overdue_days_and_payments(core: Core, account: Account, locale: str) -> None:
    texts = TEXTS[locale]
    reply = await (await user_in(core, account.contact_id, locale)).say(texts["balance"])
    assert texts["owes"] in reply and texts["overdue"] in reply and texts["payments"] in reply
    assert ("1,000.00" if locale == "en" else "1\u00a0000,00") in reply
    assert "30" in reply  # the invoice is 30 days past due


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_statement_for_last_month_summarises_and_attaches_a_csv(core: Core, account: Account,
                                                                      locale: str) -> None:
    texts = TEXTS[locale]
    user = await user_in(core, account.contact_id, locale)
    await user.say(texts["statement"])
    reply = await user.press(texts["last_month"])
    assert texts["closing"] in reply
    assert user.last is not None
    document = next(m for m in user.last.messages if isinstance(m, DocumentOut))
    if locale == "en":
        rows = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig"))))
        assert rows[0][:3] == ["date", "kind", "number"] and rows[1][1] == "opening" and rows[-1][1] == "closing"
    else:  # as Russian Excel opens it: semicolons, decimal commas, Russian dates and words
        rows = list(csv.reader(io.StringIO(document.data.decode("utf-8-sig")), delimiter=";"))
        assert rows[0][:3] == ["Дата", "Документ", "Номер"]
        assert rows[1][1] == "Сальдо начальное" and rows[-1][1] == "Сальдо конечное"
        assert re.fullmatch(r"\d\d\.\d\d\.\d{4}", rows[1][0]) and "," in rows[-1][6] and "." not in rows[-1][6]


@pytest.mark.parametrize(("locale", "request_"), [("en", "statement for last month"),
                                                   ("ru", "акт сверки за прошлый месяц")])
async def test_a_period_named_in_the_request_is_not_asked_again(core: Core, account: Account, locale: str,
                                                               request_: str) -> None:
    user = await user_in(core, account.contact_id, locale)
    reply = await user.say(request_)
    assert TEXTS[locale]["closing"] in reply
    assert user.last is not None and any(isinstance(m, DocumentOut) for m in user.last.messages)


async def test_a_typed_period_is_understood_and_nonsense_is_reprompted(core: Core, account: Account) -> None:
    user = await user_in(core, account.contact_id, "en")
    await user.say("statement")
    assert "I need a period" in await user.say("sometime")
    today = dt.date.today()
    reply = await user.say(f"01.01.{today.year - 1} - {today:%d.%m.%Y}")
    assert "Closing balance" in reply and "1,000.00" in reply


def test_named_periods_cover_this_month_last_month_and_the_quarter() -> None:
    today = dt.date(2025, 5, 17)
    assert named_period("tm", today) == (dt.date(2025, 5, 1), today)
    assert named_period("lm", today) == (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    assert named_period("q", today) == (dt.date(2025, 4, 1), today)
    assert named_period("lm", dt.date(2025, 1, 3)) == (dt.date(2024, 12, 1), dt.date(2024, 12, 31))
    assert typed_period("2025-03-01 2025-03-31", today) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    backwards = typed_period("2025-03-31 2025-03-01", today)
    assert backwards is not None and period_refusal(*backwards, today) == "account.statement.ends_before_start"
    assert typed_period("31.02.2025 - 01.03.2025", today) is None


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_loyalty_shows_points_and_history(core: Core, account: Account, locale: str) -> None:
    reply = await (await user_in(core, account.contact_id, locale)).say(TEXTS[locale]["points"])
    assert "120" in reply and "+120" in reply


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_loyalty_history_names_the_order_and_points_given_back_say_returned(
    core: Core, account: Account, locale: str
) -> None:
    async with core.uow() as uow:
        contact = await uow.session.get(Contact, account.contact_id)
        assert contact is not None
        company = await uow.session.get(CompanyModel, contact.company_id)
        assert company is not None
        build = Build(uow.session)
        spent = await build.loyalty(company, -50, kind=LoyaltyKind.REDEMPTION)
        given_back = await build.loyalty(company, 50, kind=LoyaltyKind.REDEMPTION)
        order = await build.order(company, contact, lines=[])
        spent.order_id = given_back.order_id = order.id
        await uow.commit()
    reply = await (await user_in(core, account.contact_id, locale)).say(TEXTS[locale]["points"])
    returned, used = (("returned", "spent") if locale == "en" else ("возвращено", "списано"))
    order_word = "order" if locale == "en" else "заказ"
    assert f"+50 ({returned}, {order_word} №{order.id})" in reply and f"-50 ({used}, {order_word} №{order.id})" in reply


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_guests_are_refused_account_data_and_offered_a_way_in(core: Core, account: Account,
                                                                    locale: str) -> None:
    guest = await user_in(core, None, locale)
    for phrase in (TEXTS[locale]["balance"], TEXTS[locale]["statement"], TEXTS[locale]["points"]):
        reply = await guest.say(phrase)
        assert ("customer account" if locale == "en" else "аккаунт клиента") in reply
        assert "1,000" not in reply and "1\u00a0000" not in reply


@pytest.mark.parametrize("locale", ["en", "ru"])
async def test_asking_for_a_manager_says_who_answers_and_then_the_bot_is_quiet(core: Core, account: Account,
                                                                               locale: str) -> None:
    user = await user_in(core, account.contact_id, locale)
    reply = await user.say(TEXTS[locale]["manager"])
    assert ("manager" if locale == "en" else "менеджер") in reply.lower()
    assert ("15 minutes" in reply or "9:00" in reply) if locale == "en" else ("15 минут" in reply or "9:00" in reply)
    assert await user.say(TEXTS[locale]["balance"]) == ""
