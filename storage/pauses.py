"""Pauses of reminders: a holiday for a subtree, or a few days off for one hamlet head."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ReminderPause


def _in_force(day: date) -> ColumnElement[bool]:
    return and_(
        ReminderPause.first_day <= day,
        ReminderPause.last_day >= day,
        ReminderPause.cancelled_at.is_(None),
    )


async def paused_on(session: AsyncSession, day: date) -> tuple[set[int], set[int]]:
    """The units (with everything under them) and the people without reminders on `day`."""
    query = select(ReminderPause.unit_id, ReminderPause.person_id).where(_in_force(day))
    units: set[int] = set()
    people: set[int] = set()
    for unit_id, person_id in (await session.execute(query)).all():
        if unit_id is not None:
            units.add(unit_id)
        if person_id is not None:
            people.add(person_id)
    return units, people


async def add(
    session: AsyncSession,
    *,
    first_day: date,
    last_day: date,
    now: datetime,
    created_by: int,
    unit_id: int | None = None,
    person_id: int | None = None,
    reason: str = "",
) -> ReminderPause:
    pause = ReminderPause(
        unit_id=unit_id,
        person_id=person_id,
        first_day=first_day,
        last_day=last_day,
        reason=reason,
        created_at=now,
        created_by_person_id=created_by,
    )
    session.add(pause)
    await session.flush()
    return pause


async def for_unit(session: AsyncSession, unit_id: int, today: date) -> list[ReminderPause]:
    """The unit's own holiday pauses that have not ended."""
    query = (
        select(ReminderPause)
        .where(
            ReminderPause.unit_id == unit_id,
            ReminderPause.last_day >= today,
            ReminderPause.cancelled_at.is_(None),
        )
        .order_by(ReminderPause.first_day, ReminderPause.id)
    )
    return list((await session.execute(query)).scalars())


async def for_person(session: AsyncSession, person_id: int, today: date) -> ReminderPause | None:
    query = (
        select(ReminderPause)
        .where(ReminderPause.person_id == person_id, _in_force(today))
        .order_by(ReminderPause.last_day.desc())
        .limit(1)
    )
    return (await session.execute(query)).scalar_one_or_none()
