"""Filing a hamlet's report: an incident, what a self-management model did, or a quiet week;
and which reports a week already has."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import reports
from storage.clock import iso_week
from storage.enums import Channel, IncidentCategory, IncidentStatus, ReportKind
from storage.models import ModelInstance, ModelType, Organization, Report


@dataclass(frozen=True)
class Filer:
    """Who files for which hamlet, on which channel, and the message it came in: a message
    stores one report however often it is delivered."""

    unit_id: int
    person_id: int
    channel: Channel
    received_at: datetime
    inbox_id: int | None


@dataclass(frozen=True)
class Filed:
    """A report stored, and how many officers on duty were alerted to it at once."""

    report: Report
    alerted: int = 0


@dataclass(frozen=True)
class Occurred:
    """When it happened, in the hamlet's zone; a day without a time is kept at its noon."""

    at: datetime
    time_known: bool


async def file_incident(
    session: AsyncSession,
    by: Filer,
    *,
    category: IncidentCategory,
    urgent: bool,
    text: str,
    occurred: Occurred,
    place: str | None,
    latitude: float | None,
    longitude: float | None,
    photos: Sequence[str],
) -> Report:
    report = Report(
        unit_id=by.unit_id,
        reporter_id=by.person_id,
        kind=ReportKind.INCIDENT,
        category=category.value,
        urgent=urgent,
        sensitive=category.confidential,
        text=text,
        occurred_at=occurred.at,
        occurred_time_known=occurred.time_known,
        received_at=by.received_at,
        week=iso_week(occurred.at),
        place=place,
        latitude=latitude,
        longitude=longitude,
        status=IncidentStatus.OPEN,
        source_inbox_id=by.inbox_id,
    )
    return await reports.add(session, report, photos, by.channel, by.person_id)


async def file_activity(
    session: AsyncSession,
    by: Filer,
    *,
    instance_id: int,
    text: str,
    occurred: Occurred,
    participants: int,
    photos: Sequence[str],
) -> Report:
    instance, model_type, _ = await model_of(session, instance_id)
    report = Report(
        unit_id=by.unit_id,
        reporter_id=by.person_id,
        kind=ReportKind.ACTIVITY,
        category=model_type.code,
        text=text,
        occurred_at=occurred.at,
        occurred_time_known=occurred.time_known,
        received_at=by.received_at,
        week=iso_week(occurred.at),
        model_instance_id=instance.id,
        participants=participants,
        source_inbox_id=by.inbox_id,
    )
    return await reports.add(session, report, photos, by.channel, by.person_id)


async def file_quiet_week(session: AsyncSession, by: Filer, week: str) -> Report:
    """ "Nothing to report" for `week`; the caller has checked it is not there yet."""
    report = Report(
        unit_id=by.unit_id,
        reporter_id=by.person_id,
        kind=ReportKind.NOTHING,
        text="",
        occurred_at=by.received_at,
        received_at=by.received_at,
        week=week,
        source_inbox_id=by.inbox_id,
    )
    return await reports.add(session, report, [], by.channel, by.person_id)


async def model_of(
    session: AsyncSession, instance_id: int
) -> tuple[ModelInstance, ModelType, Organization]:
    """The model an activity is about, its type and the organization running it."""
    instance = await session.get_one(ModelInstance, instance_id)
    model_type = await session.get_one(ModelType, instance.model_type_id)
    organization = await session.get_one(Organization, instance.organization_id)
    return instance, model_type, organization


async def numbers_of_week(session: AsyncSession, unit_id: int, week: str) -> list[int]:
    """The numbers of the hamlet's incidents and activities of `week`, still standing."""
    found = await session.execute(
        select(Report.id)
        .where(
            Report.unit_id == unit_id,
            Report.week == week,
            Report.kind != ReportKind.NOTHING,
            Report.withdrawn_at.is_(None),
        )
        .order_by(Report.id)
    )
    return list(found.scalars())


async def has_quiet_week(session: AsyncSession, unit_id: int, week: str) -> bool:
    existing = await session.execute(
        select(Report.id).where(
            Report.unit_id == unit_id,
            Report.week == week,
            Report.kind == ReportKind.NOTHING,
            Report.withdrawn_at.is_(None),
        )
    )
    return existing.first() is not None
