"""A unit's holidays as its officer changes them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from storage import pauses


async def cancel_holiday(
    session: AsyncSession, unit_id: int, pause_id: int, today: date, now: datetime
) -> bool:
    """Cancel one of the unit's holidays that has not ended; False if it is no such one."""
    held = await pauses.for_unit(session, unit_id, today)
    pause = next((p for p in held if p.id == pause_id), None)
    if pause is None:
        return False
    pause.cancelled_at = now
    await session.flush()
    return True
