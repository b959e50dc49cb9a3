from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def iso_week(moment: datetime) -> str:
    """`2026-W48` for an aware local time."""
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"
