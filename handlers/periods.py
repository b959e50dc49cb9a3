"""The periods a digest covers: an ISO week, or a calendar month as the weeks it holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from storage.clock import iso_week, week_days

CHART_WEEKS = 8


def week_of(day: date) -> str:
    year, number, _ = day.isocalendar()
    return f"{year}-W{number:02d}"


@dataclass(frozen=True)
class Period:
    kind: Literal["week", "month"]
    key: str
    first_day: date
    last_day: date
    weeks: tuple[str, ...]

    def previous(self) -> Period:
        if self.kind == "week":
            return week_period(week_of(self.first_day - timedelta(days=7)))
        before = self.first_day - timedelta(days=1)
        return month_period(before.year, before.month)

    def chart_weeks(self) -> tuple[str, ...]:
        """The eight weeks that end with this period's last week."""
        last_monday, _ = week_days(self.weeks[-1])
        return tuple(
            week_of(last_monday - timedelta(weeks=back)) for back in range(CHART_WEEKS - 1, -1, -1)
        )


def week_period(week: str) -> Period:
    monday, sunday = week_days(week)
    return Period("week", week, monday, sunday, (week,))


def month_period(year: int, month: int) -> Period:
    """A month holds the ISO weeks whose Thursday falls in it, so each week is in one month."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    weeks: list[str] = []
    while thursday <= last:
        weeks.append(week_of(thursday))
        thursday += timedelta(days=7)
    return Period("month", f"{year}-{month:02d}", first, last, tuple(weeks))


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
