"""Whom a person who declined the consent is told to ask instead."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import InviteCode, Person


async def inviter_of(session: AsyncSession, invite: InviteCode) -> Person | None:
    """The person who made the invite, when one is on record."""
    if invite.created_by_person_id is None:
        return None
    return await session.get(Person, invite.created_by_person_id)
