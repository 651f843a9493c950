"""Statement periods as purchasers write them, in English or Russian: "за март", "Q1 2026", "с 1 по 15 ноября",
"01.03.2026 - 31.03.2026", "last 30 days", "с начала года"; and why a period gets no statement."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from itertools import pairwise

MAX_PERIOD_YEARS = 3  # the longest statement; core.services.accounts sets no limit of its own
MAX_PERIOD_DAYS = MAX_PERIOD_YEARS * 366


def period_refusal(start: dt.date, end: dt.date, today: dt.date) -> str | None:
    """The catalogue key saying why no statement covers `start`..`end`, or None when one does."""
    if end < start:
        return "account.statement.ends_before_start"
    if start > today:
        return "account.statement.in_future"
    if (min(end, today) - start).days > MAX_PERIOD_DAYS:
        return "account.statement.too_long"
    return None


def named_period(code: str, today: dt.date) -> tuple[dt.date, dt.date]:
    """This month, this quarter, the year to date (each to today); last month, last quarter (whole)."""
    first = today.replace(day=1)
    quarter = first.replace(month=(today.month - 1) // 3 * 3 + 1)
    if code == "lm":
        end = first - dt.timedelta(days=1)
        return end.replace(day=1), end
    if code == "q":
        return quarter, today
    if code == "lq":
        end = quarter - dt.timedelta(days=1)
        return end.replace(month=end.month - 2, day=1), end
    if code == "ytd":
        return today.replace(month=1, day=1), today
    return first, today


def typed_period(text: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The period a purchaser wrote, in English or Russian; None if the text names none, or a date that does not
    exist. What is left out is filled in: a month, quarter or range without a year is the latest such one that
    has begun by `today`, and one date alone runs to `today`. The period is as written: it may end before it
    starts or lie in the future (see `period_refusal`).

    Read in this order, so that the more specific reading wins: dates and months ("01.03.2026 - 31.03.2026",
    "с 1 по 15 ноября", "between March 1 and March 31", "за март 2025"), named periods ("last month", "этот
    квартал", "с начала года"), the last so many days, weeks, months or years, numbered quarters ("Q1 2026",
    "первый квартал"), years ("за 2024 год"), and the bare word "quarter" (this quarter).
    """
    typed = _written_years(text.casefold().replace("ё", "е"), today)
    terms = [(_term(m), m.span()) for m in _TERM.finditer(typed)]
    if any(term.month is not None for term, _ in terms):
        return _dated(typed, terms, today)
    code = next((code for code, pattern in _NAMED_PERIODS if pattern.search(typed)), None)
    if code is not None:
        return named_period(code, today)
    if (trailing := _TRAILING.search(typed)) is not None:
        return _trailing(trailing, today)
    years = [int(year) for year in _YEAR.findall(typed)]
    if (quarter := _QUARTER.search(typed)) is not None and len(years) <= 1:
        number = _quarter_number(quarter)
        year = years[0] if years else None
        return _between(_Term(None, number * 3 - 2, year), _Term(None, number * 3, year), today)
    if len(years) in (1, 2):
        return _between(_Term(None, 1, years[0]), _Term(None, 12, years[-1]), today)
    if re.search(r"\bquarter\b|\bквартал", typed):
        return named_period("q", today)
    return None


@dataclass(frozen=True, slots=True)
class _Term:
    """A date as written, with what it leaves out: "15 ноября" has no year, "March" neither day nor year."""

    day: int | None
    month: int | None
    year: int | None


# Month names in either language, any case or inflection ("март", "в марте", "1 марта"), or abbreviated.
_MONTH_NAMES = (
    r"jan(?:uary)?|январ\w*|янв", r"feb(?:ruary)?|феврал\w*|фев", r"mar(?:ch)?|март\w*|мар",
    r"apr(?:il)?|апрел\w*|апр", r"may(?!\s+(?:i|we|you)\b)|ма[йяею]", r"june?|июн\w*", r"july?|июл\w*",
    r"aug(?:ust)?|август\w*|авг", r"sep(?:t(?:ember)?)?|сентябр\w*|сент?", r"oct(?:ober)?|октябр\w*|окт",
    r"nov(?:ember)?|ноябр\w*|ноя", r"dec(?:ember)?|декабр\w*|дек",
)
_MONTHS = [re.compile(rf"(?:{name})\.?") for name in _MONTH_NAMES]
_YEAR_PATTERN = r"(?:19|20)\d{2}"
_ORDINAL = r"(?:st|nd|rd|th|-?(?:ого|го|ое|е))?"  # 1st, 1-го, 15-е
_YEAR = re.compile(rf"\b{_YEAR_PATTERN}\b")
_TERM = re.compile(rf"""\b(?:
      (?P<iso_year>\d{{4}})-(?P<iso_month>\d{{1,2}})-(?P<iso_day>\d{{1,2}})               # 2026-03-01
    | (?P<num_day>\d{{1,2}})[./](?P<num_month>\d{{1,2}})(?:[./](?P<num_year>\d{{4}}|\d{{2}}))?   # 01.03.2026, 1.03
    | (?:(?P<day>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?)?                                   # 1 March, 1st of March
      (?P<month>{"|".join(_MONTH_NAMES)})\.?
      (?:\s+(?P<month_day>\d{{1,2}}){_ORDINAL}(?!\d))?                                   # March 1
      (?:,?\s+(?P<year>{_YEAR_PATTERN}))?                                               # ... 2026
    | (?P<bare_day>\d{{1,2}}){_ORDINAL}                                                 # the 1 of "с 1 по 15 ноября"
    )\b""", re.VERBOSE)
# What may stand between the two ends of a range: "01.03 - 31.03", "с 1 по 15 ноября", "between 1 and 15 March".
_RANGE_JOIN = re.compile(r"\.?\s*(?:-|–|—|\.\.|,|to|till|until|through|thru|and|по|до|и)?\s*(?:the\s+)?")
# A date alone runs to today, unless it is where the period ends ("по 15 ноября"), which leaves the start unsaid.
_UNTIL = re.compile(r"\b(?:по|до|to|till|until|through)\s*$")


def _term(match: re.Match[str]) -> _Term:
    found = match.groupdict()
    if found["iso_year"]:
        return _Term(int(found["iso_day"]), int(found["iso_month"]), int(found["iso_year"]))
    if found["num_day"]:
        year = int(found["num_year"]) if found["num_year"] else None
        return _Term(int(found["num_day"]), int(found["num_month"]), year + 2000 if year and year < 100 else year)
    if found["month"]:
        month = next(n for n, name in enumerate(_MONTHS, 1) if name.fullmatch(found["month"]))
        day = found["day"] or found["month_day"]
        return _Term(int(day) if day else None, month, int(found["year"]) if found["year"] else None)
    return _Term(int(found["bare_day"]), None, None)


def _dated(typed: str, terms: list[tuple[_Term, tuple[int, int]]], today: dt.date) -> tuple[dt.date, dt.date] | None:
    """Two dates joined as a range, or else the one date or month written."""
    for (first, (_, first_end)), (last, (last_start, _)) in pairwise(terms):
        if (first.month or last.month) and _RANGE_JOIN.fullmatch(typed[first_end:last_start]):
            return _between(first, last, today)
    named = [(term, start) for term, (start, _) in terms if term.month is not None]
    if len(named) != 1:
        return None
    (term, start), = named
    period = _between(term, term, today)
    if period is None or term.day is None:
        return period
    return None if _UNTIL.search(typed[:start]) else (period[0], today)


def _between(first: _Term, last: _Term, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """From the start of `first` to the end of `last`, each taking the month or year it lacks from the other; with
    no year at all, the latest such period begun by `today`. None if a date does not exist (31.02)."""
    first_month, last_month = first.month or last.month, last.month or first.month
    if first_month is None or last_month is None:
        return None
    wraps = int(first_month > last_month)  # "с декабря по февраль" crosses a new year
    if last.year is not None:
        years = (last.year - wraps if first.year is None else first.year, last.year)
    elif first.year is not None:
        years = (first.year, first.year + wraps)
    else:
        start_year = today.year - wraps
        if not wraps and (first_month, first.day or 1) > (today.month, today.day):
            start_year -= 1  # not begun this year: last year's
        years = (start_year, start_year + wraps)
    try:
        end_day = last.day or calendar.monthrange(years[1], last_month)[1]
        return dt.date(years[0], first_month, first.day or 1), dt.date(years[1], last_month, end_day)
    except ValueError:
        return None


# "March last year" is March of a year: the year is written out, so the readers of years see it.
_RELATIVE_YEARS = (
    (re.compile(r"\b(?:last|previous|prior) year\b|\b(?:прошл|предыдущ)\w* год\w*"), -1),
    (re.compile(r"\b(?:this|current) year\b|\b(?:эт|текущ)\w* год\w*"), 0),
)


def _written_years(typed: str, today: dt.date) -> str:
    for pattern, offset in _RELATIVE_YEARS:
        typed = pattern.sub(str(today.year + offset), typed)
    return typed


# Named periods as people write them, in either language and any case ("за прошлый месяц").
_NAMED_PERIODS = (
    ("lm", re.compile(r"\b(?:last|previous|prior) month\b|\b(?:прошл|предыдущ)\w* месяц")),
    ("tm", re.compile(r"\b(?:this|current) month\b|\bmonth to date\b|\b(?:эт|текущ)\w* месяц|\bс начала месяца")),
    ("lq", re.compile(r"\b(?:last|previous|prior) quarter\b|\b(?:прошл|предыдущ)\w* квартал")),
    ("q", re.compile(r"\b(?:this|current) quarter\b|\b(?:эт|текущ)\w* квартал|\bс начала квартала")),
    ("ytd", re.compile(r"\byear to date\b|\bytd\b|\bс начала года")),
)
# "last 30 days", "past 2 weeks", "the past year", "за последние 3 месяца", "за 30 дней".
_TRAILING = re.compile(
    r"\b(?:(?:last|past|previous)\s+(?P<count>\d{1,3}\s+)?(?P<unit>day|week|month|year)s?\b"
    r"|(?:последн|прошедш)\w*\s+(?P<ru_count>\d{1,3}\s+)?(?P<ru_unit>дн|ден|недел|месяц|год|лет)\w*"
    r"|за\s+(?P<za_count>\d{1,3}\s+)(?P<za_unit>дн|ден|недел|месяц|год|лет)\w*)"
)
_TRAILING_UNITS = {"day": "d", "дн": "d", "ден": "d", "week": "w", "недел": "w", "month": "m", "месяц": "m",
                   "year": "y", "год": "y", "лет": "y"}
# "Q1", "1 квартал", "1-й квартал", "first quarter", "первый квартал", "II квартал".
_QUARTER = re.compile(
    r"\bq(?P<q>[1-4])\b"
    r"|\b(?:(?P<digit>[1-4])(?:st|nd|rd|th|-?[а-я]{1,2})?|(?P<word>first|second|third|fourth|перв|втор|трет|четверт)"
    r"\w*|(?P<roman>iv|i{1,3}))\s+(?:quarter|квартал)"
)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "перв": 1, "втор": 2, "трет": 3, "четверт": 4,
                  "i": 1, "ii": 2, "iii": 3, "iv": 4}


def _trailing(match: re.Match[str], today: dt.date) -> tuple[dt.date, dt.date]:
    """The last `count` days, weeks, months or years, today included."""
    count = int((match["count"] or match["ru_count"] or match["za_count"] or "1").strip())
    unit = _TRAILING_UNITS[match["unit"] or match["ru_unit"] or match["za_unit"]]
    if unit in "my":
        months = today.year * 12 + today.month - 1 - count * (12 if unit == "y" else 1)
        year, month = divmod(months, 12)
        before = dt.date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))
    else:
        before = today - dt.timedelta(days=count * (7 if unit == "w" else 1))
    return before + dt.timedelta(days=1), today


def _quarter_number(match: re.Match[str]) -> int:
    digit = match["q"] or match["digit"]
    return int(digit) if digit else _QUARTER_WORDS[match["word"] or match["roman"]]
