"""An officer invites someone to a role in a unit of their subtree."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from storage import invites, people
from storage.enums import Role
from storage.models import InviteCode


async def invite_person(
    session: AsyncSession,
    *,
    unit_id: int,
    role: Role,
    now: datetime,
    valid_for: timedelta,
    by_person_id: int,
) -> InviteCode:
    """A one-use code for `role` in the unit, made by the officer `by_person_id`."""
    return await invites.create(
        session,
        unit_id=unit_id,
        role=role,
        now=now,
        valid_for=valid_for,
        created_by_person_id=by_person_id,
    )


async def heads_of(session: AsyncSession, hamlet_id: int, now: datetime) -> list[str]:
    """The names of the hamlet's heads today: a newcomer invited as head replaces them."""
    return [p.full_name for p in await people.holders(session, hamlet_id, Role.REPORTER, now)]
