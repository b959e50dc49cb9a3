"""What officers do about an incident (its status, a note) and a hamlet head's pause of the
weekly reminders."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage import alerts as alert_records
from storage import pauses, reports
from storage.enums import IncidentEventKind, IncidentStatus
from storage.models import IncidentEvent, Report
from storage.people import ActiveRole


async def may_act(session: AsyncSession, roles: Iterable[ActiveRole], report: Report) -> bool:
    """An officer of a unit above the report's hamlet; for confidential ones, one named."""
    for active in roles:
        if active.role not in alert_records.OFFICER_ROLES:
            continue
        if report.sensitive and not active.confidential:
            continue
        if await alert_records.in_subtree(session, active.unit.id, report.unit_id):
            return True
    return False


async def find_report(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def lock_report(session: AsyncSession, report_id: int) -> Report | None:
    """The report, locked: of two officers pressing at once, the second waits and finds the
    first one's status."""
    return await session.get(Report, report_id, with_for_update=True)


async def change_status(
    session: AsyncSession, report: Report, new: IncidentStatus, person_id: int, now: datetime
) -> IncidentEvent:
    """Set the incident's status, in its history and its alert's; the first change
    acknowledges the alert, which stops its escalation. The change, stored, is returned."""
    current = report.status or IncidentStatus.OPEN
    report.status = new
    changes = {"status": [current.value, new.value]}
    reports.record_change(session, report, person_id, "status", changes, now)
    change = alert_records.record(
        session, report.id, IncidentEventKind.STATUS, now, person_id=person_id, status=new
    )
    alert = await alert_records.for_report(session, report.id)
    if alert is not None and alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by_person_id = now, person_id
        alert.escalate_at = None
    await session.flush()
    return change


async def add_note(
    session: AsyncSession, report: Report, note: str, person_id: int, now: datetime
) -> IncidentEvent:
    found = alert_records.record(
        session, report.id, IncidentEventKind.NOTE, now, person_id=person_id, note=note
    )
    await session.flush()
    return found


async def pause_reminders(
    session: AsyncSession, person_id: int, today: date, days: int, now: datetime
) -> date:
    """No reminders for the person from today for `days` days; the last day is returned."""
    last = today + timedelta(days=days - 1)
    await pauses.add(
        session, first_day=today, last_day=last, now=now, created_by=person_id, person_id=person_id
    )
    return last


async def resume_reminders(
    session: AsyncSession, person_id: int, today: date, now: datetime
) -> bool:
    """End the person's pause; False when there was none."""
    current = await pauses.for_person(session, person_id, today)
    if current is None:
        return False
    current.cancelled_at = now
    return True
