"""Reports and their history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from storage.models import Report, ReportChange, ReportPhoto, Unit


async def add(
    session: AsyncSession,
    report: Report,
    photos: Sequence[str],
    channel: str,
    person_id: int | None,
) -> Report:
    report.photos = [
        ReportPhoto(channel=channel, file_ref=ref, position=n) for n, ref in enumerate(photos)
    ]
    session.add(report)
    await session.flush()
    session.add(
        ReportChange(
            report_id=report.id,
            at=report.received_at,
            person_id=person_id,
            action="created",
            changes={},
        )
    )
    return report


def record_change(
    session: AsyncSession,
    report: Report,
    person_id: int | None,
    action: str,
    changes: dict[str, Any],
    at: datetime,
) -> None:
    session.add(
        ReportChange(
            report_id=report.id, at=at, person_id=person_id, action=action, changes=changes
        )
    )
    report.updated_at = at


def subtree_ids(unit_id: int) -> Select[int]:
    """The unit and every unit under it, at any depth."""
    tree = select(Unit.id).where(Unit.id == unit_id).cte("tree", recursive=True)
    tree = tree.union_all(select(Unit.id).where(Unit.parent_id == tree.c.id))
    return select(tree.c.id)


async def recent_by_person(session: AsyncSession, person_id: int, limit: int = 5) -> list[Report]:
    query = (
        select(Report)
        .where(Report.reporter_id == person_id)
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def recent_in_unit(session: AsyncSession, unit_id: int, limit: int = 10) -> list[Report]:
    query = (
        select(Report)
        .where(Report.unit_id.in_(subtree_ids(unit_id)), Report.withdrawn_at.is_(None))
        .order_by(Report.received_at.desc(), Report.id.desc())
        .limit(limit)
    )
    return list((await session.execute(query)).scalars())


async def with_photos(session: AsyncSession, report_id: int) -> Report | None:
    query = select(Report).options(selectinload(Report.photos)).where(Report.id == report_id)
    return (await session.execute(query)).scalar_one_or_none()
