"""A hamlet's recent reports as its head and deputy see them, and the changes they make to
their own: editing a field, withdrawing one."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import reports
from storage.enums import IncidentCategory
from storage.models import Person, Report, Unit

# The name of a report's field as the edit question offers it, and its column when it differs.
COLUMNS = {"urgency": "urgent"}


async def in_hamlet(session: AsyncSession, hamlet_id: int, limit: int) -> list[Report]:
    """The hamlet's reports, whoever of its head and deputy sent them, newest first."""
    query = (
        select(Report)
        .where(Report.unit_id == hamlet_id)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def find(session: AsyncSession, report_id: int) -> Report | None:
    return await session.get(Report, report_id)


async def unit_of(session: AsyncSession, report: Report) -> Unit:
    """The hamlet the report is from."""
    return await session.get_one(Unit, report.unit_id)


async def unit_names(session: AsyncSession, unit_ids: Collection[int]) -> dict[int, str]:
    if not unit_ids:
        return {}
    query = select(Unit.id, Unit.name).where(Unit.id.in_(set(unit_ids)))
    return {unit_id: name for unit_id, name in (await session.execute(query)).all()}


async def author_name(session: AsyncSession, report: Report) -> str | None:
    author = await session.get(Person, report.reporter_id) if report.reporter_id else None
    return author.full_name if author else None


def withdraw_report(session: AsyncSession, report: Report, person_id: int, now: datetime) -> None:
    report.withdrawn_at = now
    reports.record_change(session, report, person_id, "withdrawn", {}, now)


def edit_report(
    session: AsyncSession, report: Report, field: str, value: object, person_id: int, now: datetime
) -> None:
    """Set one field, kept in the report's history with the value it replaced; a new
    category decides again whether the report is confidential."""
    column = COLUMNS.get(field, field)
    old = getattr(report, column)
    setattr(report, column, value)
    if field == "category":
        report.sensitive = IncidentCategory(str(value)).confidential
    reports.record_change(session, report, person_id, "edited", {column: [old, value]}, now)
