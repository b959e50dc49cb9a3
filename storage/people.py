"""People, their identities on each channel, and the roles they hold."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import Role
from storage.models import Identity, Person, RoleAssignment, Unit


@dataclass(frozen=True)
class ActiveRole:
    role: Role
    unit: Unit
    confidential: bool = False


async def identity_for(
    session: AsyncSession,
    channel: str,
    external_id: str,
    chat_key: str,
    display_name: str | None,
    now: datetime,
) -> Identity:
    """The identity for this account, created with its own person on first contact."""
    query = select(Identity).where(Identity.channel == channel, Identity.external_id == external_id)
    identity = (await session.execute(query)).scalar_one_or_none()
    if identity is None:
        person = Person(full_name=display_name or external_id, created_at=now)
        session.add(person)
        await session.flush()
        identity = Identity(
            person_id=person.id,
            channel=channel,
            external_id=external_id,
            chat_key=chat_key,
            display_name=display_name,
            created_at=now,
        )
        session.add(identity)
        await session.flush()
    identity.last_seen_at = now
    identity.active = True
    return identity


async def active_roles(session: AsyncSession, person_id: int, now: datetime) -> list[ActiveRole]:
    query = (
        select(RoleAssignment, Unit)
        .join(Unit, Unit.id == RoleAssignment.unit_id)
        .where(
            RoleAssignment.person_id == person_id,
            RoleAssignment.valid_from <= now,
            or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to > now),
        )
        .order_by(RoleAssignment.id)
    )
    rows = (await session.execute(query)).all()
    return [
        ActiveRole(role=assignment.role, unit=unit, confidential=assignment.confidential)
        for assignment, unit in rows
    ]


def holds_role(now: datetime) -> ColumnElement[bool]:
    """The role assignments in force at `now`."""
    return and_(
        RoleAssignment.valid_from <= now,
        or_(RoleAssignment.valid_to.is_(None), RoleAssignment.valid_to > now),
    )


async def identities_of(session: AsyncSession, person_ids: Collection[int]) -> list[Identity]:
    """Every active account of these people, in a stable order."""
    if not person_ids:
        return []
    query = (
        select(Identity)
        .where(Identity.person_id.in_(person_ids), Identity.active.is_(True))
        .order_by(Identity.person_id, Identity.id)
    )
    return list((await session.execute(query)).scalars())


async def assign(
    session: AsyncSession,
    person_id: int,
    unit_id: int,
    role: Role,
    now: datetime,
    invite_id: int | None = None,
) -> RoleAssignment:
    """Give the role; a hamlet has one reporter at a time, so the previous one is ended."""
    if role is Role.REPORTER:
        query = select(RoleAssignment).where(
            RoleAssignment.unit_id == unit_id,
            RoleAssignment.role == Role.REPORTER,
            RoleAssignment.valid_to.is_(None),
            RoleAssignment.person_id != person_id,
        )
        for previous in (await session.execute(query)).scalars():
            previous.valid_to = now
    assignment = RoleAssignment(
        person_id=person_id, unit_id=unit_id, role=role, valid_from=now, invite_id=invite_id
    )
    session.add(assignment)
    await session.flush()
    return assignment
