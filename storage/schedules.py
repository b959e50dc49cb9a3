"""When reminders and digests go out and how long an urgent alert waits: per unit, inherited."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, tzinfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit, UnitSettings

_WEEKLY = re.compile(r"^([0-6]) ([01]\d|2[0-3]):([0-5]\d)$")
SETTING_FIELDS = ("first_reminder", "second_reminder", "digest_at", "escalation_minutes")


@dataclass(frozen=True, order=True)
class WeeklyTime:
    """A moment of the week in local time; weekday 0 is Monday, as in `date.weekday()`."""

    weekday: int
    hour: int
    minute: int

    @classmethod
    def parse(cls, text: str) -> WeeklyTime:
        found = _WEEKLY.match(text.strip())
        if not found:
            raise ValueError(f"not a weekly time: {text!r}")
        return cls(int(found[1]), int(found[2]), int(found[3]))

    def __str__(self) -> str:
        return f"{self.weekday} {self.hour:02d}:{self.minute:02d}"

    def on(self, monday: date, tz: tzinfo) -> datetime:
        day = monday + timedelta(days=self.weekday)
        return datetime(day.year, day.month, day.day, self.hour, self.minute, tzinfo=tz)

    def latest(self, local_now: datetime) -> datetime:
        """The last occurrence at or before `local_now` (an aware local time)."""
        assert local_now.tzinfo is not None
        monday = local_now.date() - timedelta(days=local_now.weekday())
        moment = self.on(monday, local_now.tzinfo)
        return moment if moment <= local_now else moment - timedelta(days=7)


@dataclass(frozen=True)
class Schedule:
    first_reminder: WeeklyTime
    second_reminder: WeeklyTime
    digest_at: WeeklyTime
    escalation_minutes: int


DEFAULT = Schedule(
    first_reminder=WeeklyTime(4, 16, 0),
    second_reminder=WeeklyTime(6, 18, 0),
    digest_at=WeeklyTime(0, 7, 0),
    escalation_minutes=30,
)


def _apply(schedule: Schedule, settings: UnitSettings | None) -> Schedule:
    if settings is None:
        return schedule
    changes: dict[str, object] = {}
    for name in ("first_reminder", "second_reminder", "digest_at"):
        value = getattr(settings, name)
        if value:
            changes[name] = WeeklyTime.parse(value)
    if settings.escalation_minutes:
        changes["escalation_minutes"] = settings.escalation_minutes
    return replace(schedule, **changes)  # type: ignore[arg-type]


class ScheduleBook:
    """Every unit's effective schedule from two queries, whatever the size of the tree."""

    def __init__(self, parents: dict[int, int | None], own: dict[int, UnitSettings]) -> None:
        self._parents = parents
        self._own = own
        self._cache: dict[int, Schedule] = {}

    @classmethod
    async def load(cls, session: AsyncSession) -> ScheduleBook:
        parents = {
            unit_id: parent_id
            for unit_id, parent_id in (await session.execute(select(Unit.id, Unit.parent_id))).all()
        }
        own = {s.unit_id: s for s in (await session.execute(select(UnitSettings))).scalars()}
        return cls(parents, own)

    def ancestors(self, unit_id: int) -> list[int]:
        """The unit and every unit above it."""
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in chain:
            chain.append(current)
            current = self._parents.get(current)
        return chain

    def of(self, unit_id: int) -> Schedule:
        chain: list[int] = []
        current: int | None = unit_id
        while current is not None and current not in self._cache:
            chain.append(current)
            current = self._parents.get(current)
        schedule = DEFAULT if current is None else self._cache[current]
        for member in reversed(chain):
            schedule = _apply(schedule, self._own.get(member))
            self._cache[member] = schedule
        return schedule


async def effective(session: AsyncSession, unit_id: int) -> Schedule:
    """One unit's schedule: its own settings over its parents', over the defaults."""
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None:
        chain.append(current)
        current = (
            await session.execute(select(Unit.parent_id).where(Unit.id == current))
        ).scalar_one_or_none()
    own = {
        s.unit_id: s
        for s in (
            await session.execute(select(UnitSettings).where(UnitSettings.unit_id.in_(chain)))
        ).scalars()
    }
    schedule = DEFAULT
    for member in reversed(chain):
        schedule = _apply(schedule, own.get(member))
    return schedule


async def weekly_times_in_use(session: AsyncSession) -> dict[str, set[WeeklyTime]]:
    """For each kind of timed job, the moments some unit asks for (the defaults included)."""
    found: dict[str, set[WeeklyTime]] = {
        "first_reminder": {DEFAULT.first_reminder},
        "second_reminder": {DEFAULT.second_reminder},
        "digest_at": {DEFAULT.digest_at},
    }
    for row in (await session.execute(select(UnitSettings))).scalars():
        for name, moments in found.items():
            value = getattr(row, name)
            if value:
                moments.add(WeeklyTime.parse(value))
    return found


async def change(
    session: AsyncSession, unit_id: int, person_id: int, now: datetime, **values: object
) -> None:
    settings = await session.get(UnitSettings, unit_id)
    if settings is None:
        settings = UnitSettings(unit_id=unit_id)
        session.add(settings)
    for name, value in values.items():
        if name not in SETTING_FIELDS:
            raise ValueError(name)
        setattr(settings, name, str(value) if isinstance(value, WeeklyTime) else value)
    settings.updated_at, settings.updated_by_person_id = now, person_id
    await session.flush()
