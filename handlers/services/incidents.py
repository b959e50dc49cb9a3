"""An incident as an officer reads it from the open list: the hamlets of the list, one
incident's details (who sent it, how many photos, its follow-up), and its history."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers import alerts
from storage import alerts as alert_records
from storage import audit, people
from storage.models import IncidentEvent, Person, Report, ReportPhoto, Unit


@dataclass(frozen=True)
class Details:
    """What the officer needs to act on one incident."""

    alert: alerts.Alert
    photos: int
    reporter: Person | None
    events: int


@dataclass(frozen=True)
class History:
    """Every step of an incident's follow-up, and the names of the people who took them."""

    events: list[IncidentEvent]
    names: dict[int, str]


async def find_report(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def find_unit(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def units_by_id(session: AsyncSession, unit_ids: Collection[int]) -> dict[int, Unit]:
    if not unit_ids:
        return {}
    query = select(Unit).where(Unit.id.in_(set(unit_ids)))
    return {unit.id: unit for unit in (await session.execute(query)).scalars()}


def record_view(session: AsyncSession, report: Report, person_id: int, now: datetime) -> None:
    """An officer opened a confidential report: the audit log keeps who and when."""
    if report.sensitive:
        audit.record(
            session,
            at=now,
            person_id=person_id,
            action="view_confidential",
            subject=f"report:{report.id}",
        )


async def details(session: AsyncSession, report: Report) -> Details:
    alert = await alerts.load(session, report)
    photos = await session.scalar(
        select(func.count()).select_from(ReportPhoto).where(ReportPhoto.report_id == report.id)
    )
    reporter = await session.get(Person, report.reporter_id) if report.reporter_id else None
    events = await alert_records.events_of(session, report.id)
    return Details(alert=alert, photos=photos or 0, reporter=reporter, events=len(events))


async def history(session: AsyncSession, report_id: int) -> History:
    events = await alert_records.events_of(session, report_id)
    names = await people.names_of(session, {e.person_id for e in events if e.person_id})
    return History(events=events, names=names)
