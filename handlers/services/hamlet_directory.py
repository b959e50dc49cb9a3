"""A resident looks up a hamlet: its models, or who heads it."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import Unit


async def hamlet_by_id(session: AsyncSession, hamlet_id: int) -> Unit | None:
    """The hamlet chosen earlier in the conversation; None if it is no longer on record."""
    return await session.get(Unit, hamlet_id)
