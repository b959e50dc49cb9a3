from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def running_from(start: datetime, monotonic: Callable[[], float] = time.monotonic) -> Clock:
    """A clock that reads `start` now and runs on at the machine's pace: a demo set on a
    Friday afternoon, or a test process that must agree with its test about the date."""
    origin = monotonic()
    start_utc = start.astimezone(UTC)

    def now() -> datetime:
        return start_utc + timedelta(seconds=monotonic() - origin)

    return now


def iso_week(moment: datetime) -> str:
    """`2026-W48` for an aware local time."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def week_days(week: str) -> tuple[date, date]:
    """Monday and Sunday of `2026-W48`."""
    year, number = week.split("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + timedelta(days=6)
