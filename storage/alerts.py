"""Urgent incidents: who must hear of them, the follow-up record, and who may act on them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digests import history_tree
from storage.enums import AlertDuty, IncidentEventKind, IncidentStatus, Role
from storage.models import IncidentEvent, RoleAssignment, UrgentAlert
from storage.people import holds_role

OFFICER_ROLES = (Role.OFFICER, Role.ADMIN)


async def officers_at(
    session: AsyncSession,
    unit_id: int,
    duties: Sequence[AlertDuty],
    now: datetime,
    *,
    confidential_only: bool,
) -> list[int]:
    """People holding an officer role at this very unit with one of these alert duties."""
    query = (
        select(RoleAssignment.person_id)
        .where(
            RoleAssignment.unit_id == unit_id,
            RoleAssignment.role.in_(OFFICER_ROLES),
            RoleAssignment.alerts.in_(list(duties)),
            holds_role(now),
        )
        .order_by(RoleAssignment.id)
    )
    if confidential_only:
        query = query.where(RoleAssignment.confidential.is_(True))
    return list(dict.fromkeys((await session.execute(query)).scalars()))


async def in_subtree(session: AsyncSession, root_id: int, unit_id: int) -> bool:
    """Whether `unit_id` is `root_id` or under it (merged units included)."""
    tree = history_tree(root_id)
    query = select(tree.c.id).where(tree.c.id == unit_id)
    return (await session.execute(query)).first() is not None


def record(
    session: AsyncSession,
    report_id: int,
    kind: IncidentEventKind,
    at: datetime,
    *,
    level: int | None = None,
    person_id: int | None = None,
    status: IncidentStatus | None = None,
    note: str = "",
    recipients: int = 0,
) -> IncidentEvent:
    event = IncidentEvent(
        report_id=report_id,
        at=at,
        kind=kind,
        level=level,
        person_id=person_id,
        status=status,
        note=note,
        recipients=recipients,
    )
    session.add(event)
    return event


async def due(session: AsyncSession, now: datetime) -> list[UrgentAlert]:
    """Alerts nobody acknowledged whose escalation time has come."""
    query = (
        select(UrgentAlert)
        .where(UrgentAlert.acknowledged_at.is_(None), UrgentAlert.escalate_at <= now)
        .order_by(UrgentAlert.escalate_at, UrgentAlert.id)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list((await session.execute(query)).scalars())


async def for_report(session: AsyncSession, report_id: int) -> UrgentAlert | None:
    query = select(UrgentAlert).where(UrgentAlert.report_id == report_id)
    return (await session.execute(query)).scalar_one_or_none()


async def events_of(session: AsyncSession, report_id: int) -> list[IncidentEvent]:
    query = (
        select(IncidentEvent)
        .where(IncidentEvent.report_id == report_id)
        .order_by(IncidentEvent.at, IncidentEvent.id)
    )
    return list((await session.execute(query)).scalars())
