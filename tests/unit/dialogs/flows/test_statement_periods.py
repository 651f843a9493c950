"""The statement's period as purchasers type it, in English and Russian: months, quarters, years, ranges and
relative periods read with a fixed today, the periods refused and why, and the journey that asks for one."""

from __future__ import annotations

import datetime as dt

import pytest

from core.bootstrap import Core
from core.domain.access import Actor
from core.messaging import DocumentOut
from dialogs.flows import account
from dialogs.i18n import t
from dialogs.periods import named_period, period_refusal, typed_period
from dialogs.understanding import Parse
from tests.factories import Build
from tests.unit.dialogs.flows.conftest import ChatMaker

TODAY = dt.date(2026, 12, 1)
D = dt.date


class FixedClock:
    def now(self) -> dt.datetime:
        return dt.datetime(TODAY.year, TODAY.month, TODAY.day, 9, 30, tzinfo=dt.UTC)


READ = [
    # A month, with or without a year: without one, the latest that has begun.
    ("март", D(2026, 3, 1), D(2026, 3, 31)),
    ("за март", D(2026, 3, 1), D(2026, 3, 31)),
    ("в марте", D(2026, 3, 1), D(2026, 3, 31)),
    ("акт сверки за март 2025", D(2025, 3, 1), D(2025, 3, 31)),
    ("в мае прошлого года", D(2025, 5, 1), D(2025, 5, 31)),
    ("декабрь", D(2026, 12, 1), D(2026, 12, 31)),
    ("statement for March 2026", D(2026, 3, 1), D(2026, 3, 31)),
    ("statement for May", D(2026, 5, 1), D(2026, 5, 31)),
    ("Nov 2025", D(2025, 11, 1), D(2025, 11, 30)),
    # A year.
    ("2024", D(2024, 1, 1), D(2024, 12, 31)),
    ("акт сверки за 2024 год", D(2024, 1, 1), D(2024, 12, 31)),
    ("за прошлый год", D(2025, 1, 1), D(2025, 12, 31)),
    ("last year", D(2025, 1, 1), D(2025, 12, 31)),
    ("за 2024-2025", D(2024, 1, 1), D(2025, 12, 31)),
    # Quarters.
    ("Q1 2026", D(2026, 1, 1), D(2026, 3, 31)),
    ("q3", D(2026, 7, 1), D(2026, 9, 30)),
    ("1 квартал", D(2026, 1, 1), D(2026, 3, 31)),
    ("первый квартал", D(2026, 1, 1), D(2026, 3, 31)),
    ("сверка за первый квартал 2025", D(2025, 1, 1), D(2025, 3, 31)),
    ("II квартал 2025", D(2025, 4, 1), D(2025, 6, 30)),
    ("fourth quarter of 2025", D(2025, 10, 1), D(2025, 12, 31)),
    ("за прошлый квартал", D(2026, 7, 1), D(2026, 9, 30)),
    ("last quarter", D(2026, 7, 1), D(2026, 9, 30)),
    ("этот квартал", D(2026, 10, 1), TODAY),
    # Ranges, dates in numbers or in words; a side takes the month or year it leaves out from the other.
    ("с 1 по 15 ноября", D(2026, 11, 1), D(2026, 11, 15)),
    ("пришлите акт сверки с 1 по 15 ноября", D(2026, 11, 1), D(2026, 11, 15)),
    ("с 1-го по 15-е ноября", D(2026, 11, 1), D(2026, 11, 15)),
    ("с 1 марта по 31 марта", D(2026, 3, 1), D(2026, 3, 31)),
    ("С 1 Марта По 31 Марта 2025 Года", D(2025, 3, 1), D(2025, 3, 31)),
    ("01.03.2026 - 31.03.2026", D(2026, 3, 1), D(2026, 3, 31)),
    ("2026-03-01 2026-03-31", D(2026, 3, 1), D(2026, 3, 31)),
    ("с 01.11 по 15.11", D(2026, 11, 1), D(2026, 11, 15)),
    ("1-15.11.2026", D(2026, 11, 1), D(2026, 11, 15)),
    ("from 1 to 15 November", D(2026, 11, 1), D(2026, 11, 15)),
    ("November 1-15", D(2026, 11, 1), D(2026, 11, 15)),
    ("between March 1 and March 31", D(2026, 3, 1), D(2026, 3, 31)),
    ("from the 1st of March to the 31st of March", D(2026, 3, 1), D(2026, 3, 31)),
    ("с марта по май", D(2026, 3, 1), D(2026, 5, 31)),
    ("янв.-март 2026", D(2026, 1, 1), D(2026, 3, 31)),
    ("с декабря по февраль", D(2025, 12, 1), D(2026, 2, 28)),
    # One date alone runs to today; the latest such date not after today.
    ("с 01.03.2026", D(2026, 3, 1), TODAY),
    ("since 15 December", D(2025, 12, 15), TODAY),
    # Relative periods.
    ("за последние 30 дней", D(2026, 11, 2), TODAY),
    ("last 30 days", D(2026, 11, 2), TODAY),
    ("past 2 weeks", D(2026, 11, 18), TODAY),
    ("the past year", D(2025, 12, 2), TODAY),
    ("за последние 3 месяца", D(2026, 9, 2), TODAY),
    ("этот месяц", D(2026, 12, 1), TODAY),
    ("за прошлый месяц", D(2026, 11, 1), D(2026, 11, 30)),
    ("с начала года", D(2026, 1, 1), TODAY),
    ("year to date", D(2026, 1, 1), TODAY),
]


@pytest.mark.parametrize(("text", "start", "end"), READ)
def test_a_typed_period_is_read_in_either_language(text: str, start: dt.date, end: dt.date) -> None:
    assert typed_period(text, TODAY) == (start, end)
    assert period_refusal(start, end, TODAY) is None


@pytest.mark.parametrize("text", ["sometime", "statement", "акт сверки", "may I have the statement",
                                  "31.02.2025 - 01.03.2025", "по 15 ноября", "until 1 March"])
def test_text_without_a_whole_period_is_not_read_as_one(text: str) -> None:
    assert typed_period(text, TODAY) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("с 31 марта по 1 марта", "ends_before_start"),
    ("31.03.2026 - 01.03.2026", "ends_before_start"),
    ("за 2027 год", "in_future"),
    ("Q1 2027", "in_future"),
    ("from 5 to 20 January 2027", "in_future"),
    ("01.01.2020 - 31.12.2024", "too_long"),
    ("с 2020 по 2024", "too_long"),
])
def test_periods_no_statement_covers_are_refused_with_the_reason(text: str, reason: str) -> None:
    period = typed_period(text, TODAY)
    assert period is not None
    assert period_refusal(*period, TODAY) == f"account.statement.{reason}"


@pytest.mark.parametrize("locale", ["en", "ru"])
@pytest.mark.parametrize(("code", "key"), [("tm", "this_month"), ("lm", "last_month"), ("q", "quarter")])
def test_a_button_title_typed_is_the_buttons_period(locale: str, code: str, key: str) -> None:
    assert typed_period(t(locale, f"account.statement.{key}"), TODAY) == named_period(code, TODAY)


# Conversations ----------------------------------------------------------------------------------------

REQUESTS = {
    "statement": Parse("statement", 0.95),
    "пришлите акт сверки с 1 по 15 ноября": Parse("statement", 0.95),
    "акт сверки за 2030 год": Parse("statement", 0.95),
}


@pytest.fixture
async def member(core: Core) -> Actor:
    core.clock = FixedClock()
    async with core.uow() as uow:
        actor, _, _ = await Build(uow.session).actor(name="Alpha Trade")
        await uow.commit()
    return actor


def _statement_file(messages: object) -> str:
    assert isinstance(messages, list)
    return next(m.filename for m in messages if isinstance(m, DocumentOut))


async def test_a_range_in_the_request_gives_the_statement_without_asking(member: Actor, chat_for: ChatMaker) -> None:
    chat = await chat_for(member, "ru", REQUESTS, extra=account.FLOWS)
    await chat.send("пришлите акт сверки с 1 по 15 ноября")
    assert "Акт сверки за 1 ноября 2026 – 15 ноября 2026, Alpha Trade" in chat.text
    assert _statement_file(chat.last) == "statement_2026-11-01_2026-11-15.csv"


async def test_the_question_shows_a_recent_example_and_takes_a_period_in_words(member: Actor,
                                                                               chat_for: ChatMaker) -> None:
    chat = await chat_for(member, "en", REQUESTS, extra=account.FLOWS)
    await chat.send("statement")
    assert "01.11.2026 - 30.11.2026" in chat.text
    await chat.send("from 1 to 15 November")
    assert "Statement for 1 November 2026 – 15 November 2026" in chat.text
    assert _statement_file(chat.last) == "statement_2026-11-01_2026-11-15.csv"


async def test_a_refused_period_is_explained_and_asked_again(member: Actor, chat_for: ChatMaker) -> None:
    chat = await chat_for(member, "en", REQUESTS, extra=account.FLOWS)
    await chat.send("statement")
    await chat.send("01.01.2020 - 31.12.2024")
    assert "at most 3 years" in chat.text and "Which period?" in chat.text
    await chat.send("Q1 2027")
    assert "has not begun yet" in chat.text
    await chat.send("31.03.2026 - 01.03.2026")
    assert "ends before it starts" in chat.text
    await chat.send("last quarter")
    assert "Statement for 1 July 2026 – 30 September 2026" in chat.text


async def test_a_period_running_past_today_is_reported_to_today(member: Actor, chat_for: ChatMaker) -> None:
    chat = await chat_for(member, "ru", REQUESTS, extra=account.FLOWS)
    await chat.send("акт сверки за 2030 год")
    assert "За какой период?" in chat.text  # a refused period in the request is simply asked for
    await chat.send("декабрь")
    assert "Акт сверки за 1 декабря 2026 – 1 декабря 2026" in chat.text
