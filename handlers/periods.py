"""The periods a digest or report covers: an ISO week, or a calendar month, quarter, half-year
or year as the ISO weeks it holds (each week in the one period its Thursday falls in)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from storage.clock import iso_week, week_days
from storage.text import fold

CHART_WEEKS = 8
PeriodKind = Literal["week", "month", "quarter", "half", "year"]
# How many months each calendar period spans, and the letter of its key (2026-Q4, 2026-H2).
MONTHS: dict[str, int] = {"month": 1, "quarter": 3, "half": 6, "year": 12}
LETTERS: dict[str, str] = {"quarter": "Q", "half": "H"}


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


@dataclass(frozen=True)
class Period:
    kind: PeriodKind
    key: str
    first_day: date
    last_day: date
    weeks: tuple[str, ...]

    def previous(self) -> Period:
        if self.kind == "week":
            return week_period(week_of(self.first_day - timedelta(days=7)))
        before = self.first_day - timedelta(days=1)
        return calendar_period(self.kind, before.year, (before.month - 1) // MONTHS[self.kind] + 1)

    def chart_weeks(self) -> tuple[str, ...]:
        """The eight weeks that end with this period's last week; a longer period's own weeks."""
        if len(self.weeks) > CHART_WEEKS:
            return self.weeks
        last_monday, _ = week_days(self.weeks[-1])
        return tuple(
            week_of(last_monday - timedelta(weeks=back)) for back in range(CHART_WEEKS - 1, -1, -1)
        )


def week_period(week: str) -> Period:
    monday, sunday = week_days(week)
    return Period("week", week, monday, sunday, (week,))


def month_period(year: int, month: int) -> Period:
    """A month holds the ISO weeks whose Thursday falls in it, so each week is in one month."""
    return calendar_period("month", year, month)


def calendar_period(kind: PeriodKind, year: int, number: int) -> Period:
    """The `number`th month, quarter or half of `year` (1 for a year); ValueError past its end."""
    span = MONTHS[kind]
    if not 1 <= number <= 12 // span:
        raise ValueError(f"{kind} {number}")
    first_month = (number - 1) * span + 1
    first = date(year, first_month, 1)
    end_month = first_month + span
    following = date(year + (end_month - 1) // 12, (end_month - 1) % 12 + 1, 1)
    last = following - timedelta(days=1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    weeks: list[str] = []
    while thursday <= last:
        weeks.append(week_of(thursday))
        thursday += timedelta(days=7)
    return Period(kind, _key(kind, year, number), first, last, tuple(weeks))


def _key(kind: PeriodKind, year: int, number: int) -> str:
    if kind == "month":
        return f"{year}-{number:02d}"
    if kind == "year":
        return str(year)
    return f"{year}-{LETTERS[kind]}{number}"


def parse_period(text: str) -> Period:
    """`2026-W48`, `2026-11`, `2026-Q4`, `2026-H2` or `2026`; ValueError for anything else."""
    cleaned = text.strip().upper()
    if "-W" in cleaned:
        return parse_week(cleaned)
    year, _, rest = cleaned.partition("-")
    if not (year.isdecimal() and len(year) == 4):
        raise ValueError(text)
    if not rest:
        return calendar_period("year", int(year), 1)
    kind: PeriodKind = "month"
    for named, letter in LETTERS.items():
        if rest.startswith(letter):
            kind, rest = named, rest[1:]  # type: ignore[assignment]
    if not rest.isdecimal():
        raise ValueError(text)
    return calendar_period(kind, int(year), int(rest))


def parse_week(text: str) -> Period:
    """`2026-W48`; ValueError for anything else."""
    year, _, number = text.strip().upper().partition("-W")
    if not (year.isdecimal() and number.isdecimal()):
        raise ValueError(text)
    date.fromisocalendar(int(year), int(number), 1)
    return week_period(f"{int(year)}-W{int(number):02d}")


def this_week(local_now: datetime) -> Period:
    return week_period(iso_week(local_now))


def last_week(local_now: datetime) -> Period:
    return this_week(local_now).previous()


def this_month(local_now: datetime) -> Period:
    return month_period(local_now.year, local_now.month)


def last_month(local_now: datetime) -> Period:
    return this_month(local_now).previous()


def this_quarter(local_now: datetime) -> Period:
    return calendar_period("quarter", local_now.year, (local_now.month - 1) // 3 + 1)


def last_quarter(local_now: datetime) -> Period:
    return this_quarter(local_now).previous()


def this_half(local_now: datetime) -> Period:
    return calendar_period("half", local_now.year, (local_now.month - 1) // 6 + 1)


def last_half(local_now: datetime) -> Period:
    return this_half(local_now).previous()


def this_year(local_now: datetime) -> Period:
    return calendar_period("year", local_now.year, 1)


def last_year(local_now: datetime) -> Period:
    return this_year(local_now).previous()


_YEAR = r"(?:\s*(?:/|-|nam)?\s*(\d{4}))?"
_MONTH = re.compile(r"^thang\s*(\d{1,2})" + _YEAR + "$")
_QUARTER = re.compile(r"^quy\s*(\d|i{1,3}|iv)" + _YEAR + "$")
_HALF = re.compile(r"^(?:6|sau)\s*thang\s*(dau|cuoi)(?:\s*nam)?" + _YEAR + "$")
_WHOLE_YEAR = re.compile(r"^nam\s*(\d{4})$")
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_RELATIVE = {
    "thang nay": this_month,
    "thang truoc": last_month,
    "quy nay": this_quarter,
    "quy truoc": last_quarter,
    "6 thang nay": this_half,
    "nam nay": this_year,
    "nam truoc": last_year,
    "nam ngoai": last_year,
    "nam roi": last_year,
}


def read_period(text: str, local_now: datetime) -> Period | None:
    """A report period as people type it: "tháng 10", "quý 3", "quý IV/2026", "6 tháng đầu
    năm", "năm 2025", "năm ngoái", or a key ("2026-Q4"). Without a year, the latest such
    period that has begun. None when the words name no period."""
    words = " ".join(fold(text).replace(".", " ").split())
    if words in _RELATIVE:
        return _RELATIVE[words](local_now)
    try:
        if re.fullmatch(r"\d{4}(?:-(?:\d{1,2}|[qh]\d))?", text.strip(), re.IGNORECASE):
            return parse_period(text)
        if found := _MONTH.match(words):
            return _latest("month", int(found[1]), found[2], local_now)
        if found := _QUARTER.match(words):
            number = _ROMAN.get(found[1]) or int(found[1])
            return _latest("quarter", number, found[2], local_now)
        if found := _HALF.match(words):
            return _latest("half", 1 if found[1] == "dau" else 2, found[2], local_now)
        if found := _WHOLE_YEAR.match(words):
            return calendar_period("year", int(found[1]), 1)
    except ValueError:
        return None
    return None


def _latest(kind: PeriodKind, number: int, year: str | None, local_now: datetime) -> Period:
    if year:
        return calendar_period(kind, int(year), number)
    found = calendar_period(kind, local_now.year, number)
    if found.first_day > local_now.date():
        return calendar_period(kind, local_now.year - 1, number)
    return found
