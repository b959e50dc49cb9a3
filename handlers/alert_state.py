"""How far an urgent report's follow-up has got, as every copy of its alert shows it: the
status, the officer who set it and when, and the latest note, read once for all recipients."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from storage import alerts, people
from storage.enums import IncidentEventKind, IncidentStatus
from storage.models import IncidentEvent, Report, Unit


@dataclass(frozen=True)
class Step:
    """One change of the follow-up: who made it, when, and the note if it was one."""

    officer: str
    at: datetime
    note: str = ""


@dataclass(frozen=True)
class Alert:
    """What every copy of a report's alert shows, read once for all its recipients."""

    report: Report
    unit: Unit
    reporter: str | None
    status: IncidentStatus
    status_step: Step | None
    last_note: Step | None


async def load(session: AsyncSession, report: Report) -> Alert:
    unit = await session.get_one(Unit, report.unit_id)
    events = await alerts.events_of(session, report.id)
    last_status = next((e for e in reversed(events) if e.kind is IncidentEventKind.STATUS), None)
    last_note = next((e for e in reversed(events) if e.kind is IncidentEventKind.NOTE), None)
    wanted = {e.person_id for e in (last_status, last_note) if e is not None and e.person_id}
    if report.reporter_id:
        wanted.add(report.reporter_id)
    names = await people.names_of(session, wanted)

    def step_of(event: IncidentEvent | None) -> Step | None:
        if event is None:
            return None
        return Step(names.get(event.person_id or 0, ""), event.at, event.note)

    return Alert(
        report=report,
        unit=unit,
        reporter=names.get(report.reporter_id) if report.reporter_id else None,
        status=report.status or IncidentStatus.OPEN,
        status_step=step_of(last_status),
        last_note=step_of(last_note),
    )


def state_text(alert: Alert, t: Translator, tz: ZoneInfo) -> Markup:
    """ "đã nhận — đồng chí Nông Thị Hoa, 09:15 27/11/2026"; "chưa ai nhận" while open."""
    status = t(f"status.{alert.status.value}")
    step = alert.status_step
    if step is None or alert.status is IncidentStatus.OPEN:
        return status
    return t(
        "alert.status_by", status=status, officer=step.officer, at=t.moment(step.at.astimezone(tz))
    )
