"""Taking a role with an invite code: the code and its unit, the role given, and whom the
newcomer replaces."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import people
from storage.enums import Role
from storage.models import InviteCode, Person, Unit
from storage.people import ActiveRole


@dataclass(frozen=True)
class Taken:
    """The role given: its assignment, the heads it replaced, the newcomer's roles now."""

    assignment_id: int
    replaced: list[Person]
    roles: list[ActiveRole]


async def unit_of(session: AsyncSession, invite: InviteCode) -> Unit:
    return await session.get_one(Unit, invite.unit_id)


async def invite_to_take(session: AsyncSession, invite_id: int) -> InviteCode | None:
    """The invite, locked, so that two people agreeing at once cannot both take a code meant
    for one."""
    return await session.get(InviteCode, invite_id, with_for_update=True)


async def take(
    session: AsyncSession, person_id: int, invite: InviteCode, unit: Unit, now: datetime
) -> Taken:
    """Give the invite's role; a hamlet's head it makes end is among `replaced`."""
    invite.uses += 1
    replaced: list[Person] = []
    if invite.role is Role.REPORTER:
        heads = await people.holders(session, unit.id, Role.REPORTER, now)
        replaced = [head for head in heads if head.id != person_id]
    assignment = await people.assign(session, person_id, unit.id, invite.role, now, invite.id)
    roles = await people.active_roles(session, person_id, now)
    return Taken(assignment.id, replaced, roles)


async def inviter_to_tell(
    session: AsyncSession, invite_id: int, newcomer_id: int
) -> tuple[InviteCode, Unit, int] | None:
    """The invite, its unit and the person who made it, unless nobody did or the newcomer
    invited themselves."""
    invite = await session.get(InviteCode, invite_id)
    inviter = invite.created_by_person_id if invite is not None else None
    if invite is None or inviter is None or inviter == newcomer_id:
        return None
    return invite, await unit_of(session, invite), inviter
